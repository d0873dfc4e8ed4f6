//! "Did this fix it?" in headless Chromium: `triage serve --record DIR`, the 0x904 result
//! page, the first fix marked "Did not work" and the second "Worked" by clicking their labels,
//! a cause chosen in the list, the form sent with its button; the thank-you page shows the
//! record's id and the record in DIR says what was clicked. Screenshots of the form at 390 and
//! 1366 px go to the screenshot folder as `outcome-WIDTH-light.png`.

use super::{Driver, Scheme, Server, browser_programs, screenshots, text_of, wait_for_navigation};
use std::io::BufRead as _;
use std::process::{Command, Stdio};
use triage_learn::record::{FixResult, Tool, read_records};

/// A `triage serve --record DIR` on a free loopback port.
fn recording_server(dir: &std::path::Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(["serve", "--addr", "127.0.0.1:0", "--record"])
        .arg(dir)
        .env_remove("TRIAGE_KB")
        .env_remove("TRIAGE_RECORD_DIR")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("triage serve starts");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.as_mut().expect("stdout")).read_line(&mut line).unwrap();
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .trim_end_matches('/')
        .to_string();
    Server { child, base }
}

#[test]
fn did_this_fix_it_in_headless_chromium() {
    let name = "did_this_fix_it_in_headless_chromium";
    let Some((chromium, chromedriver)) = browser_programs(name) else { return };
    let records = tempfile::tempdir().unwrap();
    let server = recording_server(records.path());
    let driver = Driver::start(&chromedriver);
    let profile = tempfile::tempdir().unwrap();
    let base = server.base.clone();
    let clicked =
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(
            async {
                let capabilities = serde_json::json!({
                    "goog:chromeOptions": {
                        "binary": chromium,
                        "args": [
                            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                            "--disable-background-networking", "--disable-component-update",
                            "--disable-sync", "--hide-scrollbars", Scheme::Light.blink_setting(),
                            format!("--user-data-dir={}", profile.path().display()),
                            "--window-size=1366,900",
                        ],
                    }
                });
                let serde_json::Value::Object(capabilities) = capabilities else { unreachable!() };
                let connector = hyper_util::client::legacy::connect::HttpConnector::new();
                let client = fantoccini::ClientBuilder::new(connector)
                    .capabilities(capabilities)
                    .connect(&driver.url)
                    .await
                    .expect("a WebDriver session");
                let outcome = tokio::spawn(click_through(client.clone(), base)).await;
                client.close().await.unwrap();
                match outcome {
                    Ok(clicked) => clicked,
                    Err(failure) => std::panic::resume_unwind(failure.into_panic()),
                }
            },
        );
    let (fixes, cause, id) = clicked;
    let mut all = Vec::new();
    for entry in std::fs::read_dir(records.path()).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let (read, errors) = read_records("records", &text);
        assert!(errors.is_empty(), "{errors:?}");
        all.extend(read);
    }
    assert_eq!(all.len(), 1, "one click, one record");
    let record = &all[0];
    assert_eq!(record.id, id);
    assert_eq!(record.tool, Tool::Serve);
    assert_eq!(record.fixes[0].fix, fixes[0]);
    assert_eq!(record.fixes[0].result, FixResult::DidNotWork);
    assert_eq!(record.fixes[1].fix, fixes[1]);
    assert_eq!(record.fixes[1].result, FixResult::Worked);
    assert!(record.fixes[2..].iter().all(|f| f.result == FixResult::NotTried));
    assert_eq!(record.confirmed_cause.as_deref(), Some(cause.as_str()));
}

/// Clicks through the form: the fixes as the page lists them, the cause chosen, the record id
/// the thank-you page shows.
async fn click_through(client: fantoccini::Client, base: String) -> (Vec<String>, String, String) {
    use fantoccini::Locator::Css;
    client.goto(&format!("{base}/wizard?symptom=rdp_0x904_0x7&end=1")).await.unwrap();
    assert_eq!(text_of(&client, "#outcome-heading").await, "Did this fix it?");
    screenshots(&client, "outcome", Scheme::Light).await;
    let mut fixes = Vec::new();
    for link in client.find_all(Css("ol.repair li.fix h3 a")).await.unwrap() {
        let href = link.attr("href").await.unwrap().unwrap_or_default();
        fixes.push(href.trim_start_matches("/kb/fixes/").to_string());
    }
    assert!(fixes.len() >= 2, "{fixes:?}");
    // A person clicks the words, not the little circles.
    client.find(Css("label[for='fix-1-did_not_work']")).await.unwrap().click().await.unwrap();
    client.find(Css("label[for='fix-2-worked']")).await.unwrap().click().await.unwrap();
    let first = client.find(Css("#fix-1-did_not_work")).await.unwrap();
    assert!(first.prop("checked").await.unwrap().is_some_and(|c| c == "true"));
    let options = client.find_all(Css("select#confirmed-cause option")).await.unwrap();
    let cause = options[2].attr("value").await.unwrap().unwrap_or_default();
    assert!(!cause.is_empty());
    client
        .find(Css("select#confirmed-cause"))
        .await
        .unwrap()
        .select_by_value(&cause)
        .await
        .unwrap();
    let before = client.current_url().await.unwrap().to_string();
    client.find(Css("section.outcome button.primary")).await.unwrap().click().await.unwrap();
    wait_for_navigation(&client, &before).await;
    assert_eq!(text_of(&client, "main h1").await, "Thank you: the outcome is recorded");
    let id = text_of(&client, "#record-id").await;
    let listed = text_of(&client, "ul.recorded-fixes").await;
    assert!(listed.contains("Did not work") && listed.contains("Worked"), "{listed}");
    (fixes, cause, id)
}
