//! `triage_web::serve` on real loopback sockets: what the server does with connections and
//! with more work than it has threads for. Each test starts its own server on 127.0.0.1:0 with
//! the limit it is about made small, and speaks HTTP/1.1 by hand, so that it can stop halfway
//! through a request as a hostile client does.

// Helpers outside #[test] functions unwrap too: a panic there is a test failure.

use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::time::timeout;
use triage_engine::Engine;
use triage_web::pool::PoolLimits;
use triage_web::{App, Limits};

fn engine() -> Engine {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../knowledge/rdp");
    let kb = triage_rules::load_paths(&[path]);
    Engine::new(kb.model.expect("the shipped knowledge base checks clean"))
}

/// Longer than any of these tests should wait for the server to do what it must.
const PATIENCE: Duration = Duration::from_secs(10);

const MINUTE: Duration = Duration::from_secs(60);

/// A server on a loopback port, stopped when `stop` is sent or dropped.
struct Server {
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    serving: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(limits: Limits) -> Server {
        let app = App::with_limits(engine(), limits).expect("templates compile");
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("a port");
        let addr = listener.local_addr().expect("an address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = tokio::spawn(async move {
            triage_web::serve(listener, &app, async {
                let _ = stopped.await;
            })
            .await
        });
        Server { addr, stop, serving }
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.addr).await.expect("the server accepts connections")
    }
}

/// One answer read off a socket.
struct Answer {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim().to_string())
        })
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Reads one whole answer (its head and a `Content-Length` body).
async fn read_answer(stream: &mut TcpStream) -> std::io::Result<Answer> {
    let mut data = Vec::new();
    let mut buffer = vec![0_u8; 16 * 1024];
    let eof = || std::io::Error::from(std::io::ErrorKind::UnexpectedEof);
    let end = loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let n = stream.read(&mut buffer).await?;
        if n == 0 {
            return Err(eof());
        }
        data.extend_from_slice(&buffer[..n]);
    };
    let head = String::from_utf8_lossy(&data[..end]).into_owned();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line");
    let mut answer = Answer { status, head, body: Vec::new() };
    let length: usize = answer.header("content-length").map_or(0, |v| v.parse().unwrap());
    let total = end + 4 + length;
    while data.len() < total {
        let n = stream.read(&mut buffer).await?;
        if n == 0 {
            return Err(eof());
        }
        data.extend_from_slice(&buffer[..n]);
    }
    answer.body = data[end + 4..total].to_vec();
    Ok(answer)
}

/// Sends `request` (head and body as they go on the wire) and reads its answer.
async fn exchange(stream: &mut TcpStream, request: &[u8]) -> std::io::Result<Answer> {
    stream.write_all(request).await?;
    read_answer(stream).await
}

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").into_bytes()
}

fn post(path: &str, content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Whether the server closes `stream` within `within` (whatever it writes first).
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buffer = [0_u8; 4096];
    timeout(within, async {
        while let Ok(n) = stream.read(&mut buffer).await {
            if n == 0 {
                break;
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_never_finishes_its_headers_is_closed_at_the_header_timeout() {
    let limits = Limits {
        header_read_timeout: Duration::from_millis(300),
        idle_timeout: MINUTE,
        ..Limits::default()
    };
    let server = Server::start(limits).await;
    let mut stream = server.connect().await;
    let (mut reader, mut writer) = stream.split();
    writer.write_all(b"GET / HTTP/1.1\r\nHost: test\r\n").await.unwrap();
    // One more header line now and then, never the blank line that ends them: the connection
    // is never silent, so it is the header timeout that must close it.
    let closed = timeout(PATIENCE, async {
        let mut buffer = [0_u8; 4096];
        loop {
            tokio::select! {
                read = reader.read(&mut buffer) => match read {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                },
                () = tokio::time::sleep(Duration::from_millis(50)) => {
                    let _ = writer.write_all(b"X-Slow: 1\r\n").await;
                }
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the half-sent request was still open after {PATIENCE:?}");
    // The server goes on serving whoever sends a whole request.
    let mut fresh = server.connect().await;
    assert_eq!(exchange(&mut fresh, &get("/")).await.unwrap().status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let limits = Limits {
        idle_timeout: Duration::from_millis(500),
        header_read_timeout: MINUTE,
        ..Limits::default()
    };
    let server = Server::start(limits).await;
    let mut stream = server.connect().await;
    // In use for longer than the idle timeout, with short pauses: kept open throughout.
    for _ in 0..12 {
        let answer = exchange(&mut stream, &get("/static/style.css")).await.unwrap();
        assert_eq!(answer.status, 200);
        assert_ne!(answer.header("connection").as_deref(), Some("close"));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Then silent: closed.
    assert!(
        closed_within(&mut stream, PATIENCE).await,
        "an idle keep-alive connection was still open after {PATIENCE:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    let limits = Limits {
        max_connections: 2,
        idle_timeout: MINUTE,
        header_read_timeout: MINUTE,
        ..Limits::default()
    };
    let server = Server::start(limits).await;
    let mut first = server.connect().await;
    let mut second = server.connect().await;
    assert_eq!(exchange(&mut first, &get("/")).await.unwrap().status, 200);
    assert_eq!(exchange(&mut second, &get("/")).await.unwrap().status, 200);
    // Both stay open (keep-alive): a third connection is not served meanwhile.
    let mut third = server.connect().await;
    third.write_all(&get("/")).await.unwrap();
    let waited = timeout(Duration::from_millis(500), read_answer(&mut third)).await;
    assert!(waited.is_err(), "a connection beyond the cap was served");
    // One closes: the third is served.
    drop(first);
    let answer = timeout(PATIENCE, read_answer(&mut third)).await.expect("served").unwrap();
    assert_eq!(answer.status, 200);
    assert!(answer.text().contains("<form"), "the home page");
    assert_eq!(exchange(&mut second, &get("/static/style.css")).await.unwrap().status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_over_its_limit_is_refused_without_reading_on() {
    let server = Server::start(Limits::default()).await;
    let mut stream = server.connect().await;
    // Within hyper's own default (about 400 KB), over ours: what a held connection may cost.
    let filler = "x".repeat(2 * triage_web::MAX_HEADER_BYTES);
    let request = format!("GET / HTTP/1.1\r\nHost: test\r\nX-Filler: {filler}\r\n\r\n");
    let answer = exchange(&mut stream, request.as_bytes()).await.unwrap();
    assert_eq!(answer.status, 431);
    assert!(closed_within(&mut stream, PATIENCE).await, "closed after the refusal");
    // Just under the limit is read.
    let mut fresh = server.connect().await;
    let filler = "x".repeat(triage_web::MAX_HEADER_BYTES - 1024);
    let request = format!("GET / HTTP/1.1\r\nHost: test\r\nX-Filler: {filler}\r\n\r\n");
    assert_eq!(exchange(&mut fresh, request.as_bytes()).await.unwrap().status, 200);
}

const DIALOG: &str = include_str!("../../../knowledge/rdp/examples/0x904-dialog.txt");

/// The paste box's body at its largest: a long log with the dialog at its end. Reading it is
/// the slowest work a request can ask for.
fn longest_paste() -> String {
    let line = "2025-01-07 10:22:31 mstsc.exe[4410] trace: channel negotiation step ok\n";
    let encode = |text: &str| {
        form_urlencoded::Serializer::new(String::new()).append_pair("text", text).finish()
    };
    let per_line = encode(line).len() - "text=".len();
    let mut log = line.repeat((triage_web::MAX_BODY_BYTES - 1024) / per_line);
    log.push_str(DIALOG);
    let body = encode(&log);
    assert!(body.len() <= triage_web::MAX_BODY_BYTES);
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_upload_pool_answers_503_with_retry_after_and_the_pages_still_answer() {
    let limits = Limits { uploads: PoolLimits { workers: 1, queue: 1 }, ..Limits::default() };
    let server = Server::start(limits).await;
    let paste = post("/wizard/read", "application/x-www-form-urlencoded", &longest_paste());
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Four clients paste the longest log over and over: one paste read, one waiting, the
    // others refused.
    let pasters: Vec<_> = (0..4)
        .map(|_| {
            let (paste, stop, addr) = (paste.clone(), stop.clone(), server.addr);
            tokio::spawn(async move {
                let mut answers = Vec::new();
                let mut stream = TcpStream::connect(addr).await.unwrap();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let answer = exchange(&mut stream, &paste).await.unwrap();
                    if answer.header("connection").as_deref() == Some("close") {
                        stream = TcpStream::connect(addr).await.unwrap();
                    }
                    answers.push(answer);
                }
                answers
            })
        })
        .collect();
    let facts = include_str!("../../../knowledge/rdp/examples/0x904.json");
    let mut api = server.connect().await;
    let mut pages = server.connect().await;
    let diagnose = post("/api/diagnose", "application/json", facts);
    let mut refused = None;
    let started = std::time::Instant::now();
    while started.elapsed() < 2 * PATIENCE {
        let answer = exchange(&mut api, &diagnose).await.unwrap();
        if answer.status == 503 {
            // While refusing, the pages answer: the home page, and a wizard page (the page
            // pool is not the upload pool).
            let home = exchange(&mut pages, &get("/")).await.unwrap();
            let wizard = exchange(&mut pages, &get("/wizard?symptom=rdp_0x904_0x7")).await;
            refused = Some((answer, home, wizard.unwrap()));
            break;
        }
        assert_eq!(answer.status, 200, "{}", answer.text());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (answer, home, wizard) = refused.expect("the API never answered 503 with the pool full");
    assert_eq!(answer.header("retry-after").as_deref(), Some("1"));
    assert_eq!(answer.header("content-type").as_deref(), Some("application/json"));
    let json: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(json["error"], "the server is busy: try again in 1 s");
    assert_eq!(home.status, 200);
    assert!(home.text().contains("<form"), "the home page");
    assert_eq!(wizard.status, 200, "{}", wizard.text());
    let mut statuses = std::collections::BTreeSet::new();
    for paster in pasters {
        for answer in paster.await.unwrap() {
            statuses.insert(answer.status);
            if answer.status == 503 {
                assert_eq!(answer.header("retry-after").as_deref(), Some("1"));
                let html = answer.header("content-type").unwrap();
                assert!(html.starts_with("text/html"), "{html}");
                assert!(answer.text().contains("the server is busy"), "{}", answer.text());
            }
        }
    }
    assert!(statuses.is_subset(&[303, 503].into()), "{statuses:?}");
    assert!(statuses.contains(&303), "the pastes admitted are read: {statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_the_request_in_flight_and_does_not_wait_for_a_stalled_client() {
    let limits = Limits {
        request_timeout: Duration::from_secs(1),
        header_read_timeout: MINUTE,
        idle_timeout: MINUTE,
        ..Limits::default()
    };
    let server = Server::start(limits).await;
    // A client that stalls halfway through its headers, and one halfway through its body.
    let mut stalled = server.connect().await;
    stalled.write_all(b"GET / HTTP/1.1\r\nHost: test\r\n").await.unwrap();
    let body = include_str!("../../../knowledge/rdp/examples/0x904.json");
    let request = post("/api/diagnose", "application/json", body);
    let (first, rest) = request.split_at(request.len() - 20);
    let mut in_flight = server.connect().await;
    in_flight.write_all(first).await.unwrap();
    // Both are accepted and the second is in hand (the third connection's answer says so).
    let mut probe = server.connect().await;
    assert_eq!(exchange(&mut probe, &get("/")).await.unwrap().status, 200);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let Server { addr, stop, serving } = server;
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let answer = exchange(&mut in_flight, rest).await.unwrap();
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert!(closed_within(&mut in_flight, PATIENCE).await, "closed after its answer");
    let stopped = timeout(PATIENCE, serving).await.expect("serve returned within its grace");
    stopped.unwrap().unwrap();
    assert!(closed_within(&mut stalled, PATIENCE).await, "the stalled client was let go");
    assert!(TcpStream::connect(addr).await.is_err(), "no new connection after the stop");
}
