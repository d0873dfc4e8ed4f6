//! triage-web: `triage serve` — the web wizard, a browsable knowledge base and a JSON API.
//!
//! The same flow as `triage ask`, as server-rendered HTML that works without JavaScript: find
//! the symptom from the error ([`SearchIndex`](triage_engine::search::SearchIndex)), answer
//! one question per page ([`triage_engine::wizard::step`]) with the live ranking beside it,
//! and end on the guide with the plan and the fact file to download. The server keeps no
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
//! with a request is a 4xx page (or JSON under `/api/`) that says what was wrong.

mod api;
pub mod cache;
pub mod error;
mod kb;
mod pages;
pub mod session;
mod view;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use error::WebError;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use triage_engine::Engine;
use triage_engine::search::SearchIndex;
use triage_engine::wizard::WizardSettings;

/// The largest request body accepted (a fact file): 256 KiB.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// The default budget of the page cache (see [`cache`]): 32 MiB.
pub const CACHE_BYTES: usize = 32 * 1024 * 1024;
/// How long one request may take, reading its body included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What every request shares: the compiled knowledge base, its search index and the
/// templates. Read-only after start-up.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    search: SearchIndex,
    tera: tera::Tera,
    settings: WizardSettings,
    pages: cache::PageCache,
    timeout: Duration,
    /// The guide renderer's templates (the tailored guide of a session).
    guides: triage_renderers::guide::Templates,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("symptoms", &self.inner.engine.model().symptoms.len())
            .finish_non_exhaustive()
    }
}

/// The templates could not be compiled (a bug in this crate, caught by its tests).
#[derive(Debug, thiserror::Error)]
#[error("the web templates do not compile: {0}")]
pub struct TemplateError(String);

impl App {
    /// The application for a compiled knowledge base, with a page cache of [`CACHE_BYTES`].
    pub fn new(engine: Engine) -> Result<App, TemplateError> {
        App::with_cache(engine, CACHE_BYTES)
    }

    /// The application with a page cache of `bytes` (0: none).
    pub fn with_cache(engine: Engine, bytes: usize) -> Result<App, TemplateError> {
        App::with_limits(engine, bytes, REQUEST_TIMEOUT)
    }

    /// The application with a page cache of `bytes` and a per-request `timeout`.
    pub fn with_limits(
        engine: Engine,
        bytes: usize,
        timeout: Duration,
    ) -> Result<App, TemplateError> {
        let search = SearchIndex::new(engine.model());
        let tera = view::templates().map_err(|e| TemplateError(view::describe_tera(&e)))?;
        let guides = triage_renderers::guide::Templates::builtin()
            .map_err(|e| TemplateError(e.to_string()))?;
        Ok(App {
            inner: Arc::new(Inner {
                engine,
                search,
                tera,
                settings: WizardSettings::default(),
                pages: cache::PageCache::new(bytes),
                timeout,
                guides,
            }),
        })
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
            .route("/wizard/facts.json", get(pages::download_facts))
            .route("/wizard/report.json", get(pages::download_report))
            .route("/wizard/guide", get(pages::guide))
            .route("/wizard/guide.md", get(pages::guide_markdown))
            .route("/wizard/plan.ps1", get(pages::plan_powershell))
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

    pub(crate) fn engine(&self) -> &Engine {
        &self.inner.engine
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
    let timeout = app.inner.timeout;
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

/// Serves `app` on `listener` until `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: &App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app.router()).with_graceful_shutdown(shutdown).await
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
