//! triage-web: `triage serve` — the web wizard, a browsable knowledge base and a JSON API.
//!
//! The same flow as `triage ask`, as server-rendered HTML that works without JavaScript: find
//! the symptom from the error ([`SearchIndex`](triage_engine::search::SearchIndex)), answer
//! one question per page ([`triage_engine::wizard::step`]) with the live ranking beside it,
//! and end on the guide with the plan and the fact file to download. It serves one knowledge
//! base or several (see [`Served`] and [`App::new_multi`]): the search looks in all of them,
//! and an address names its own with `kb=NAME` (none for the default). The server keeps no
//! session: the answers travel in the address (see [`session`]), so nothing grows on the
//! server and every page is a plain GET that can be bookmarked.
//!
//! It deliberately does not decide anything: the ranking, the next question, the stop and the
//! repair order are the engine's; the guide and the plans are the renderers'. This crate reads
//! requests, calls them and renders pages with tera (autoescaped; only Markdown that went
//! through the renderers' sanitiser is inserted as HTML).
//!
//! Limits: request bodies are capped at [`MAX_BODY_BYTES`], queries by
//! [`session::MAX_QUERY_BYTES`] and friends, every request by [`REQUEST_TIMEOUT`]; a problem
//! with a request is a 4xx page (or JSON under `/api/`) that says what was wrong. The CPU work
//! of a request runs on a bounded [`pool`] of threads, never on the threads that serve the
//! sockets, and a full pool answers `503` with `Retry-After`; the connections are capped and
//! timed out (see [`Limits`] and [`serve`]).

mod api;
mod bases;
pub mod cache;
pub mod error;
mod kb;
mod outcome;
mod pages;
pub mod pool;
mod server;
pub mod session;
mod view;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use error::WebError;
use pool::{Pool, PoolLimits};
use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use triage_engine::Engine;
use triage_engine::wizard::WizardSettings;

pub(crate) use bases::Base;
pub use bases::Served;

/// The largest request body accepted (a fact file): 256 KiB.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// The default budget of the page cache (see [`cache`]): 32 MiB.
pub const CACHE_BYTES: usize = 32 * 1024 * 1024;
/// How long one request may take, reading its body and waiting for a worker included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a client has to send a request's headers in full, counted from the connection's
/// opening or from the end of its previous response; then the connection is closed.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection may stay silent (no byte read or written) while no request of it is
/// being handled — an idle keep-alive connection, a client that stopped halfway through its
/// headers or stopped reading its answer — before it is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// The most connections open at once (fewer where the process may open fewer files): beyond
/// it new connections are not accepted but wait in the system's backlog until one closes.
pub const MAX_CONNECTIONS: usize = 4096;
/// The largest request head (request line and headers) read: 64 KiB, four times the longest
/// address a page accepts ([`session::MAX_QUERY_BYTES`]). A longer one is answered `431`.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// Requests with a body that may wait per upload worker (see [`Limits::uploads`]).
pub const UPLOAD_QUEUE_PER_WORKER: usize = 16;
/// Page requests that may wait per page worker (see [`Limits::pages`]).
pub const PAGE_QUEUE_PER_WORKER: usize = 512;

/// What the server lets a request, a connection and its CPU work take.
/// [`Limits::default`] is what `triage serve` runs with; change a field with
/// `Limits { max_connections: 100, ..Limits::default() }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The page cache's budget in bytes (0: no cache). Default [`CACHE_BYTES`].
    pub cache_bytes: usize,
    /// How long one request may take; then it is answered `408`. Default [`REQUEST_TIMEOUT`].
    pub request_timeout: Duration,
    /// The threads that read and diagnose request bodies (`POST /api/diagnose`, the paste box).
    /// Default: half the cores, rounded up, so that a saturated API leaves cores to the pages;
    /// [`UPLOAD_QUEUE_PER_WORKER`] waiting per thread.
    pub uploads: PoolLimits,
    /// The threads that compute pages from their address (wizard steps, the guide, plans,
    /// downloads, search, the knowledge base pages). Default: one per core,
    /// [`PAGE_QUEUE_PER_WORKER`] waiting per thread. The home page, the stylesheet and
    /// wizard pages in the cache need no thread.
    pub pages: PoolLimits,
    /// Default [`HEADER_READ_TIMEOUT`].
    pub header_read_timeout: Duration,
    /// Default [`IDLE_TIMEOUT`].
    pub idle_timeout: Duration,
    /// Default [`MAX_CONNECTIONS`], or fewer where the process may not open that many files.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            cache_bytes: CACHE_BYTES,
            request_timeout: REQUEST_TIMEOUT,
            uploads: PoolLimits::per_worker(pool::cores().div_ceil(2), UPLOAD_QUEUE_PER_WORKER),
            pages: PoolLimits::per_worker(pool::cores(), PAGE_QUEUE_PER_WORKER),
            header_read_timeout: HEADER_READ_TIMEOUT,
            idle_timeout: IDLE_TIMEOUT,
            max_connections: server::connection_budget(MAX_CONNECTIONS),
        }
    }
}

/// What every request shares: the compiled knowledge bases, each with its search index, and
/// the templates. Read-only after start-up.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    /// The knowledge bases served, the default first (see [`bases`]).
    bases: Vec<Base>,
    tera: tera::Tera,
    settings: WizardSettings,
    pages: cache::PageCache,
    limits: Limits,
    /// Where the CPU work of requests with a body runs.
    upload_pool: Pool,
    /// Where the CPU work of pages runs.
    page_pool: Pool,
    /// The home page, rendered once: it depends on the knowledge bases alone.
    home: OnceLock<Bytes>,
    /// The guide renderer's templates (the tailored guide of a session).
    guides: triage_renderers::guide::Templates,
    /// Where "Did this fix it?" answers go (`--record DIR`); `None`: the form is not shown.
    recorder: Option<triage_learn::writer::Recorder>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.inner.bases.iter().map(|b| b.name.as_str()).collect();
        f.debug_struct("App")
            .field("knowledge_bases", &names)
            .field("limits", &self.inner.limits)
            .finish_non_exhaustive()
    }
}

/// Why an application could not be made.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The templates do not compile (a bug in this crate, caught by its tests).
    #[error("the web templates do not compile: {0}")]
    Templates(String),
    #[error("there is no knowledge base to serve")]
    NoKnowledgeBase,
    #[error("two knowledge bases are named `{0}`")]
    DuplicateName(String),
    #[error("`{0}` cannot name a knowledge base in an address: use letters, digits, `_` and `-`")]
    BadName(String),
    /// Recording asks for every knowledge base's version ([`Served::versioned`]).
    #[error("the knowledge base `{0}` has no version for its outcome records")]
    Unversioned(String),
}

/// Which pool a request's work runs on.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Work {
    /// A request body: a fact file or a paste, up to [`MAX_BODY_BYTES`].
    Upload,
    /// A page computed from its address.
    Page,
}

/// The name [`App::new`] gives its one knowledge base (it never shows in an address).
pub const DEFAULT_NAME: &str = "default";

impl App {
    /// The application for a compiled knowledge base, with the default [`Limits`].
    pub fn new(engine: Engine) -> Result<App, AppError> {
        App::with_limits(engine, Limits::default())
    }

    /// The application with a page cache of `bytes` (0: none), other limits the default.
    pub fn with_cache(engine: Engine, bytes: usize) -> Result<App, AppError> {
        App::with_limits(engine, Limits { cache_bytes: bytes, ..Limits::default() })
    }

    /// The application for one knowledge base with these limits.
    pub fn with_limits(engine: Engine, limits: Limits) -> Result<App, AppError> {
        App::multi_with_limits(vec![Served::new(DEFAULT_NAME, engine)], limits)
    }

    /// The application for several knowledge bases, the first the default (its addresses need
    /// no `kb=`), with the default [`Limits`].
    pub fn new_multi(bases: Vec<Served>) -> Result<App, AppError> {
        App::multi_with_limits(bases, Limits::default())
    }

    /// The application for several knowledge bases with these limits.
    pub fn multi_with_limits(served: Vec<Served>, limits: Limits) -> Result<App, AppError> {
        App::recording(served, limits, None)
    }

    /// The application for several knowledge bases with these limits that, given a
    /// `recorder`, offers "Did this fix it?" on each result page and appends every answer as
    /// one outcome record (`triage-outcome/1`) to the recorder's folder. Every knowledge base
    /// must then carry its version ([`Served::versioned`]).
    pub fn recording(
        served: Vec<Served>,
        limits: Limits,
        recorder: Option<triage_learn::writer::Recorder>,
    ) -> Result<App, AppError> {
        if served.is_empty() {
            return Err(AppError::NoKnowledgeBase);
        }
        let mut bases: Vec<Base> = Vec::with_capacity(served.len());
        for one in served {
            if !bases::is_address_name(&one.name) {
                return Err(AppError::BadName(one.name));
            }
            if bases.iter().any(|b| b.name == one.name) {
                return Err(AppError::DuplicateName(one.name));
            }
            if recorder.is_some() && one.version.is_none() {
                return Err(AppError::Unversioned(one.name));
            }
            let is_default = bases.is_empty();
            bases.push(Base::new(one, is_default));
        }
        let tera = view::templates().map_err(|e| AppError::Templates(view::describe_tera(&e)))?;
        let guides = triage_renderers::guide::Templates::builtin()
            .map_err(|e| AppError::Templates(e.to_string()))?;
        let app = App {
            inner: Arc::new(Inner {
                bases,
                tera,
                settings: WizardSettings::default(),
                pages: cache::PageCache::new(limits.cache_bytes),
                limits,
                upload_pool: Pool::new(limits.uploads),
                page_pool: Pool::new(limits.pages),
                home: OnceLock::new(),
                guides,
                recorder,
            }),
        };
        let home = pages::home_page(&app)
            .map_err(|_| AppError::Templates("the home page does not render".to_string()))?;
        app.inner.home.get_or_init(|| home);
        Ok(app)
    }

    /// The names of the knowledge bases served, the default first.
    #[must_use]
    pub fn knowledge_bases(&self) -> Vec<&str> {
        self.inner.bases.iter().map(|b| b.name.as_str()).collect()
    }

    /// The limits this application was made with.
    #[must_use]
    pub fn limits(&self) -> Limits {
        self.inner.limits
    }

    /// How the page cache has done so far.
    #[must_use]
    pub fn cache_stats(&self) -> cache::CacheStats {
        self.inner.pages.stats()
    }

    /// Every route, with the limits and the security headers.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/", get(pages::home))
            .route("/search", get(pages::search))
            .route("/wizard", get(pages::wizard))
            .route("/wizard/read", post(pages::read_text))
            .route("/wizard/outcome", post(outcome::record))
            .route("/wizard/facts.json", get(pages::download_facts))
            .route("/wizard/report.json", get(pages::download_report))
            .route("/wizard/guide", get(pages::guide))
            .route("/wizard/guide.md", get(pages::guide_markdown))
            .route("/wizard/plan.ps1", get(pages::plan_powershell))
            .route("/wizard/plan.sh", get(pages::plan_bash))
            .route("/wizard/plan.json", get(pages::plan_json))
            .route("/kb", get(kb::index))
            .route("/kb/symptoms/{name}", get(kb::symptom))
            .route("/kb/causes/{name}", get(kb::cause))
            .route("/kb/fixes/{name}", get(kb::fix))
            .route("/kb/facts/{name}", get(kb::fact))
            .route("/static/style.css", get(pages::stylesheet))
            .route("/api/diagnose", post(api::diagnose))
            .route("/api/search", get(api::search))
            .fallback(not_found)
            .method_not_allowed_fallback(method_not_allowed)
            .layer(middleware::from_fn_with_state(self.clone(), limits))
            .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
            .with_state(self.clone())
    }

    /// Every knowledge base served, the default first.
    pub(crate) fn bases(&self) -> &[Base] {
        &self.inner.bases
    }

    /// The knowledge base `kb=NAME` names (the default for `None`), or a 404 listing them.
    pub(crate) fn base(&self, name: Option<&str>) -> Result<&Base, WebError> {
        bases::named(&self.inner.bases, name)
    }

    /// More than one knowledge base is served: pages say which one a thing is from.
    pub(crate) fn several(&self) -> bool {
        self.inner.bases.len() > 1
    }

    /// Runs `job` on the pool for `work` and answers what it returns, or the refusal of a full
    /// pool (as JSON when `path` is under `/api/`).
    pub(crate) async fn offload<F>(&self, work: Work, path: &str, job: F) -> Response
    where
        F: FnOnce(&App) -> Response + Send + 'static,
    {
        let pool = match work {
            Work::Upload => &self.inner.upload_pool,
            Work::Page => &self.inner.page_pool,
        };
        let app = self.clone();
        match pool.run(move || job(&app)).await {
            Ok(response) => response,
            Err(e) => self.error_response(path, &e),
        }
    }

    /// An error as the client wants it: JSON under `/api/`, else an HTML page.
    pub(crate) fn error_response(&self, path: &str, error: &WebError) -> Response {
        if path.starts_with("/api/") {
            api::error_response(error)
        } else {
            pages::error_page(self, error)
        }
    }
}

async fn not_found(State(app): State<App>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    app.error_response(&path, &WebError::NotFound(path.clone()))
}

async fn method_not_allowed(State(app): State<App>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    app.error_response(&path, &WebError::MethodNotAllowed(request.method().to_string()))
}

/// The time-out, and headers that make every response safe to show: no script runs (the
/// pages have none), no framing, no MIME sniffing, no referrer leaking the answers.
async fn limits(State(app): State<App>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let timeout = app.inner.limits.request_timeout;
    let mut response = match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => app.error_response(&path, &WebError::Timeout { millis: timeout.as_millis() }),
    };
    let headers = response.headers_mut();
    // A page with its own policy (the guide, whose stylesheet is inline) keeps it.
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                 frame-ancestors 'none'; base-uri 'none'",
            ),
        );
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(HeaderName::from_static("x-frame-options"), HeaderValue::from_static("DENY"));
    response
}

/// Serves `app` on `listener` (HTTP/1.1) until `shutdown` completes, within the connection
/// limits of [`App::limits`]: at most `max_connections` open (one more waits to be accepted),
/// each closed when its headers take longer than `header_read_timeout` or when it is silent
/// for `idle_timeout` between requests.
///
/// On `shutdown` it stops accepting, lets the requests in flight finish and closes each
/// connection after its answer; a connection still open after the request timeout plus one
/// second is closed then. An error accepting a connection (too many open files) is waited
/// out, not returned: the server goes on serving the connections it has.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: &App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    server::serve(listener, app, shutdown).await
}

/// Completes on Ctrl-C (and on SIGTERM on Unix), for [`serve`].
pub async fn shutdown_signal() {
    let ctrl_c = async {
        // If the handler cannot be installed, only SIGTERM (or killing the process) stops us.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

impl IntoResponse for WebError {
    /// Without the application at hand (a rejection deep in a layer): plain text.
    fn into_response(self) -> Response {
        (self.status(), self.to_string()).into_response()
    }
}
