//! `search`, and how `guide` resolves a query, on the embedded Remote Desktop knowledge base:
//! whole words, one line per symptom, and a plain "nothing fits" (exit 1) with the way to start
//! without a symptom, instead of a guess.

use crate::support::stdout_of;
use assert_cmd::Command;
use predicates::prelude::*;

fn triage() -> Command {
    let mut cmd = Command::cargo_bin("triage").unwrap();
    cmd.env_remove("TRIAGE_KB").env("NO_COLOR", "1");
    cmd
}

/// The symptom names `search --format json` lists for `query`, and the exit code.
fn found(query: &str) -> (Vec<String>, Option<i32>) {
    let output = triage().args(["search", query, "--format", "json"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let names = json["symptoms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["symptom"].as_str().unwrap().to_string())
        .collect();
    (names, output.status.code())
}

#[test]
fn search_finds_whole_words_once_per_symptom() {
    assert_eq!(found("black screen"), (vec!["rdp_black_or_frozen_screen".into()], Some(0)));
    assert_eq!(
        found("credentials did not work"),
        (vec!["rdp_credentials_rejected".into()], Some(0))
    );
    for query in ["0x904", "904", "2308", "socket closed"] {
        assert_eq!(found(query), (vec!["rdp_0x904_0x7".into()], Some(0)), "{query}");
    }
    triage().args(["search", "black", "screen"]).assert().success().stdout(
        predicate::str::starts_with("rdp_black_or_frozen_screen  ")
            .and(predicate::str::contains("matched: alias “black screen”; words: black, screen"))
            .and(predicate::str::contains("Next: `triage guide rdp_black_or_frozen_screen`")),
    );
}

/// A `--kb` path a shell would split comes back quoted in the commands search suggests, so the
/// line runs as pasted.
#[test]
fn the_next_commands_quote_a_knowledge_base_path_with_spaces() {
    let dir = tempfile::tempdir().unwrap();
    let kb = dir.path().join("our kb (rdp)");
    stdout_of(triage().args(["--kb", "rdp", "kb", "export"]).arg(&kb));
    let text = stdout_of(triage().args(["search", "black screen", "--kb"]).arg(&kb));
    let guide = text
        .split('`')
        .find(|part| part.starts_with("triage") && part.contains(" guide "))
        .unwrap_or_else(|| panic!("no guide command in {text}"));
    assert!(guide.contains('\''), "the path is quoted: {guide}");
    assert!(crate::support::pasted_into_bash(guide, dir.path()), "{guide}");
}

#[test]
fn search_says_when_nothing_fits_and_exits_1() {
    for (query, why) in [
        ("printer jam", "no symptom has at least half of the words “printer”, “jam”"),
        ("remote desktop", "“remote desktop” is in most of its symptoms and tells none apart"),
        ("the", "it has no word to search for"),
        ("a", "it has no word to search for"),
        ("0x999", "no symptom has the code 0x999"),
    ] {
        assert_eq!(found(query), (vec![], Some(1)), "{query}");
        triage().args(["search", query]).assert().code(1).stdout("").stderr(
            predicate::str::starts_with(format!(
                "Nothing in this knowledge base fits “{query}” well: {why}"
            ))
            .and(predicate::str::contains(
                "Start without a symptom: triage ask (it asks what the dialog says),\n\
                 or see what the knowledge base covers: triage symptoms\n",
            )),
        );
    }
    // Another knowledge base: the commands offered name it.
    triage().args(["--kb", "src/commands/init", "search", "printer"]).assert().code(1).stderr(
        predicate::str::contains("no symptom has the word “printer”").and(
            predicate::str::contains(
                "or see what the knowledge base covers: triage --kb src/commands/init symptoms\n",
            ),
        ),
    );
}

#[test]
fn guide_refuses_a_weak_match_and_names_the_closest() {
    triage().args(["guide", "remote", "desktop"]).assert().code(1).stdout("").stderr(
        predicate::str::starts_with(
            "Nothing in this knowledge base fits “remote desktop” well: “remote desktop” is in \
             most of its symptoms and tells none apart.\n",
        )
        .and(predicate::str::contains("Start without a symptom: triage ask")),
    );
    // Some of the words, not enough: the symptoms that have them, each with how to pick it.
    triage().args(["guide", "screen", "printer", "jam"]).assert().code(1).stdout("").stderr(
        predicate::str::contains("Closest, with only some of the words:\n")
            .and(predicate::str::contains("  triage guide rdp_black_or_frozen_screen  ")),
    );
}

#[test]
fn guide_offers_a_choice_when_several_fit_equally() {
    let output = triage().args(["guide", "can't", "connect"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("“can't connect” fits several symptoms equally well; pick one:\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "  triage guide rdp_0x204_connect_failed         Remote Desktop can't connect to the \
             remote computer (error code 0x204)\n"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("  triage guide rdp_connection_failed_other  "), "{stderr}");
    assert!(!stderr.contains("error:"), "a choice, not an error: {stderr}");
    // Each line is a command that works.
    triage().args(["guide", "rdp_connection_failed_other"]).assert().success();
}
