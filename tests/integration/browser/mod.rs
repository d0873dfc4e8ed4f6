//! `triage serve` end to end: the real binary on a loopback socket.
//!
//! - The JSON API gives the bytes `triage diagnose --format json` prints for the same file.
//! - Ctrl-C (SIGINT) and SIGTERM stop the server cleanly (exit 0).
//! - In headless Chromium driven over `WebDriver` (fantoccini + chromedriver): a whole wizard
//!   session (search "0x904", answer every question with the keyboard or the mouse, end on the
//!   guide), and the paste box (a hostile paste and a real dialog typed in, what was read shown
//!   with its words, a fact removed), in the light and the dark colour scheme, with no page
//!   wider than a 390 px phone.
//!
//! The browser tests need `chromium` and `chromedriver` on the PATH (Debian: `apt-get install
//! chromium chromium-driver`). Without them they fail when `TRIAGE_REQUIRE_BROWSER` is set (CI
//! sets it), and otherwise pass with a notice written straight to the terminal, past the test
//! harness's capture. Screenshots of each page, at 390 and 1366 px wide, light and dark, go
//! to `target/screenshots/` (or `TRIAGE_SCREENSHOTS=DIR`) as `PAGE-WIDTH-SCHEME.png`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

// The fleet report's page, opened from disk (no server).
mod report;

// "Did this fix it?" on a recording server (`serve --record`).
mod outcome;

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

/// Chromium and chromedriver, or `None` after saying loudly that the test did not run. With
/// `TRIAGE_REQUIRE_BROWSER` set (CI), a missing browser is a failure.
fn browser_programs(test: &str) -> Option<(PathBuf, PathBuf)> {
    if let (Some(chromium), Some(chromedriver)) = (on_path("chromium"), on_path("chromedriver")) {
        return Some((chromium, chromedriver));
    }
    assert!(
        std::env::var_os("TRIAGE_REQUIRE_BROWSER").is_none(),
        "TRIAGE_REQUIRE_BROWSER is set but chromium or chromedriver is not on the PATH \
         (apt-get install chromium chromium-driver)"
    );
    // Straight to the terminal: the harness captures eprintln! of a passing test, and a test
    // that did not run must not look like one that passed.
    let _ = writeln!(
        std::io::stderr(),
        "\n*** NOT RUN: {test}: chromium and chromedriver are not installed \
         (apt-get install chromium chromium-driver); set TRIAGE_REQUIRE_BROWSER=1 to make \
         this a failure ***\n"
    );
    None
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

const DESKTOP: (u32, u32) = (1366, 900);
const PHONE: (u32, u32) = (390, 844);
/// The tallest screenshot: a long page is cut there.
const MAX_SHOT_HEIGHT: u64 = 2400;

/// The colour scheme the browser prefers (Blink's `preferredColorScheme`: 0 dark, 1 light).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Scheme {
    Light,
    Dark,
}

impl Scheme {
    fn name(self) -> &'static str {
        match self {
            Scheme::Light => "light",
            Scheme::Dark => "dark",
        }
    }

    fn blink_setting(self) -> &'static str {
        match self {
            Scheme::Light => "--blink-settings=preferredColorScheme=1",
            Scheme::Dark => "--blink-settings=preferredColorScheme=0",
        }
    }

    /// The page background the stylesheet gives this scheme, as the browser computes it.
    fn background(self) -> &'static str {
        match self {
            Scheme::Light => "rgb(255, 255, 255)",
            Scheme::Dark => "rgb(22, 24, 27)",
        }
    }
}

/// Runs `test` against a fresh `triage serve` in a fresh headless Chromium preferring
/// `scheme`; the browser is closed even when `test` fails, then the failure is raised.
fn in_chromium<F, Fut>(name: &str, scheme: Scheme, test: F)
where
    F: FnOnce(fantoccini::Client, String) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let Some((chromium, chromedriver)) = browser_programs(name) else { return };
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
                    scheme.blink_setting(),
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
        // A failed check must still close the browser: run the test as a task, whose panic
        // comes back as an error, close, then fail.
        let outcome = tokio::spawn(test(client.clone(), server.base.clone())).await;
        client.close().await.unwrap();
        if let Err(failure) = outcome {
            std::panic::resume_unwind(failure.into_panic());
        }
    });
}

fn screenshot_dir() -> PathBuf {
    std::env::var_os("TRIAGE_SCREENSHOTS").map_or_else(
        || Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().join("screenshots"),
        PathBuf::from,
    )
}

/// A number the page computes (through `WebDriver`, which the page's Content-Security-Policy
/// does not govern: the pages themselves run no script).
async fn page_number(client: &fantoccini::Client, expression: &str) -> u64 {
    let value = client.execute(&format!("return {expression};"), vec![]).await.unwrap();
    value.as_u64().unwrap_or_else(|| panic!("{expression} gave {value}"))
}

/// Saves the page at phone and desktop width as `PAGE-WIDTH-SCHEME.png`, as tall as the page
/// (up to [`MAX_SHOT_HEIGHT`]), and checks that at phone width nothing is wider than the
/// screen: the page never scrolls sideways.
async fn screenshots(client: &fantoccini::Client, page: &str, scheme: Scheme) {
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).unwrap();
    for (width, height) in [PHONE, DESKTOP] {
        client.set_window_size(width, height).await.unwrap();
        let full = page_number(client, "document.documentElement.scrollHeight").await;
        let tall = full.clamp(u64::from(height), MAX_SHOT_HEIGHT);
        client.set_window_size(width, u32::try_from(tall).unwrap()).await.unwrap();
        assert_fits(client, page).await;
        let png = client.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{page}-{width}-{}.png", scheme.name())), png).unwrap();
    }
    client.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
}

/// The page is no wider than the window; when it is, the message names the elements that
/// stick out.
async fn assert_fits(client: &fantoccini::Client, page: &str) {
    let content = page_number(client, "document.documentElement.scrollWidth").await;
    let window = page_number(client, "document.documentElement.clientWidth").await;
    if content <= window {
        return;
    }
    let culprits = client
        .execute(
            "const w = document.documentElement.clientWidth;
             return [...document.querySelectorAll('body *')]
               .filter(e => e.getBoundingClientRect().right > w + 0.5)
               .slice(-5)
               .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' '
                 + Math.round(e.getBoundingClientRect().right) + 'px: '
                 + (e.textContent || '').trim().slice(0, 60));",
            vec![],
        )
        .await
        .unwrap();
    panic!("{page}: {content} px of content in a {window} px window; sticking out: {culprits:#}");
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
    in_chromium(
        "a_wizard_session_in_headless_chromium",
        Scheme::Light,
        |client, base| async move {
            session(&client, &base).await;
        },
    );
}

async fn session(client: &fantoccini::Client, base: &str) {
    use fantoccini::Locator::Css;
    use fantoccini::key::Key;
    let scheme = Scheme::Light;
    client.goto(&format!("{base}/")).await.unwrap();
    assert_eq!(text_of(client, "h1").await, "What error do you see?");
    screenshots(client, "search", scheme).await;
    // The keyboard alone: type the code in the search box and press Enter.
    let search = client.find(Css("input#q")).await.unwrap();
    search.send_keys("0x904").await.unwrap();
    search.send_keys(&String::from(char::from(Key::Enter))).await.unwrap();
    client.wait().for_element(Css("ol.hits")).await.unwrap();
    let first_hit = client.find(Css("li.hit a.start")).await.unwrap();
    assert!(first_hit.text().await.unwrap().contains("0x904"));
    assert!(text_of(client, "li.hit .why").await.contains("code 0x904"));
    screenshots(client, "results", scheme).await;
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
            screenshots(client, "question", scheme).await;
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
    screenshots(client, "result", scheme).await;
    // The guide renderer's guide for these answers, on its own page.
    let result_url = client.current_url().await.unwrap();
    client.find(Css("a[href^='/wizard/guide?']")).await.unwrap().click().await.unwrap();
    client.wait().for_element(Css("h1")).await.unwrap();
    assert!(text_of(client, "h1").await.contains("0x904"));
    screenshots(client, "guide", scheme).await;
    client.goto(result_url.as_str()).await.unwrap();
    // Back leaves the result for the last question; the knowledge base is one link away.
    client.find(Css(".ranking li.cause a")).await.unwrap().click().await.unwrap();
    client.wait().for_element(Css("main h1")).await.unwrap();
    assert!(client.current_url().await.unwrap().path().starts_with("/kb/causes/"));
    assert!(!client.find_all(Css("main a[href^='/kb/fixes/']")).await.unwrap().is_empty());
    screenshots(client, "kb-cause", scheme).await;
    client.goto(&format!("{base}/kb")).await.unwrap();
    screenshots(client, "kb", scheme).await;
}

/// The paste the issue names: markup around an error code.
const HOSTILE_PASTE: &str =
    r#"<script>alert(1)</script> error code: 0x904 "><img src=x onerror=alert(1)>"#;

/// The facts under "Read from your text:": (fact, value, quotes).
async fn read_facts(client: &fantoccini::Client) -> Vec<(String, String, Vec<String>)> {
    use fantoccini::Locator::Css;
    let mut out = Vec::new();
    for item in client.find_all(Css("section.read li.read-fact")).await.unwrap() {
        let link = item.find(Css(".fact a")).await.unwrap();
        let href = link.attr("href").await.unwrap().unwrap_or_default();
        let value = item.find(Css(".value")).await.unwrap().text().await.unwrap();
        let mut quotes = Vec::new();
        for quote in item.find_all(Css(".from q")).await.unwrap() {
            quotes.push(quote.text().await.unwrap());
        }
        out.push((href.trim_start_matches("/kb/facts/").to_string(), value, quotes));
    }
    out
}

/// Types `text` into the page's paste box and submits it with the mouse.
async fn paste(client: &fantoccini::Client, text: &str) {
    use fantoccini::Locator::Css;
    let before = client.current_url().await.unwrap().to_string();
    let label = text_of(client, "label[for=paste-text]").await;
    assert_eq!(label, "Paste the error dialog, a log excerpt or the ticket");
    client.find(Css("textarea#paste-text")).await.unwrap().send_keys(text).await.unwrap();
    client.find(Css("form.paste button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_navigation(client, &before).await;
}

/// Nothing the paste carried became markup: no element it named, no handler, no dialog (an
/// open `alert` would also fail every later `WebDriver` command).
async fn assert_inert(client: &fantoccini::Client) {
    let injected = page_number(
        client,
        "document.querySelectorAll('script, img, svg, [onerror], [onload]').length",
    )
    .await;
    assert_eq!(injected, 0, "the paste put elements on the page");
}

#[test]
fn the_paste_box_in_headless_chromium_light() {
    in_chromium(
        "the_paste_box_in_headless_chromium_light",
        Scheme::Light,
        |client, base| async move {
            paste_session(&client, &base, Scheme::Light).await;
        },
    );
}

#[test]
fn the_paste_box_in_headless_chromium_dark() {
    in_chromium(
        "the_paste_box_in_headless_chromium_dark",
        Scheme::Dark,
        |client, base| async move {
            paste_session(&client, &base, Scheme::Dark).await;
        },
    );
}

async fn paste_session(client: &fantoccini::Client, base: &str, scheme: Scheme) {
    use fantoccini::Locator::Css;
    client.goto(&format!("{base}/")).await.unwrap();
    let background = client
        .execute("return getComputedStyle(document.documentElement).backgroundColor;", vec![]);
    assert_eq!(background.await.unwrap(), scheme.background(), "the {} scheme", scheme.name());
    screenshots(client, "home", scheme).await;
    // The hostile paste from the home page: the code is read, everything else stays text.
    paste(client, HOSTILE_PASTE).await;
    assert!(client.current_url().await.unwrap().path() == "/wizard");
    assert_inert(client).await;
    assert_eq!(text_of(client, "#read-heading").await, "Read from your text:");
    let read = read_facts(client).await;
    assert_eq!(
        read,
        [("error_code".to_string(), "0x904".to_string(), vec!["error code: 0x904".to_string()])]
    );
    assert!(text_of(client, ".crumbs").await.ends_with("question 1"));
    screenshots(client, "paste-hostile", scheme).await;
    // Remove it: the questions ask for it instead (the session starts open again).
    let before = client.current_url().await.unwrap().to_string();
    client.find(Css("li.read-fact a.remove")).await.unwrap().click().await.unwrap();
    wait_for_navigation(client, &before).await;
    assert!(client.find_all(Css("section.read")).await.unwrap().is_empty());
    assert!(!client.current_url().await.unwrap().as_str().contains("t.error_code"));
    // A paste that reads nothing comes back in the box, with the reason.
    client.goto(&format!("{base}/")).await.unwrap();
    let nothing = "<b>hello</b> it just does not work";
    paste(client, nothing).await;
    assert_inert(client).await;
    assert!(text_of(client, "form.paste [role=alert]").await.starts_with("Nothing in this text"));
    let kept = client.find(Css("textarea#paste-text")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some(nothing));
    screenshots(client, "paste-nothing", scheme).await;
    // The dialog pasted on the first step of a symptom's questions, under the symptom.
    client.goto(&format!("{base}/wizard?symptom=rdp_0x904_0x7")).await.unwrap();
    let dialog = "Remote Desktop Connection\nAn internal error has occurred.\n\
                  Error code: 0x904\nExtended error code: 0x7\n";
    paste(client, dialog).await;
    assert_inert(client).await;
    let url = client.current_url().await.unwrap();
    assert!(url.query().unwrap_or("").starts_with("symptom=rdp_0x904_0x7&t."), "{url}");
    let read = read_facts(client).await;
    let facts: Vec<&str> = read.iter().map(|(fact, _, _)| fact.as_str()).collect();
    assert_eq!(facts, ["error_message", "error_code", "extended_error_code"]);
    assert_eq!(read[0].1, "An internal error has occurred", "the message in words");
    assert_eq!(read[0].2, ["internal error has occurred"]);
    assert_eq!(read[2].1, "0x7");
    let asked = client.find(Css("form.question input[name=q]")).await.unwrap();
    let asked = asked.attr("value").await.unwrap().unwrap_or_default();
    assert!(!facts.contains(&asked.as_str()), "{asked} was read from the text");
    screenshots(client, "paste-dialog", scheme).await;
    // The result, with what was read beside the ranking.
    let before = client.current_url().await.unwrap().to_string();
    client.find(Css("a.skip-to-end")).await.unwrap().click().await.unwrap();
    wait_for_navigation(client, &before).await;
    assert_eq!(read_facts(client).await.len(), 3);
    screenshots(client, "paste-result", scheme).await;
    // Every cause page — the evidence table — fits a phone.
    client.goto(&format!("{base}/kb")).await.unwrap();
    let mut causes = Vec::new();
    for link in client.find_all(Css("main a[href^='/kb/causes/']")).await.unwrap() {
        causes.push(link.attr("href").await.unwrap().unwrap());
    }
    causes.sort();
    causes.dedup();
    assert!(causes.len() > 10, "{causes:?}");
    client.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    let mut longest = (0, String::new());
    for cause in &causes {
        client.goto(&format!("{base}{cause}")).await.unwrap();
        assert_fits(client, cause).await;
        let rows = page_number(client, "document.querySelectorAll('table.findings tr').length");
        let rows = rows.await;
        if rows > longest.0 {
            longest = (rows, cause.clone());
        }
    }
    // The one with the most findings, pictured.
    client.goto(&format!("{base}{}", longest.1)).await.unwrap();
    screenshots(client, "kb-evidence", scheme).await;
}
