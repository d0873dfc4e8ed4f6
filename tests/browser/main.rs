//! `triage serve` end to end: the real binary on a loopback socket.
//!
//! - The JSON API gives the bytes `triage diagnose --format json` prints for the same file.
//! - Ctrl-C (SIGINT) and SIGTERM stop the server cleanly (exit 0).
//! - A whole wizard session in headless Chromium driven over `WebDriver` (fantoccini +
//!   chromedriver): search "0x904", answer every question with the keyboard or the mouse, end
//!   on the guide. Opt-in: without `chromium` and `chromedriver` on the PATH (Debian:
//!   `apt-get install chromium chromium-driver`) it prints a notice and passes. With
//!   `TRIAGE_SCREENSHOTS=DIR` it saves each page at desktop and phone width as
//!   `DIR/serve-PAGE-WIDTH.png`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `triage serve` process on a free loopback port, stopped when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_triage"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .env_remove("TRIAGE_KB")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("triage serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().expect("stdout")).read_line(&mut line).unwrap();
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .trim_end_matches('/')
            .to_string();
        Server { child, base }
    }

    fn addr(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }

    /// Sends a signal and waits (at most 10 s) for the exit status.
    fn stop_with(mut self, signal: &str) -> (std::process::ExitStatus, String) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args([signal, &pid]).status().unwrap().success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut rest = String::new();
                self.child.stdout.take().unwrap().read_to_string(&mut rest).unwrap();
                return (status, rest);
            }
            assert!(Instant::now() < deadline, "the server did not stop on {signal}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request over a plain socket: (status, body).
fn http(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("a complete response");
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, body.to_string())
}

#[test]
fn the_api_gives_the_json_of_triage_diagnose() {
    let facts = r#"{"error_code": "0x904", "extended_error_code": 7, "target_platform": "azure_vm", "tls12_server_enabled": false}"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("facts.json");
    std::fs::write(&path, facts).unwrap();
    let cli = Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(["diagnose", "--format", "json"])
        .arg(&path)
        .env_remove("TRIAGE_KB")
        .output()
        .unwrap();
    assert!(cli.status.success());
    let server = Server::start();
    let (status, body) = http(&server.addr(), "POST", "/api/diagnose", facts);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, String::from_utf8(cli.stdout).unwrap());
    let (status, body) = http(&server.addr(), "POST", "/api/diagnose", r#"{"error_code": "x"}"#);
    assert_eq!(status, 422, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["problems"][0]["key"], "error_code");
}

#[test]
fn ctrl_c_and_sigterm_stop_the_server_cleanly() {
    for signal in ["-INT", "-TERM"] {
        let server = Server::start();
        assert_eq!(http(&server.addr(), "GET", "/", "").0, 200);
        let (status, rest) = server.stop_with(signal);
        assert!(status.success(), "{signal}: {status:?}");
        assert!(rest.contains("stopped"), "{rest}");
    }
}

fn on_path(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|p| p.is_file())
}

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start(program: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(program)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen");
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver { child, url: format!("http://127.0.0.1:{port}") }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (390, 844);

/// Saves the page at desktop and phone width when `TRIAGE_SCREENSHOTS` names a folder.
async fn screenshots(client: &fantoccini::Client, page: &str) {
    let Some(dir) = std::env::var_os("TRIAGE_SCREENSHOTS") else { return };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, (width, height)) in [("desktop", DESKTOP), ("phone", PHONE)] {
        client.set_window_size(width, height).await.unwrap();
        let png = client.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("serve-{page}-{name}.png")), png).unwrap();
    }
    client.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
}

/// Waits (at most 10 s) until the browser has left `before` and the new page has its heading.
async fn wait_for_navigation(client: &fantoccini::Client, before: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.current_url().await.unwrap().as_str() == before {
        assert!(Instant::now() < deadline, "the form did not submit");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    client.wait().for_element(fantoccini::Locator::Css("main h1")).await.unwrap();
}

async fn text_of(client: &fantoccini::Client, css: &str) -> String {
    client.find(fantoccini::Locator::Css(css)).await.unwrap().text().await.unwrap()
}

#[test]
fn a_wizard_session_in_headless_chromium() {
    let (Some(chromium), Some(chromedriver)) = (on_path("chromium"), on_path("chromedriver"))
    else {
        eprintln!(
            "notice: skipping the browser test: chromium and chromedriver are not installed \
             (apt-get install chromium chromium-driver)"
        );
        return;
    };
    let server = Server::start();
    let driver = Driver::start(&chromedriver);
    let profile = tempfile::tempdir().unwrap();
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--hide-scrollbars",
                    format!("--user-data-dir={}", profile.path().display()),
                    format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
                ],
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = fantoccini::ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&driver.url)
            .await
            .expect("a WebDriver session");
        // A failed check must still close the browser: run the session as a task, whose
        // panic comes back as an error, close, then fail.
        let (browser, base) = (client.clone(), server.base.clone());
        let outcome = tokio::spawn(async move { session(&browser, &base).await }).await;
        client.close().await.unwrap();
        if let Err(failure) = outcome {
            std::panic::resume_unwind(failure.into_panic());
        }
    });
}

async fn session(client: &fantoccini::Client, base: &str) {
    use fantoccini::Locator::Css;
    use fantoccini::key::Key;
    client.goto(&format!("{base}/")).await.unwrap();
    assert_eq!(text_of(client, "h1").await, "What error do you see?");
    screenshots(client, "search").await;
    // The keyboard alone: type the code in the search box and press Enter.
    let search = client.find(Css("input#q")).await.unwrap();
    search.send_keys("0x904").await.unwrap();
    search.send_keys(&String::from(char::from(Key::Enter))).await.unwrap();
    client.wait().for_element(Css("ol.hits")).await.unwrap();
    let first_hit = client.find(Css("li.hit a.start")).await.unwrap();
    assert!(first_hit.text().await.unwrap().contains("0x904"));
    assert!(text_of(client, "li.hit .why").await.contains("code 0x904"));
    screenshots(client, "results").await;
    first_hit.click().await.unwrap();
    let enter = String::from(char::from(Key::Enter));
    let mut questions = Vec::new();
    loop {
        client.wait().for_element(Css("main h1")).await.unwrap();
        if client.find_all(Css("form.question")).await.unwrap().is_empty() {
            break;
        }
        let title = text_of(client, "main h1").await;
        assert!(!title.is_empty());
        let ranking = text_of(client, "aside.ranking").await;
        assert!(ranking.contains('%'), "{ranking}");
        if questions.is_empty() {
            screenshots(client, "question").await;
        }
        questions.push(title);
        assert!(questions.len() < 60, "the wizard never stops: {questions:?}");
        let before = client.current_url().await.unwrap().to_string();
        let radios = client.find_all(Css("form.question input[name=a]")).await.unwrap();
        if questions.len() == 1 {
            // The first answer with the keyboard alone: Space ticks the focused choice (or the
            // answer is typed), Enter submits the form.
            let control = client.find(Css("form.question input[name=a]")).await.unwrap();
            let kind = control.attr("type").await.unwrap().unwrap_or_default();
            control.send_keys(if kind == "text" { "0x7" } else { " " }).await.unwrap();
            control.send_keys(&enter).await.unwrap();
        } else if radios.len() > 1 {
            client.find(Css("form.question .option label")).await.unwrap().click().await.unwrap();
            client.find(Css("form.question button.primary")).await.unwrap().click().await.unwrap();
        } else {
            let input = client.find(Css("input#answer")).await.unwrap();
            input.send_keys("0x7").await.unwrap();
            client.find(Css("form.question button.primary")).await.unwrap().click().await.unwrap();
        }
        // The next page is another question (the count moved on) or the result.
        wait_for_navigation(client, &before).await;
        let crumbs = text_of(client, ".crumbs").await;
        assert!(
            crumbs.ends_with(&format!("question {}", questions.len() + 1))
                || crumbs.ends_with("result"),
            "{crumbs}"
        );
    }
    assert!(!questions.is_empty());
    let h1 = text_of(client, "main h1").await;
    assert!(h1.starts_with("Most likely: ") || h1 == "No known cause fits", "{h1}");
    assert!(text_of(client, "#stop-reason").await.starts_with("Stopped asking — "));
    let fixes = client.find_all(Css("ol.repair li.fix")).await.unwrap();
    assert!(!fixes.is_empty(), "the guide lists the fixes in order");
    let downloads = client.find_all(Css("ul.downloads a[download]")).await.unwrap();
    assert!(downloads.len() >= 2);
    let answers = client.find_all(Css("dl.answers dt")).await.unwrap();
    assert_eq!(answers.len(), questions.len());
    screenshots(client, "result").await;
    // The guide renderer's guide for these answers, on its own page.
    let result_url = client.current_url().await.unwrap();
    client.find(Css("a[href^='/wizard/guide?']")).await.unwrap().click().await.unwrap();
    client.wait().for_element(Css("h1")).await.unwrap();
    assert!(text_of(client, "h1").await.contains("0x904"));
    screenshots(client, "guide").await;
    client.goto(result_url.as_str()).await.unwrap();
    // Back leaves the result for the last question; the knowledge base is one link away.
    client.find(Css(".ranking li.cause a")).await.unwrap().click().await.unwrap();
    client.wait().for_element(Css("main h1")).await.unwrap();
    assert!(client.current_url().await.unwrap().path().starts_with("/kb/causes/"));
    assert!(!client.find_all(Css("main a[href^='/kb/fixes/']")).await.unwrap().is_empty());
    screenshots(client, "kb-cause").await;
    client.goto(&format!("{base}/kb")).await.unwrap();
    screenshots(client, "kb").await;
}
