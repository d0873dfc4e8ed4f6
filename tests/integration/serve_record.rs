//! `triage serve --record DIR`: the result page's "Did this fix it?" form, posted over a real
//! loopback socket to the real binary, the record it appends read back with
//! `triage_learn::record::read_records` (and the published schema), and turned into a case by
//! `triage cases from-records`.

use super::support::{records_in, root, triage};
use scraper::{Html, Selector};
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use triage_learn::record::{FactSource, FixResult, Tool};

/// A `triage serve` on a free loopback port, killed when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(configure: impl FnOnce(&mut Command)) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_triage"));
        command
            .current_dir(root())
            .args(["serve", "--addr", "127.0.0.1:0"])
            .env_remove("TRIAGE_KB")
            .env_remove("TRIAGE_RECORD_DIR")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        configure(&mut command);
        let mut child = command.spawn().expect("triage serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().expect("stdout")).read_line(&mut line).unwrap();
        let addr = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .trim_end_matches('/')
            .to_string();
        Server { child, addr }
    }

    /// One request: (status, body).
    fn request(&self, method: &str, path: &str, form: &str) -> (u16, String) {
        self.request_with(method, path, form, "")
    }

    /// One request with more header lines (each ending in CRLF): (status, body).
    fn request_with(&self, method: &str, path: &str, form: &str, headers: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\n{headers}\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{form}",
            self.addr,
            form.len()
        )
        .unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let response = String::from_utf8(response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").expect("a complete response");
        let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
        (status, body.to_string())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A session of the 0x904 symptom: a fact read from pasted text, an answer, a "Don't know",
/// then the result.
const RESULT: &str = "/wizard?symptom=rdp_0x904_0x7&t.password_changed_recently=true\
                      &tq.password_changed_recently=changed+my+password\
                      &f.saved_credentials_used=no&skip=failed_logon_flood&end=1";

fn select<'a>(doc: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    doc.select(&Selector::parse(css).unwrap()).collect()
}

fn attr(element: &scraper::ElementRef<'_>, name: &str) -> String {
    element.value().attr(name).unwrap_or_else(|| panic!("no {name}")).to_string()
}

fn encode(pairs: &[(String, String)]) -> String {
    let mut out = String::new();
    for (key, value) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&percent_encode(key));
        out.push('=');
        out.push_str(&percent_encode(value));
    }
    out
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn the_result_page_records_which_fix_worked_and_the_record_becomes_a_case() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(|c| {
        c.arg("--record").arg(dir.path());
    });
    let (status, page) = server.request("GET", RESULT, "");
    assert_eq!(status, 200, "{page}");
    let doc = Html::parse_document(&page);
    let forms = select(&doc, "form[method=post][action='/wizard/outcome']");
    assert_eq!(forms.len(), 1, "one outcome form");
    let leader = attr(&select(&doc, "aside a[href^='/kb/causes/']")[0], "href");
    let leader = leader.trim_start_matches("/kb/causes/").to_string();
    // The session travels in the form, as hidden fields.
    let mut form: Vec<(String, String)> =
        select(&doc, "form[action='/wizard/outcome'] input[type=hidden]")
            .iter()
            .map(|i| (attr(i, "name"), attr(i, "value")))
            .collect();
    assert!(form.iter().any(|(k, v)| k == "f.saved_credentials_used" && v == "no"), "{form:?}");
    // One labelled group per fix shown, "not tried" chosen until the person says otherwise.
    let fixes: Vec<String> = select(&doc, "ol.repair li.fix h3 a")
        .iter()
        .map(|a| attr(a, "href").trim_start_matches("/kb/fixes/").to_string())
        .collect();
    assert!(fixes.len() >= 2, "{fixes:?}");
    let groups = select(&doc, "form[action='/wizard/outcome'] fieldset");
    assert_eq!(groups.len(), fixes.len());
    for (group, fix) in groups.iter().zip(&fixes) {
        let html = Html::parse_fragment(&group.html());
        let radios = select(&html, "input[type=radio]");
        assert_eq!(radios.len(), 3);
        assert!(radios.iter().all(|r| attr(r, "name") == format!("fix.{fix}")));
        let checked: Vec<String> = radios
            .iter()
            .filter(|r| r.value().attr("checked").is_some())
            .map(|r| attr(r, "value"))
            .collect();
        assert_eq!(checked, ["not_tried"]);
        for radio in &radios {
            let id = attr(radio, "id");
            assert_eq!(select(&html, &format!("label[for='{id}']")).len(), 1, "{id} has a label");
        }
    }
    let causes: Vec<String> =
        select(&doc, "select[name=cause] option").iter().map(|o| attr(o, "value")).collect();
    assert_eq!(causes[0], "", "the first choice is 'not sure'");
    assert!(causes.contains(&leader), "{causes:?}");
    let confirmed = causes.iter().find(|c| !c.is_empty() && **c != leader).unwrap().clone();

    // The first fix did not work, the second did, and it was the second-listed cause.
    form.push((format!("fix.{}", fixes[0]), "did_not_work".into()));
    form.push((format!("fix.{}", fixes[1]), "worked".into()));
    form.push(("cause".into(), confirmed.clone()));
    let (status, page) = server.request("POST", "/wizard/outcome", &encode(&form));
    assert_eq!(status, 200, "{page}");
    let thanks = Html::parse_document(&page);
    let id = select(&thanks, "#record-id")[0].text().collect::<String>();

    let (records, record_files) = records_in(dir.path());
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!(record.id, id);
    assert_eq!(record.tool, Tool::Serve);
    assert_eq!(record.kb.name, "rdp");
    assert!(record.kb.version.starts_with("sha256:") && record.kb.version.len() == 71);
    assert_eq!(record.symptom.as_deref(), Some("rdp_0x904_0x7"));
    let facts: Vec<(&str, serde_json::Value, FactSource, u32)> =
        record.facts.iter().map(|f| (f.fact.as_str(), f.value.clone(), f.source, f.step)).collect();
    assert_eq!(
        facts,
        [
            ("password_changed_recently", serde_json::json!(true), FactSource::Extracted, 0),
            ("saved_credentials_used", serde_json::json!(false), FactSource::Asked, 1),
            ("failed_logon_flood", serde_json::Value::Null, FactSource::Asked, 2),
        ]
    );
    assert_eq!(record.ranking[0].cause, leader, "the ranking the page showed");
    let total: f64 = record.ranking.iter().map(|c| c.probability).sum::<f64>() + record.unlisted;
    assert!((total - 1.0).abs() < 1e-6, "{total}");
    let results: Vec<(&str, FixResult)> =
        record.fixes.iter().map(|f| (f.fix.as_str(), f.result)).collect();
    assert_eq!(results[0], (fixes[0].as_str(), FixResult::DidNotWork));
    assert_eq!(results[1], (fixes[1].as_str(), FixResult::Worked));
    assert!(results[2..].iter().all(|(_, r)| *r == FixResult::NotTried), "{results:?}");
    assert_eq!(record.confirmed_cause.as_deref(), Some(confirmed.as_str()));

    // The record is a case: its confirmed cause expected on top.
    let output = triage().args(["cases", "from-records"]).arg(&record_files[0]).output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains(&format!("source: \"record {id}\"")), "{stdout}");
    assert!(stdout.contains(&format!("expected_top: \"{confirmed}\"")), "{stdout}");
    assert!(stdout.contains("password_changed_recently"), "{stdout}");
}

#[test]
fn answers_the_knowledge_base_or_the_page_does_not_have_and_other_sites_forms_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(|c| {
        c.arg("--record").arg(dir.path());
    });
    let session = "symptom=rdp_0x904_0x7&end=1";
    let (_, page) = server.request("GET", &format!("/wizard?{session}"), "");
    let doc = Html::parse_document(&page);
    let first_fix =
        attr(&select(&doc, "form[action='/wizard/outcome'] input[type=radio]")[0], "name");
    let cases = [
        (
            format!("{session}&fix.%3Cscript%3Ealert(1)%3C%2Fscript%3E=worked"),
            "unknown fix `<script>alert(1)</script>`",
        ),
        (
            format!("{session}&{first_fix}=yes"),
            "`yes` is not a result of a fix: worked, did_not_work or not_tried",
        ),
        (format!("{session}&{first_fix}=worked&{first_fix}=did_not_work"), "is answered twice"),
        (format!("{session}&cause=%22%3E%3Cb%3Ex"), "unknown cause `\"><b>x`"),
        (
            format!("{session}&cause=tls_protocol_or_cipher_disabled&cause="),
            "the cause is given twice",
        ),
        // A fix of the knowledge base that this result does not show.
        (format!("{session}&fix.no_such_fix=worked"), "unknown fix `no_such_fix`"),
        (
            format!("symptom=no_such_symptom&{first_fix}=worked"),
            "unknown symptom `no_such_symptom`",
        ),
    ];
    for (body, message) in cases {
        let (status, page) = server.request("POST", "/wizard/outcome", &body);
        let doc = Html::parse_document(&page);
        let shown = select(&doc, "p.message").first().map(|p| p.text().collect::<String>());
        assert!(shown.as_deref().is_some_and(|m| m.contains(message)), "{body}: {shown:?}");
        assert!(
            status == 400 || (status == 404 && message.contains("symptom")),
            "{body}: {status}"
        );
        // Hostile names come back as text, never as markup.
        assert!(select(&doc, "script, b").is_empty(), "{page}");
    }
    // A form on another site cannot write records here; the server's own page can.
    let body = format!("{session}&{first_fix}=worked");
    let (status, page) = server.request_with(
        "POST",
        "/wizard/outcome",
        &body,
        "Origin: http://attacker.example\r\n",
    );
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("only be sent from this server"), "{page}");
    for headers in
        ["Sec-Fetch-Site: cross-site\r\n", "Sec-Fetch-Site: same-site\r\nOrigin: null\r\n"]
    {
        let (status, _) = server.request_with("POST", "/wizard/outcome", &body, headers);
        assert_eq!(status, 403, "{headers}");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "only today's empty file");
    let (records, _) = records_in(dir.path());
    assert!(records.is_empty(), "nothing refused is recorded: {records:?}");
    // Our own page: a browser says same-origin (and, the page sending no referrer, Origin null).
    let own = format!("Origin: http://{}\r\n", server.addr);
    for headers in [own.as_str(), "Sec-Fetch-Site: same-origin\r\nOrigin: null\r\n"] {
        let (status, page) = server.request_with("POST", "/wizard/outcome", &body, headers);
        assert_eq!(status, 200, "{headers}: {page}");
    }
    assert_eq!(records_in(dir.path()).0.len(), 2);
}

#[test]
fn without_a_record_folder_no_form_is_shown_and_triage_record_dir_turns_it_on() {
    let off = Server::start(|_| {});
    let (status, page) = off.request("GET", RESULT, "");
    assert_eq!(status, 200);
    assert!(select(&Html::parse_document(&page), "form[action='/wizard/outcome']").is_empty());
    assert!(!page.contains("Did this fix it?"));
    let (status, _) = off.request("POST", "/wizard/outcome", "symptom=rdp_0x904_0x7&end=1");
    assert_eq!(status, 404);

    let dir = tempfile::tempdir().unwrap();
    let on = Server::start(|c| {
        c.env("TRIAGE_RECORD_DIR", dir.path());
    });
    let (_, page) = on.request("GET", RESULT, "");
    assert_eq!(select(&Html::parse_document(&page), "form[action='/wizard/outcome']").len(), 1);
    let (status, page) = on.request("POST", "/wizard/outcome", "symptom=rdp_0x904_0x7&end=1");
    assert_eq!(status, 200, "{page}");
    let (records, _) = records_in(dir.path());
    assert_eq!(records.len(), 1);
    assert!(records[0].fixes.iter().all(|f| f.result == FixResult::NotTried));
}
