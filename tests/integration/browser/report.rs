//! The fleet report's HTML page (`triage report -o report.html`) in headless Chromium, opened
//! from disk as a user would: it works offline, its tables sort, a hostile host name stays
//! text, it fits a 390 px phone; screenshots at 390 and 1366 px, light and dark, go to the
//! screenshot folder as `report-WIDTH-SCHEME.png`.

use super::{Driver, Scheme, browser_programs, page_number, screenshots, text_of};
use std::process::Command;

const HOSTILE: &str = "<script>alert(1)</script>";

/// A report over the shipped fleet sample plus a host with a hostile name, written to `dir`.
fn write_report(dir: &std::path::Path) -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut results = std::fs::read_to_string(root.join("tests/data/fleet/results.jsonl")).unwrap();
    let batch = Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(["batch", "-"])
        .env_remove("TRIAGE_KB")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        let mut stdin = batch.stdin.as_ref().unwrap();
        writeln!(stdin, "{{\"error_code\": \"0x904\", \"host\": \"{HOSTILE}\"}}").unwrap();
    }
    let output = batch.wait_with_output().unwrap();
    results.push_str(&String::from_utf8(output.stdout).unwrap());
    let input = dir.join("results.jsonl");
    std::fs::write(&input, results).unwrap();
    let page = dir.join("report.html");
    let status = Command::new(env!("CARGO_BIN_EXE_triage"))
        .arg("report")
        .arg(&input)
        .arg("-o")
        .arg(&page)
        .env_remove("TRIAGE_KB")
        .status()
        .unwrap();
    assert!(status.success());
    page
}

fn report_in_chromium(scheme: Scheme) {
    let name = format!("the_fleet_report_in_headless_chromium_{}", scheme.name());
    let Some((chromium, chromedriver)) = browser_programs(&name) else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = write_report(dir.path());
    let driver = Driver::start(&chromedriver);
    let profile = tempfile::tempdir().unwrap();
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
        let capabilities = serde_json::json!({
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--hide-scrollbars", scheme.blink_setting(),
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
        let url = format!("file://{}", page.display());
        let outcome = tokio::spawn(check_page(client.clone(), url, scheme)).await;
        client.close().await.unwrap();
        if let Err(failure) = outcome {
            std::panic::resume_unwind(failure.into_panic());
        }
    });
}

/// The values of one column of a table, as the page holds them now.
async fn column(client: &fantoccini::Client, table: &str, column: usize) -> Vec<f64> {
    let script = format!(
        "return [...document.querySelectorAll('#{table} tbody tr')]
           .map(r => Number(r.cells[{column}].getAttribute('data-value')));"
    );
    let values = client.execute(&script, vec![]).await.unwrap();
    values.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect()
}

async fn check_page(client: fantoccini::Client, url: String, scheme: Scheme) {
    use fantoccini::Locator::Css;
    client.goto(&url).await.unwrap();
    assert_eq!(text_of(&client, "h1").await, "Fleet report");
    let background = client
        .execute("return getComputedStyle(document.documentElement).backgroundColor;", vec![])
        .await
        .unwrap();
    assert_eq!(background, scheme.background(), "the {} scheme", scheme.name());
    // The hostile host name is a list item's text; the only script is the page's own.
    assert_eq!(page_number(&client, "document.querySelectorAll('script').length").await, 1);
    let hosts = client
        .execute(
            "return [...document.querySelectorAll('ul.hosts li')].map(li => li.textContent);",
            vec![],
        )
        .await
        .unwrap();
    assert!(hosts.as_array().unwrap().iter().any(|h| h == HOSTILE), "{hosts}");
    // The charts are inline SVG: one bar per listed cause, up to 12.
    let bars = page_number(&client, "document.querySelectorAll('ol.bars svg rect.sure').length");
    assert!(bars.await >= 2);
    // Sorting: the cause table starts by hosts, most first; a click on "Hosts" sorts it
    // ascending, a second click descending; the rollout table sorts by cost.
    let initial = column(&client, "cause-table", 1).await;
    assert!(initial.len() > 5 && initial.windows(2).all(|w| w[0] >= w[1]), "{initial:?}");
    let button = client.find(Css("#cause-table thead th:nth-child(2) button")).await.unwrap();
    button.click().await.unwrap();
    let ascending = column(&client, "cause-table", 1).await;
    assert!(ascending.windows(2).all(|w| w[0] <= w[1]), "{ascending:?}");
    let sort = client.find(Css("#cause-table thead th:nth-child(2)")).await.unwrap();
    assert_eq!(sort.attr("aria-sort").await.unwrap().as_deref(), Some("ascending"));
    button.click().await.unwrap();
    let descending = column(&client, "cause-table", 1).await;
    assert!(descending.windows(2).all(|w| w[0] >= w[1]), "{descending:?}");
    client
        .find(Css("#rollout-table thead th:nth-child(6) button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let costs = column(&client, "rollout-table", 5).await;
    assert!(costs.len() > 3 && costs.windows(2).all(|w| w[0] <= w[1]), "{costs:?}");
    // Back to the order it opened in, for the screenshots.
    client.goto(&url).await.unwrap();
    screenshots(&client, "report", scheme).await;
}

#[test]
fn the_fleet_report_in_headless_chromium_light() {
    report_in_chromium(Scheme::Light);
}

#[test]
fn the_fleet_report_in_headless_chromium_dark() {
    report_in_chromium(Scheme::Dark);
}
