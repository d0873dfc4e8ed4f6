//! Load test of `triage serve`: many concurrent wizard sessions against a real loopback socket,
//! alone or mixed with hostile traffic.
//!
//! ```sh
//! cargo bench -p triage-web --bench load                    # 1,000 sessions, 1 s pauses
//! cargo bench -p triage-web --bench load -- --think 0       # no pause: a request loop
//! cargo bench -p triage-web --bench load -- --sessions 200 --questions 4
//! cargo bench -p triage-web --bench load -- --cache-mb 0   # without the page cache
//! # the mixed workload: pages while the API is saturated and connections are held open
//! cargo bench -p triage-web --bench load -- --sessions 300 --api-hostile 16 --slowloris 2000 \
//!     --seconds 60
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
//! deadline; `--seconds S` makes each of the `--sessions` run one session after another until
//! S seconds have passed. Only 127.0.0.1 is ever contacted: the server runs in this process.
//!
//! The mixed workload adds, for as long as the sessions run:
//!
//! - `--api-hostile N`: N clients, each on its own keep-alive connection, posting to
//!   `/api/diagnose` in a loop without pausing, in turn: a fact file with one unknown key of
//!   250,000 characters, one with 12,923 short unknown keys (as many as fit), JSON nested
//!   100,000 deep, and a valid fact file (`knowledge/rdp/examples/0x904.json`), all within the
//!   body limit. A `503` is not waited out: the client goes again after 100 ms whatever its
//!   `Retry-After` says.
//! - `--slowloris N`: N connections that send half a request header and then nothing; one the
//!   server closes is opened again at once, so N stay open or waiting the whole run.
//! - `--slowloris-rate R`: R more such connections every second, each held until the server
//!   closes it: they add up for as long as the server keeps them.
//! - a probe that asks for `GET /` every 50 ms on its own connection.
//!
//! It prints the latency of the pages (the sessions' and the probe's) and of the API apart,
//! the API's answers by status, what happened to the held connections, and the process's
//! memory (`VmRSS`, `VmHWM`) and open file descriptors before, every 5 s, at their peak and
//! after.
// A benchmark: a panic is a failed run. The casts are of counts and durations for display.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use axum::body::Bytes;
use http_body_util::{BodyExt as _, Empty, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// The whole run stops by then, finished or not.
const DEADLINE_SECONDS: u64 = 120;

struct Options {
    sessions: usize,
    questions: usize,
    think_ms: u64,
    cache_mb: usize,
    api_hostile: usize,
    slowloris: usize,
    slowloris_rate: u64,
    seconds: u64,
}

fn options() -> Options {
    let mut options = Options {
        sessions: 1000,
        questions: 5,
        think_ms: 1000,
        cache_mb: 32,
        api_hostile: 0,
        slowloris: 0,
        slowloris_rate: 0,
        seconds: 0,
    };
    let args: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < args.len() {
        let value = args.get(i + 1).and_then(|v| v.parse().ok());
        match (args[i].as_str(), value) {
            ("--sessions", Some(n)) => options.sessions = n,
            ("--questions", Some(n)) => options.questions = n,
            ("--think", Some(n)) => options.think_ms = n as u64,
            ("--cache-mb", Some(n)) => options.cache_mb = n,
            ("--api-hostile", Some(n)) => options.api_hostile = n,
            ("--slowloris", Some(n)) => options.slowloris = n,
            ("--slowloris-rate", Some(n)) => options.slowloris_rate = n as u64,
            ("--seconds", Some(n)) => options.seconds = n as u64,
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

/// What the bodies of [`hostile_bodies`] are, in their order.
const BODY_NAMES: [&str; 4] = ["250,000-char key", "12,923 keys", "nested 100,000", "valid"];

/// The bodies the hostile API clients post in turn, each well within the body limit.
fn hostile_bodies() -> Vec<Bytes> {
    let long_key = format!("{{\"{}\": 1}}", "x".repeat(250_000));
    let mut many_keys = String::from("{");
    let mut key = 0;
    while many_keys.len() < triage_web::MAX_BODY_BYTES - 64 {
        if key > 0 {
            many_keys.push(',');
        }
        write!(many_keys, "\"unknown_{key}\":{key}").unwrap();
        key += 1;
    }
    many_keys.push('}');
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    let valid = include_str!("../../knowledge/rdp/examples/0x904.json").to_string();
    let bodies = vec![long_key, many_keys, deep, valid];
    for body in &bodies {
        assert!(body.len() <= triage_web::MAX_BODY_BYTES, "{} bytes", body.len());
    }
    bodies.into_iter().map(Bytes::from).collect()
}

/// What the hostile API clients saw, all together.
#[derive(Default)]
struct ApiStats {
    /// Each answer's body (its index in [`BODY_NAMES`]), status and how long it took.
    latencies: Vec<(usize, u16, Duration)>,
    statuses: std::collections::BTreeMap<u16, usize>,
    errors: Vec<String>,
}

async fn handshake<B>(addr: std::net::SocketAddr) -> Result<http1::SendRequest<B>, String>
where
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let stream = TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let (sender, connection) =
        http1::handshake(TokioIo::new(stream)).await.map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(connection);
    Ok(sender)
}

/// Posts `bodies` in turn to `/api/diagnose` until `stop`, on one keep-alive connection (a new
/// one when the server closes it). A `503` is waited out for 100 ms only.
async fn api_client(
    addr: std::net::SocketAddr,
    id: usize,
    bodies: Arc<Vec<Bytes>>,
    stop: Arc<AtomicBool>,
    shared_stats: Arc<std::sync::Mutex<ApiStats>>,
) {
    let host = addr.to_string();
    let mut sender: Option<http1::SendRequest<Full<Bytes>>> = None;
    let mut turn = id;
    while !stop.load(Ordering::Relaxed) {
        let ready = match sender.as_mut() {
            Some(ready) => ready,
            None => match handshake(addr).await {
                Ok(fresh) => sender.insert(fresh),
                Err(e) => {
                    shared_stats.lock().unwrap().errors.push(e);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let which = turn % bodies.len();
        let body = bodies[which].clone();
        turn += 1;
        let started = Instant::now();
        let answered = async {
            ready.ready().await.map_err(|e| format!("api: {e}"))?;
            let request = hyper::Request::post("/api/diagnose")
                .header(hyper::header::HOST, &host)
                .header(hyper::header::CONTENT_TYPE, "application/json")
                .body(Full::new(body))
                .map_err(|e| e.to_string())?;
            let response = ready.send_request(request).await.map_err(|e| format!("api: {e}"))?;
            let status = response.status().as_u16();
            response.into_body().collect().await.map_err(|e| format!("api body: {e}"))?;
            Ok::<u16, String>(status)
        }
        .await;
        let busy = {
            let mut shared = shared_stats.lock().unwrap();
            match answered {
                Ok(status) => {
                    shared.latencies.push((which, status, started.elapsed()));
                    *shared.statuses.entry(status).or_default() += 1;
                    status == 503
                }
                Err(e) => {
                    shared.errors.push(e);
                    sender = None;
                    false
                }
            }
        };
        if busy {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// What happened to the connections that never finish their headers.
#[derive(Default)]
struct HeldStats {
    opened: usize,
    closed_by_server: usize,
    connect_errors: usize,
    open_for: Vec<Duration>,
}

/// Opens a connection, sends half a request header, and waits for the server to close it;
/// then again, until the task is ended.
async fn slowloris(addr: std::net::SocketAddr, stats: Arc<std::sync::Mutex<HeldStats>>) {
    loop {
        if !hold_half_a_request(addr, &stats).await {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// One connection with half a request header sent, held until the server closes it; false if
/// it could not be opened.
async fn hold_half_a_request(
    addr: std::net::SocketAddr,
    stats: &std::sync::Mutex<HeldStats>,
) -> bool {
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        stats.lock().unwrap().connect_errors += 1;
        return false;
    };
    stats.lock().unwrap().opened += 1;
    let opened = Instant::now();
    let half = format!("GET / HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: slow");
    if stream.write_all(half.as_bytes()).await.is_ok() {
        let mut buffer = [0_u8; 4096];
        // Whatever the server answers is read and dropped; an end of file is its close.
        while let Ok(n) = stream.read(&mut buffer).await {
            if n == 0 {
                break;
            }
        }
    }
    let mut shared = stats.lock().unwrap();
    shared.closed_by_server += 1;
    shared.open_for.push(opened.elapsed());
    true
}

/// `per_second` new connections a second, each holding half a request until the server closes
/// it: what adds up when the server never does.
async fn slowloris_flood(
    addr: std::net::SocketAddr,
    per_second: u64,
    stats: Arc<std::sync::Mutex<HeldStats>>,
) {
    let mut every = tokio::time::interval(Duration::from_micros(1_000_000 / per_second.max(1)));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let stats = stats.clone();
        tokio::spawn(async move { hold_half_a_request(addr, &stats).await });
    }
}

/// `GET /` every 50 ms on its own connection until `stop`: how long the cheapest page takes.
async fn probe(addr: std::net::SocketAddr, stop: Arc<AtomicBool>) -> Outcome {
    let mut outcome = Outcome::default();
    let mut client = None;
    while !stop.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if client.is_none() {
            match Client::connect(addr, 0, 0).await {
                Ok(fresh) => client = Some(fresh),
                Err(e) => {
                    outcome.errors.push(format!("probe: {e}"));
                    continue;
                }
            }
        }
        let Some(connected) = client.as_mut() else { continue };
        match connected.get("/", &mut outcome).await {
            Ok(reply) if reply.status == 200 && reply.body.contains("form") => {}
            Ok(reply) => outcome.errors.push(format!("probe: GET / answered {}", reply.status)),
            Err(e) => {
                outcome.errors.push(format!("probe: {e}"));
                client = None;
            }
        }
    }
    outcome
}

/// The process's resident memory now and at its peak (`VmRSS`, `VmHWM`), in MB, its open file
/// descriptors (the client's sockets and the server's both) and its threads; zeros where /proc
/// is not (or where no file can be opened any more).
fn memory() -> (f64, f64, usize, usize) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let fds = std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count);
    (field("VmRSS:") / 1024.0, field("VmHWM:") / 1024.0, fds, field("Threads:") as usize)
}

fn memory_line(when: &str, (rss, hwm, fds, threads): (f64, f64, usize, usize)) -> String {
    format!("{when:<18} VmRSS {rss:.0} MB  VmHWM {hwm:.0} MB  open fds {fds}  threads {threads}")
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

fn summary(name: &str, latencies: &mut [Duration]) -> String {
    latencies.sort_unstable();
    format!(
        "{name:<18} {} answers  p50 {}  p90 {}  p99 {}  max {}",
        latencies.len(),
        ms(percentile(latencies, 50.0)),
        ms(percentile(latencies, 90.0)),
        ms(percentile(latencies, 99.0)),
        ms(percentile(latencies, 100.0))
    )
}

#[allow(clippy::too_many_lines)] // one run, start to report
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
    let mixed = options.api_hostile > 0 || options.slowloris > 0 || options.slowloris_rate > 0;
    if mixed {
        println!(
            "      with {} hostile API clients, {} connections holding half a header (one \
             opened again when the server closes it), {} more a second, and a GET / probe \
             every 50 ms",
            options.api_hostile, options.slowloris, options.slowloris_rate
        );
    }
    let before = memory();
    let (sessions, think_ms, cache_mb) = (options.sessions, options.think_ms, options.cache_mb);
    let halt = Arc::new(AtomicBool::new(false));
    let api_stats = Arc::new(std::sync::Mutex::new(ApiStats::default()));
    let held_stats = Arc::new(std::sync::Mutex::new(HeldStats::default()));
    let peak = Arc::new(std::sync::Mutex::new(before));
    // Every 5 s: (time since the load began, memory).
    let timeline =
        Arc::new(std::sync::Mutex::new(Vec::<(Duration, (f64, f64, usize, usize))>::new()));
    let (outcomes, probed, elapsed, during) = client_runtime.block_on(async {
        let mut background = Vec::new();
        let bodies = Arc::new(hostile_bodies());
        for id in 0..options.api_hostile {
            let (bodies, halt, stats) = (bodies.clone(), halt.clone(), api_stats.clone());
            background.push(tokio::spawn(api_client(addr, id, bodies, halt, stats)));
        }
        for _ in 0..options.slowloris {
            background.push(tokio::spawn(slowloris(addr, held_stats.clone())));
        }
        if options.slowloris_rate > 0 {
            let flood = slowloris_flood(addr, options.slowloris_rate, held_stats.clone());
            background.push(tokio::spawn(flood));
        }
        let (sampler_peak, sampler_timeline) = (peak.clone(), timeline.clone());
        background.push(tokio::spawn(async move {
            let since = Instant::now();
            for tick in 1_u64.. {
                tokio::time::sleep(Duration::from_millis(250)).await;
                let now = memory();
                let mut peak = sampler_peak.lock().unwrap();
                *peak =
                    (peak.0.max(now.0), peak.1.max(now.1), peak.2.max(now.2), peak.3.max(now.3));
                if tick % 20 == 0 {
                    sampler_timeline.lock().unwrap().push((since.elapsed(), now));
                }
            }
        }));
        let probe = mixed.then(|| tokio::spawn(probe(addr, halt.clone())));
        if mixed {
            // Let the API fill up and the held connections open before the sessions start.
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        let started = Instant::now();
        let gate = Arc::new(tokio::sync::Barrier::new(sessions));
        let shared = Arc::new(options);
        let tasks: Vec<_> = (0..shared.sessions)
            .map(|id| {
                let gate = gate.clone();
                let options = shared.clone();
                tokio::spawn(async move {
                    gate.wait().await;
                    // One session, or one after the other until `--seconds` have passed.
                    let mut outcomes = Vec::new();
                    for round in 0.. {
                        outcomes.push(session(addr, id + round * options.sessions, &options).await);
                        if started.elapsed().as_secs() >= options.seconds {
                            break;
                        }
                    }
                    outcomes
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        let deadline = tokio::time::sleep(Duration::from_secs(DEADLINE_SECONDS));
        tokio::pin!(deadline);
        for task in tasks {
            tokio::select! {
                joined = task => outcomes.extend(joined.unwrap_or_else(|e| vec![Outcome {
                    errors: vec![format!("session task: {e}")],
                    ..Outcome::default()
                }])),
                () = &mut deadline => {
                    outcomes.push(Outcome { errors: vec!["deadline".into()], ..Outcome::default() });
                }
            }
        }
        let elapsed = started.elapsed();
        let during = memory();
        halt.store(true, Ordering::Relaxed);
        let probed = match probe {
            Some(probe) => probe.await.unwrap_or_default(),
            None => Outcome::default(),
        };
        for task in background {
            task.abort();
        }
        (outcomes, probed, elapsed, during)
    });
    // Every client connection closes with its runtime (a held one too: a server that never
    // closes them would wait for them for ever), then the server stops.
    drop(client_runtime);
    let _ = stop.send(());
    let _ = server_runtime.block_on(server);
    std::thread::sleep(Duration::from_millis(500));
    let after = memory();

    let mut latencies: Vec<Duration> =
        outcomes.iter().flat_map(|o| o.latencies.iter().copied()).collect();
    let errors: Vec<&String> = outcomes.iter().flat_map(|o| &o.errors).collect();
    let finished = outcomes.iter().filter(|o| o.finished).count();
    let requests = latencies.len();
    println!("sessions finished  {finished} / {} ({sessions} at a time)", outcomes.len());
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
    latencies.sort_unstable();
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
    let mut failed = !errors.is_empty();
    if mixed {
        let mut home = probed.latencies.clone();
        println!("{}", summary("GET / probe", &mut home));
        println!("probe errors       {}", probed.errors.len());
        for error in probed.errors.iter().take(3) {
            println!("  {error}");
        }
        failed |= !probed.errors.is_empty();
        let api = std::mem::take(&mut *api_stats.lock().unwrap());
        let mut all: Vec<Duration> = api.latencies.iter().map(|(_, _, took)| *took).collect();
        println!("{}", summary("API, all", &mut all));
        let mut answered: Vec<Duration> = api
            .latencies
            .iter()
            .filter(|(_, status, _)| *status != 503)
            .map(|(_, _, took)| *took)
            .collect();
        println!("{}", summary("API, not 503", &mut answered));
        for (which, name) in BODY_NAMES.iter().enumerate() {
            let mut of_body: Vec<Duration> = api
                .latencies
                .iter()
                .filter(|(body, status, _)| *body == which && *status != 503)
                .map(|(_, _, took)| *took)
                .collect();
            println!("{}", summary(&format!("  {name}"), &mut of_body));
        }
        let statuses: Vec<String> =
            api.statuses.iter().map(|(status, n)| format!("{status}: {n}")).collect();
        println!("API statuses       {}", statuses.join(", "));
        println!("API errors         {} (no answer: the connection failed)", api.errors.len());
        for error in api.errors.iter().take(3) {
            println!("  {error}");
        }
        let held = held_stats.lock().unwrap();
        let mut open_for = held.open_for.clone();
        open_for.sort_unstable();
        println!(
            "held connections   {} opened, {} closed by the server (open for p50 {} max {}), \
             {} still open at the end, {} connect errors",
            held.opened,
            held.closed_by_server,
            ms(percentile(&open_for, 50.0)),
            ms(percentile(&open_for, 100.0)),
            held.opened - held.closed_by_server,
            held.connect_errors
        );
    }
    println!("{}", memory_line("memory at start", before));
    println!("{}", memory_line("memory at peak", *peak.lock().unwrap()));
    for (at, sample) in timeline.lock().unwrap().iter() {
        println!("{}", memory_line(&format!("  after {:.0} s", at.as_secs_f64()), *sample));
    }
    println!("{}", memory_line("memory at the end", during));
    println!("{}", memory_line("after the stop", after));
    if failed {
        std::process::exit(1);
    }
}
