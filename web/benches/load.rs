//! Load test of `triage serve`: many concurrent wizard sessions against a real loopback socket.
//!
//! ```sh
//! cargo bench -p triage-web --bench load                    # 1,000 sessions, 1 s pauses
//! cargo bench -p triage-web --bench load -- --think 0       # no pause: a request loop
//! cargo bench -p triage-web --bench load -- --sessions 200 --questions 4
//! cargo bench -p triage-web --bench load -- --cache-mb 0   # without the page cache
//! ```
//!
//! Each session opens its own keep-alive connection and does what a person does: searches
//! "0x904", opens the first hit, answers up to `--questions` questions (each answer drawn at
//! random per session, so the sessions take different paths), then opens the result page. Between two
//! pages a session pauses as a person reading the page would: `--think MS` on average (from
//! half to one and a half times it, drawn per page; default 1000 ms; 0 sends the next request
//! at once, which makes every session a request loop). Every response
//! is checked (status, and the page it should be); anything else counts as an error. The run
//! is bounded: a fixed number of sessions, at most 2 × `--questions` + 2 requests each, and a 120 s
//! deadline. Only 127.0.0.1 is ever contacted: the server runs in this process.

// A benchmark: a panic is a failed run. The casts are of counts and durations for display.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use axum::body::Bytes;
use http_body_util::{BodyExt as _, Empty};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// The whole run stops by then, finished or not.
const DEADLINE_SECONDS: u64 = 120;

struct Options {
    sessions: usize,
    questions: usize,
    think_ms: u64,
    cache_mb: usize,
}

fn options() -> Options {
    let mut options = Options { sessions: 1000, questions: 5, think_ms: 1000, cache_mb: 32 };
    let args: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < args.len() {
        let value = args.get(i + 1).and_then(|v| v.parse().ok());
        match (args[i].as_str(), value) {
            ("--sessions", Some(n)) => options.sessions = n,
            ("--questions", Some(n)) => options.questions = n,
            ("--think", Some(n)) => options.think_ms = n as u64,
            ("--cache-mb", Some(n)) => options.cache_mb = n,
            _ => {
                // `cargo bench` passes `--bench`; anything unknown is ignored.
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    options
}

/// What one session saw.
#[derive(Default)]
struct Outcome {
    latencies: Vec<Duration>,
    errors: Vec<String>,
    finished: bool,
}

struct Client {
    sender: http1::SendRequest<Empty<Bytes>>,
    host: String,
    think_ms: u64,
    /// The state of the pause generator (a per-session LCG: reproducible runs).
    seed: u64,
}

struct Reply {
    status: u16,
    location: Option<String>,
    body: String,
}

impl Client {
    async fn connect(
        addr: std::net::SocketAddr,
        id: usize,
        think_ms: u64,
    ) -> Result<Client, String> {
        let stream = TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let (sender, connection) =
            http1::handshake(TokioIo::new(stream)).await.map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(connection);
        Ok(Client { sender, host: addr.to_string(), think_ms, seed: id as u64 + 1 })
    }

    /// A pseudo-random number (a per-session LCG: runs are reproducible).
    fn random(&mut self) -> u64 {
        self.seed = self
            .seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.seed >> 33
    }

    /// A person's pause before the next page: uniform in [think/2, 3·think/2].
    async fn think(&mut self) {
        if self.think_ms == 0 {
            return;
        }
        let spread = self.random() % (self.think_ms + 1);
        tokio::time::sleep(Duration::from_millis(self.think_ms / 2 + spread)).await;
    }

    async fn get(&mut self, path: &str, outcome: &mut Outcome) -> Result<Reply, String> {
        self.think().await;
        let started = Instant::now();
        self.sender.ready().await.map_err(|e| format!("{path}: {e}"))?;
        let request = hyper::Request::get(path)
            .header(hyper::header::HOST, &self.host)
            .body(Empty::<Bytes>::new())
            .map_err(|e| e.to_string())?;
        let response =
            self.sender.send_request(request).await.map_err(|e| format!("{path}: {e}"))?;
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(hyper::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response.into_body().collect().await.map_err(|e| format!("{path}: {e}"))?;
        outcome.latencies.push(started.elapsed());
        Ok(Reply { status, location, body: String::from_utf8_lossy(&body.to_bytes()).into_owned() })
    }
}

/// The value of the first `attribute="…"` after `marker` in `html`, unescaped.
fn attribute_after(html: &str, marker: &str, attribute: &str) -> Option<String> {
    let start = html.find(marker)? + marker.len();
    let rest = &html[start..];
    let key = format!("{attribute}=\"");
    let from = rest.find(&key)? + key.len();
    let value = &rest[from..from + rest[from..].find('"')?];
    Some(
        value
            .replace("&#x2F;", "/")
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// Every `value="…"` of the answer choices (radio buttons and checkboxes).
fn choices(html: &str) -> Vec<String> {
    html.match_indices("name=\"a\" value=\"")
        .filter_map(|(at, marker)| {
            let from = at + marker.len();
            html[from..].find('"').map(|end| html[from..from + end].to_string())
        })
        .filter(|v| v != "?")
        .collect()
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn session(addr: std::net::SocketAddr, id: usize, options: &Options) -> Outcome {
    let mut outcome = Outcome::default();
    if let Err(e) = run_session(addr, id, options, &mut outcome).await {
        outcome.errors.push(e);
    }
    outcome
}

async fn run_session(
    addr: std::net::SocketAddr,
    id: usize,
    options: &Options,
    outcome: &mut Outcome,
) -> Result<(), String> {
    let mut client = Client::connect(addr, id, options.think_ms).await?;
    let search = client.get("/search?q=0x904", outcome).await?;
    if search.status != 200 {
        return Err(format!("search: {}", search.status));
    }
    let mut page =
        attribute_after(&search.body, "class=\"hit\"", "href").ok_or("search: no hit for 0x904")?;
    for _ in 0..options.questions {
        let reply = client.get(&page, outcome).await?;
        if reply.status != 200 {
            return Err(format!("{page}: {}", reply.status));
        }
        let Some(fact) = attribute_after(&reply.body, "name=\"q\"", "value") else {
            // The wizard stopped by itself: this is the result page.
            if !reply.body.contains("id=\"stop-reason\"") {
                return Err(format!("{page}: neither a question nor the result"));
            }
            outcome.finished = true;
            return Ok(());
        };
        let offered = choices(&reply.body);
        let answer = if offered.is_empty() {
            "0x7".to_string()
        } else {
            offered[client.random() as usize % offered.len()].clone()
        };
        let submit = format!("{page}&q={}&a={}", encode(&fact), encode(&answer));
        let answered = client.get(&submit, outcome).await?;
        page = match (answered.status, answered.location) {
            (303, Some(location)) => location,
            (status, _) => return Err(format!("{submit}: {status}")),
        };
    }
    let result = client.get(&format!("{page}&end=1"), outcome).await?;
    if result.status != 200 || !result.body.contains("id=\"stop-reason\"") {
        return Err(format!("{page}&end=1: {} without a result", result.status));
    }
    outcome.finished = true;
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let options = options();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../knowledge/rdp");
    let kb = triage_rules::load_paths(&[path]);
    let engine = triage_engine::Engine::new(kb.model.expect("the knowledge base checks clean"));
    let app = triage_web::App::with_cache(engine, options.cache_mb * 1024 * 1024)
        .expect("templates compile");
    let app_for_server = app.clone();
    let server_runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let listener = server_runtime
        .block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))
        .expect("a loopback port");
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = server_runtime.spawn(async move {
        triage_web::serve(listener, &app_for_server, async {
            let _ = stopped.await;
        })
        .await
    });
    // The client has its own runtime, so that the server's workers only serve.
    let client_runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    println!(
        "load: {} concurrent wizard sessions (search, up to {} answered questions, result), \
         {} ms pauses, on {addr}",
        options.sessions, options.questions, options.think_ms
    );
    let (sessions, think_ms, cache_mb) = (options.sessions, options.think_ms, options.cache_mb);
    let started = Instant::now();
    let outcomes: Vec<Outcome> = client_runtime.block_on(async {
        let gate = Arc::new(tokio::sync::Barrier::new(sessions));
        let shared = Arc::new(options);
        let tasks: Vec<_> = (0..shared.sessions)
            .map(|id| {
                let gate = gate.clone();
                let options = shared.clone();
                tokio::spawn(async move {
                    gate.wait().await;
                    session(addr, id, &options).await
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        let deadline = tokio::time::sleep(Duration::from_secs(DEADLINE_SECONDS));
        tokio::pin!(deadline);
        for task in tasks {
            tokio::select! {
                joined = task => outcomes.push(joined.unwrap_or_else(|e| Outcome {
                    errors: vec![format!("session task: {e}")],
                    ..Outcome::default()
                })),
                () = &mut deadline => {
                    outcomes.push(Outcome { errors: vec!["deadline".into()], ..Outcome::default() });
                }
            }
        }
        outcomes
    });
    let elapsed = started.elapsed();
    let _ = stop.send(());
    let _ = server_runtime.block_on(server);

    let mut latencies: Vec<Duration> =
        outcomes.iter().flat_map(|o| o.latencies.iter().copied()).collect();
    latencies.sort_unstable();
    let errors: Vec<&String> = outcomes.iter().flat_map(|o| &o.errors).collect();
    let finished = outcomes.iter().filter(|o| o.finished).count();
    let requests = latencies.len();
    println!("sessions finished  {finished} / {sessions}");
    println!("requests           {requests}");
    println!("errors             {}", errors.len());
    for error in errors.iter().take(5) {
        println!("  {error}");
    }
    println!("wall time          {:.2} s", elapsed.as_secs_f64());
    println!(
        "throughput         {:.0} requests/s (pauses {think_ms} ms)",
        requests as f64 / elapsed.as_secs_f64()
    );
    println!("                   {:.0} sessions/s", finished as f64 / elapsed.as_secs_f64());
    println!(
        "latency            p50 {}  p90 {}  p99 {}  max {}",
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 90.0)),
        ms(percentile(&latencies, 99.0)),
        ms(percentile(&latencies, 100.0))
    );
    let cache = app.cache_stats();
    println!(
        "page cache         {} hits, {} misses, {} pages, {:.1} MB (budget {} MB)",
        cache.hits,
        cache.misses,
        cache.pages,
        cache.bytes as f64 / 1e6,
        cache_mb
    );
    if !errors.is_empty() {
        std::process::exit(1);
    }
}
