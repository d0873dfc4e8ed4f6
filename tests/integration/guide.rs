//! `guide` and `site` end to end: the embedded Remote Desktop knowledge base without `--kb`,
//! tailoring from a fact file, files written with `-o`, and the errors people run into.

use assert_cmd::Command;
use predicates::prelude::*;

fn triage() -> Command {
    let mut cmd = Command::cargo_bin("triage").unwrap();
    cmd.env_remove("TRIAGE_KB").env("NO_COLOR", "1");
    cmd
}

use crate::support::stdout_of;

#[test]
fn guide_for_an_error_code_with_the_embedded_knowledge_base() {
    let md = stdout_of(triage().args(["guide", "0x904"]));
    assert!(
        md.starts_with("# Remote Desktop fails with error code 0x904, extended error code 0x7\n")
    );
    assert!(md.contains("**Expected time to resolution: "));
    assert!(md.contains("### Fix 1: "));
    // The code typed is a known fact: the guide is tailored to it and does not ask it.
    assert!(md.contains("tailored to the facts"), "{md}");
    // In plain words: the known fact by its title, no ids, no bits, no condition.
    assert!(md.contains("| Error code shown by the Remote Desktop client | 0x904 |"), "{md}");
    for engine_words in ["`error_code`", "`network_path_instability`", "bits of information"] {
        assert!(!md.contains(engine_words), "the short guide says {engine_words}: {md}");
    }
    assert!(!md.contains("It is recognised by"), "{md}");
    // Short by default: the complete reference is one flag away, several times as long.
    assert!(md.contains("This is the short guide"), "{md}");
    let full = stdout_of(triage().args(["guide", "0x904", "--full"]));
    assert!(!full.contains("This is the short guide"));
    // The complete reference keeps the names an author looks up.
    assert!(full.contains("(`error_code`) | 0x904 |"), "{full}");
    assert!(full.contains("bits of information"));
    assert!(md.lines().count() <= 350, "{} lines", md.lines().count());
    assert!(full.lines().count() > 3 * md.lines().count());
    // Words of the message, spread over several arguments, find the same symptom.
    let by_words = stdout_of(triage().args(["guide", "socket", "closed"]));
    assert!(by_words.starts_with("# Remote Desktop fails with error code 0x904"), "{by_words}");
    assert!(by_words.contains("general guide (no facts given)"));
}

#[test]
fn a_guide_for_one_code_leaves_out_the_causes_of_other_codes() {
    // Protocol error 0x112f and AVD's 0x3000046 are causes the 0x904 code rules out: not part
    // of the 0x904 guide, short or full, not even as "ruled out".
    for full in [false, true] {
        let mut cmd = triage();
        cmd.args(["guide", "0x904"]);
        if full {
            cmd.arg("--full");
        }
        let md = stdout_of(&mut cmd);
        assert!(!md.contains("Protocol error 0x112f"), "full: {full}");
        assert!(!md.contains("avd_no_available_resources"), "full: {full}");
    }
}

#[test]
fn guide_tailored_to_a_fact_file_as_html_into_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let facts = dir.path().join("facts.yaml");
    std::fs::write(&facts, "host: rdp-01\nerror_code: '0x904'\nrdp_cert_days_to_expiry: -3\nrdp_listener_listening: true\n").unwrap();
    let out = dir.path().join("guide.html");
    let printed = stdout_of(
        triage()
            .args(["guide", "rdp_0x904_0x7", "--format", "html", "-o"])
            .arg(&out)
            .arg("--facts")
            .arg(&facts),
    );
    assert!(printed.is_empty(), "-o writes the file, not standard output: {printed}");
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("tailored to the facts of <strong>rdp-01</strong>"));
    assert!(html.contains("Ruled out by the facts"));
    assert!(
        !html.contains("id=\"question-rdp_cert_days_to_expiry\""),
        "a known answer is asked again"
    );
}

#[test]
fn guide_errors_name_the_problem() {
    // A query that fits no symptom well, or several equally: tests/integration/search.rs.
    triage()
        .args(["guide", "printer", "jam"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("Nothing in this knowledge base fits “printer jam” well"));
    let dir = tempfile::tempdir().unwrap();
    let facts = dir.path().join("facts.json");
    std::fs::write(&facts, r#"{"error_code": "not a number", "no_such_fact": 1}"#).unwrap();
    triage().args(["guide", "0x904", "--facts"]).arg(&facts).assert().code(1).stderr(
        predicate::str::contains("error_code").and(predicate::str::contains("no_such_fact")),
    );
    std::fs::write(dir.path().join("guide.md"), "{% if %}").unwrap();
    triage()
        .args(["guide", "0x904", "--templates"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("guide.md"));
}

#[test]
fn site_writes_every_page_and_its_search_index() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let printed = stdout_of(triage().args(["site", "-o"]).arg(&out));
    assert!(printed.starts_with("wrote "), "{printed}");
    for file in [
        "index.html",
        "search.js",
        "search-index.js",
        "search-index.json",
        "symptoms/rdp_0x904_0x7.html",
        "causes/rdp_selfsigned_cert_expired.html",
        "fixes/renew_selfsigned_certificate.html",
    ] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains(r#"<a href="symptoms/rdp_0x904_0x7.html">"#));
    // A file where the folder should be is a usage error.
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    triage().args(["site", "-o"]).arg(&file).assert().code(2);
}

#[test]
fn a_thin_fact_file_alone_gets_a_guide_over_the_possible_symptoms() {
    let dir = tempfile::tempdir().unwrap();
    let facts = dir.path().join("thin.json");
    std::fs::write(&facts, r#"{"client_app": "freerdp_remmina"}"#).unwrap();
    triage().args(["guide", "--facts"]).arg(&facts).assert().success().stdout(
        predicate::str::contains("A problem that matches no symptom exactly yet")
            .and(predicate::str::contains("no symptom matches exactly; most likely:")),
    );
}
