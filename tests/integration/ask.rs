//! `ask` without a terminal, mostly on the embedded Remote Desktop knowledge base: answers one
//! per line on stdin or from `--answers`, every question and ranking printed as plain text;
//! without `--kb`, the knowledge base the query, the fact file or the default chooses. The
//! terminal front end is driven by `tests/tmux/ask.sh`, and an SSH conversation by tmux here
//! (both run when tmux is installed).

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

/// The 0x904 story: a hardening change, every user fails, a certificate valid for 200 more
/// days, TLS 1.2 off on the server and Schannel's cipher-suite alerts: the engine is then sure
/// enough of disabled TLS versions / cipher suites to stop.
const STORY: &str =
    "gpo_or_hardening_change\nserver2022\n0x7\nyes\nevery_attempt\nlan\nno\n200\n?\nno\nyes\n";
const CONFIDENT: &str = "Done: “TLS versions or cipher suites disabled by hardening” is";
/// The first line of a conversation that a query put in the Remote Desktop knowledge base.
const RDP_BY_QUERY: &str =
    "Knowledge base: rdp, the one whose symptoms fit what you typed best (--kb ssh for the other)";
/// The same for the SSH knowledge base.
const SSH_BY_QUERY: &str =
    "Knowledge base: ssh, the one whose symptoms fit what you typed best (--kb rdp for the other)";

fn triage() -> Command {
    let mut cmd = Command::cargo_bin("triage").unwrap();
    cmd.env_remove("TRIAGE_KB").env("NO_COLOR", "1");
    cmd
}

fn ask(args: &[&str], stdin: &str) -> (String, String, Option<i32>) {
    let output = triage().arg("ask").args(args).write_stdin(stdin).output().unwrap();
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
        output.status.code(),
    )
}

/// The facts asked about, in order, from the `Question N: title (fact)` lines.
fn questions(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| l.starts_with("Question "))
        .filter_map(|l| l.rsplit_once('(').map(|(_, fact)| fact.trim_end_matches(')').to_string()))
        .collect()
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_0x904_story_ends_with_a_confident_cause_and_a_repair_order() {
    let (stdout, stderr, code) = ask(&["0x904"], STORY);
    assert_eq!(code, Some(0), "{stderr}");
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some(RDP_BY_QUERY), "{stdout}");
    assert!(
        lines.next().unwrap().contains("Remote Desktop fails with error code 0x904"),
        "{stdout}"
    );
    // "0x904" is the error code the person gave: neither it nor the message of the same
    // dialog is asked; what changed comes first, what only the server can tell later.
    let asked = questions(&stdout);
    assert_eq!(asked.first().map(String::as_str), Some("recent_change"), "{stdout}");
    assert!(!asked.iter().any(|q| q == "error_message" || q == "error_code"), "{stdout}");
    assert!(stdout.contains("From what you typed:"), "{stdout}");
    assert!(stdout.contains("(from \u{201c}0x904\u{201d}; --fact error_code=0x904)"), "{stdout}");
    assert!(stdout.contains("Likely causes after 11 answers:"), "{stdout}");
    assert!(
        stdout.contains(
            "TLS versions or cipher suites disabled by hardening — TLS 1.2 is enabled for the server side of Schannel: no"
        ),
        "{stdout}"
    );
    assert!(stdout.contains(CONFIDENT), "{stdout}");
    assert!(stdout.contains("Repair order (expected time to resolution"), "{stdout}");
    assert!(
        stdout.contains("1. Re-enable TLS 1.2 on the server (enable_tls12_server)"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "rdp_cert_days_to_expiry = 200; event_schannel_36871: don't know; tls12_server_enabled = no; event_schannel_36874_36888 = yes"
        ),
        "{stdout}"
    );
}

#[test]
fn back_undoes_answers_and_dont_knows_any_number_of_times() {
    let (stdout, stderr, code) = ask(&[], "internal_error\n?\nback\nback\nback\n");
    assert_eq!(code, Some(0), "{stderr}");
    let asked = questions(&stdout);
    assert_eq!(asked.len(), 6, "{stdout}");
    assert_eq!(asked[0], "error_message");
    assert_ne!(asked[2], asked[1], "a don't know is not asked again");
    assert_eq!(asked[3], asked[1], "back undoes the don't know");
    assert_eq!(asked[4], "error_message", "back again undoes the first answer");
    assert_eq!(asked[5], "error_message", "nothing left to undo: the same question again");
    assert!(stdout.contains("Undone: Message shown by the Remote Desktop client"), "{stdout}");
    assert!(stdout.contains("Nothing to undo: this is the first question."), "{stdout}");
    assert!(stdout.contains("Done: stopped asking."), "{stdout}");
    assert!(!stdout.contains("\nAnswers:"), "everything was undone: {stdout}");
}

/// A conversation stops at `--max-questions` (a "don't know" counts), or after six questions
/// without an answer, says so, and gives the fixes in order; facts given with `--fact` are not
/// questions.
#[test]
fn asking_stops_at_the_most_questions_allowed_and_goes_on_to_the_fixes() {
    let (stdout, stderr, code) = ask(
        &["--fact", "error_code=0x904", "--max-questions", "2"],
        "dont know\ndont know\ndont know\n",
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(questions(&stdout).len(), 2, "{stdout}");
    assert!(stdout.contains("2 questions asked, enough for one conversation"), "{stdout}");
    assert!(stdout.contains("1. "), "the fixes in order follow: {stdout}");
    let (stdout, stderr, code) = ask(&["--fact", "error_code=0x904"], &"dont know\n".repeat(12));
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(questions(&stdout).len(), 6, "{stdout}");
    assert!(stdout.contains("6 questions had no answer"), "{stdout}");
    let (_, stderr, code) = ask(&["--max-questions", "0"], "");
    assert_eq!(code, Some(2), "zero is refused");
    assert!(stderr.contains("--max-questions"), "{stderr}");
}

#[test]
fn dont_know_moves_on_and_is_saved_as_unknown() {
    let scratch = tempfile::tempdir().unwrap();
    let save = scratch.path().join("case.json");
    let (stdout, stderr, code) =
        ask(&["--save", save.to_str().unwrap()], "internal_error\ndont know\nstop\n");
    assert_eq!(code, Some(0), "{stderr}");
    let asked = questions(&stdout);
    assert_eq!(asked.len(), 3, "{stdout}");
    assert!(
        stdout.contains(&format!(
            "Answers: error_message = internal_error; {}: don't know",
            asked[1]
        )),
        "{stdout}"
    );
    let facts = read_json(&save);
    // No symptom was named: the saved message is what shows it, as it did here.
    assert!(facts.get("symptom").is_none(), "{facts}");
    assert_eq!(facts["error_message"], "internal_error");
    assert!(facts[&asked[1]].is_null(), "asked, not known: {facts}");
    assert!(facts.get(&asked[2]).is_none(), "the question stopped at is not in the file: {facts}");
}

#[test]
fn an_invalid_answer_is_reported_and_the_same_question_asked_again() {
    let (stdout, stderr, code) = ask(&[], "internal_error\nmaybe\nserver2022\nstop\n");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("line 2: `target_os`: expected one of windows10")
            && stderr.contains("found \"maybe\"; reading the next line for the same question"),
        "{stderr}"
    );
    assert!(stdout.contains("  not accepted: `target_os`"), "{stdout}");
    let asked = questions(&stdout);
    assert_eq!(asked[..3], ["error_message", "target_os", "target_os"], "{stdout}");
    assert!(stdout.contains("target_os = server2022"), "{stdout}");
}

#[test]
fn an_undeclared_enum_value_names_the_expected_ones() {
    let (stdout, stderr, code) = ask(&[], "internal eror\ninternal_error\nstop\n");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("line 1: `error_message`: expected"), "{stderr}");
    assert_eq!(questions(&stdout)[..2], ["error_message", "error_message"]);
}

#[test]
fn control_characters_in_answers_never_reach_the_terminal() {
    let (stdout, stderr, code) = ask(&[], "\u{1b}[2J\u{7}\ninternal_error\nstop\n");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stdout.contains('\u{1b}') && !stdout.contains('\u{7}'), "{stdout:?}");
    assert!(!stderr.contains('\u{1b}') && !stderr.contains('\u{7}'), "{stderr:?}");
    assert!(stdout.contains("> \\u{1b}[2J\\u{7}"), "{stdout}");
    assert_eq!(questions(&stdout)[..2], ["error_message", "error_message"]);
}

#[test]
fn an_answer_over_the_limit_is_refused_unread_and_the_same_question_asked_again() {
    let huge = "internal_error ".repeat(400_000);
    let (stdout, stderr, code) = ask(&[], &format!("{huge}\ninternal_error\nstop\n"));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains(
            "not accepted: the answer is 6000000 bytes, over the 16384 an answer may have"
        ),
        "{}",
        &stdout[..stdout.len().min(2000)]
    );
    assert!(stdout.len() < 100_000, "the answer was echoed: {} bytes", stdout.len());
    // The next line answers the same question: the second question is another fact.
    let asked = questions(&stdout);
    assert_eq!(asked[0], "error_message");
    assert_ne!(asked[1], "error_message");
    assert!(stdout.contains("> internal_error\n"), "{stdout}");
}

#[test]
fn the_saved_fact_file_gives_diagnose_the_same_top_cause() {
    let scratch = tempfile::tempdir().unwrap();
    let save = scratch.path().join("case.json");
    let (stdout, stderr, code) = ask(&["0x904", "--save", save.to_str().unwrap()], STORY);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains(&format!("Saved what was learned to {}", save.display())), "{stdout}");
    assert!(stdout.contains("triage diagnose"), "{stdout}");
    let output = triage()
        .args(["diagnose", save.to_str().unwrap(), "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&output).unwrap();
    let symptom = report["symptoms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["symptom"] == "rdp_0x904_0x7")
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(symptom["causes"][0]["cause"], "tls_protocol_or_cipher_disabled");
    assert!(symptom["causes"][0]["posterior"].as_f64().unwrap() >= 0.8);
}

#[test]
fn answers_come_from_a_file_with_comments_and_the_end_of_it_stops() {
    let scratch = tempfile::tempdir().unwrap();
    let answers = scratch.path().join("answers.txt");
    std::fs::write(&answers, "# the message in the dialog\ninternal_error\n\n").unwrap();
    let (stdout, stderr, code) = ask(&["--answers", answers.to_str().unwrap()], "");
    assert_eq!(code, Some(0), "{stderr}");
    let asked = questions(&stdout);
    assert_eq!(asked.len(), 2, "{stdout}");
    assert_eq!(asked[0], "error_message");
    assert!(stdout.contains("> (end of the answers)"), "{stdout}");
    assert!(stdout.contains("Done: stopped asking."), "{stdout}");
    assert!(stdout.contains("Run again with --save FILE"), "{stdout}");
}

#[test]
fn a_fact_file_seeds_the_session_and_names_the_symptom() {
    let scratch = tempfile::tempdir().unwrap();
    let facts = scratch.path().join("facts.yaml");
    std::fs::write(
        &facts,
        "error_code: \"0x904\"\nextended_error_code: 7\nerror_message: internal_error\n",
    )
    .unwrap();
    let (stdout, stderr, code) = ask(&["--facts", facts.to_str().unwrap()], "stop\n");
    assert_eq!(code, Some(0), "{stderr}");
    let mut lines = stdout.lines();
    assert_eq!(
        lines.next(),
        Some("Knowledge base: rdp, the one the fact file fits best (--kb ssh for the other)"),
        "{stdout}"
    );
    assert!(
        lines.next().unwrap().contains("Remote Desktop fails with error code 0x904"),
        "{stdout}"
    );
    assert!(stdout.contains("3 facts known from"), "{stdout}");
    // The file gave the code, the extended code and the message: none of them is asked.
    let asked = questions(&stdout);
    assert_eq!(asked.len(), 1, "{stdout}");
    assert!(!["error_code", "extended_error_code", "error_message"].contains(&asked[0].as_str()));
}

#[test]
fn an_invalid_fact_file_is_refused_with_every_problem() {
    let scratch = tempfile::tempdir().unwrap();
    let facts = scratch.path().join("facts.json");
    std::fs::write(&facts, r#"{"error_code": "soon", "eror_message": "x"}"#).unwrap();
    let (_, stderr, code) = ask(&["0x904", "--facts", facts.to_str().unwrap()], "");
    assert_eq!(code, Some(1));
    assert!(stderr.contains("`error_code`") && stderr.contains("`eror_message`"), "{stderr}");
}

#[test]
fn without_a_query_or_a_symptom_the_questions_tell_the_symptoms_apart() {
    let (stdout, stderr, code) = ask(&[], "stop\n");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("No symptom known yet"), "{stdout}");
    assert!(stdout.contains("no symptom matches exactly; most likely:"), "{stdout}");
    // The first question is about what the person sees: a symptom question.
    let first = &questions(&stdout)[0];
    let facts_of_gates =
        ["error_message", "error_code", "display_symptom", "client_rdp_event_1026_reason"];
    assert!(facts_of_gates.contains(&first.as_str()), "{first}: {stdout}");
}

#[test]
fn a_thin_fact_file_starts_open_and_the_answer_settles_the_symptom() {
    let scratch = tempfile::tempdir().unwrap();
    let facts = scratch.path().join("thin.yaml");
    std::fs::write(&facts, "client_app: freerdp_remmina\n").unwrap();
    let (stdout, stderr, code) = ask(&["--facts", facts.to_str().unwrap()], "stop\n");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("No symptom known yet"), "{stdout}");
    assert!(stdout.contains("1 fact known from"), "{stdout}");
}

#[test]
fn an_ambiguous_query_offers_the_matches() {
    // Four dialogs say "can't connect" (or "couldn't connect") in so many words.
    let (stdout, stderr, code) =
        ask(&["can't", "connect"], "nonsense\nrdp_0x204_connect_failed\nstop\n");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("Several symptoms match:\n  1. "), "{stdout}");
    assert!(stderr.contains("`nonsense` is not one of the symptoms listed"), "{stderr}");
    assert!(stdout.contains("\nRemote Desktop can't connect to the remote computer"), "{stdout}");
}

#[test]
fn no_matching_symptom_and_bad_arguments_fail() {
    let (_, stderr, code) = ask(&["zzqqxx"], "");
    assert_eq!(code, Some(1));
    assert!(stderr.contains("Nothing in this knowledge base fits “zzqqxx” well"), "{stderr}");
    triage()
        .args(["ask", "0x904", "--confidence", "1.5"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--confidence must be above 0 and at most 1"));
}

#[test]
fn a_lower_confidence_stops_sooner() {
    let (stdout, stderr, code) = ask(&["--confidence", "0.3"], "internal_error\n");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(questions(&stdout), ["error_message"]);
    assert!(
        stdout.contains("Done: “MachineKeys permissions or the RSA key are broken"),
        "{stdout}"
    );
}

/// The terminal front end, driven like a person would with tmux (`tests/tmux/ask.sh`).
#[test]
fn the_terminal_wizard_in_tmux() {
    if !tmux_present() {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let binary = assert_cmd::cargo::cargo_bin("triage");
    let scratch = tempfile::tempdir().unwrap();
    let output = std::process::Command::new("bash")
        .arg(root.join("tests/tmux/ask.sh"))
        .env("TRIAGE_BIN", &binary)
        .env("ASK_WORKDIR", scratch.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "tests/tmux/ask.sh failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn facts_that_rule_out_every_symptom_exit_3() {
    let scratch = tempfile::tempdir().unwrap();
    let facts = scratch.path().join("healthy.yaml");
    // The example knowledge base's only symptom is a 502 or 503: a 200 rules it out.
    std::fs::write(&facts, "http_status: 200\n").unwrap();
    let (_, stderr, code) =
        ask(&["--kb", "src/commands/init", "--facts", facts.to_str().unwrap()], "");
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("the facts rule out every symptom"), "{stderr}");
}

/// A conversation answered from what the person knows: each question the engine asks is
/// answered from `facts` ("don't know" when they do not have it), whatever its order. Returns
/// the last transcript and the facts asked, in order.
fn converse(query: &[&str], facts: &[(&str, &str)]) -> (String, Vec<String>) {
    let mut answers: Vec<String> = Vec::new();
    loop {
        let input: String = answers.iter().flat_map(|a| [a.as_str(), "\n"]).collect();
        let (stdout, stderr, code) = ask(query, &input);
        assert_eq!(code, Some(0), "{stderr}");
        let asked = questions(&stdout);
        if asked.len() <= answers.len() || answers.len() >= 30 {
            return (stdout, asked);
        }
        let fact = &asked[answers.len()];
        let answer = facts.iter().find(|(f, _)| f == fact).map_or("?", |(_, v)| v);
        answers.push(answer.to_string());
    }
}

/// The first step of the repair order in a transcript.
fn first_fix(stdout: &str) -> String {
    let order = stdout.rfind("Repair order").expect("a repair order");
    stdout[order..].lines().nth(1).unwrap_or_default().trim().to_string()
}

#[test]
fn story_your_credentials_did_not_work_tries_the_saved_password_first() {
    // A domain user whose password changed last week; the client still sends the saved one.
    let (stdout, asked) = converse(
        &["Your", "credentials", "did", "not", "work"],
        &[
            ("recent_change", "none_known"),
            ("account_kind_used", "domain_account"),
            ("username_format_used", "upn_or_email"),
            ("saved_credentials_used", "yes"),
            ("password_changed_recently", "yes"),
            ("other_clients_can_connect", "yes"),
            ("failure_stage", "after_credentials_before_desktop"),
        ],
    );
    assert!(asked.len() <= 4, "{} questions: {asked:?}", asked.len());
    assert!(!asked.contains(&"error_message".to_string()), "the message was typed: {asked:?}");
    assert!(first_fix(&stdout).contains("delete_saved_rdp_credential"), "{stdout}");
}

#[test]
fn story_cant_find_the_computer_with_a_short_name_off_the_vpn() {
    let (stdout, asked) = converse(
        &["Remote", "Desktop", "can't", "find", "the", "computer"],
        &[
            ("address_used", "short_hostname"),
            ("name_resolution_result", "does_not_resolve"),
            ("connection_path", "site_vpn_or_client_vpn"),
            ("correct_name_resolves", "yes"),
            ("connect_by_ip_works", "yes"),
        ],
    );
    assert!(asked.len() <= 4, "{} questions: {asked:?}", asked.len());
    // The name does not resolve: the fixes are the name's, not the stale DNS record's.
    let order = &stdout[stdout.rfind("Repair order").expect("a repair order")..];
    let first_two: Vec<&str> = order.lines().skip(1).take(2).collect();
    assert!(first_two.iter().any(|l| l.contains("use_full_computer_name")), "{first_two:?}");
}

#[test]
fn story_an_internal_error_after_the_windows_11_upgrade() {
    // Only this PC fails, since its upgrade; the dialog says "An internal error has occurred".
    let (stdout, asked) = converse(
        &["An", "internal", "error", "has", "occurred", "after", "the", "Windows", "11", "upgrade"],
        &[
            ("other_clients_can_connect", "yes"),
            ("failure_stage", "before_credential_prompt"),
            ("connection_path", "lan"),
            ("failure_pattern", "every_attempt"),
            ("target_os", "server2019"),
            ("extended_error_code", "0x7"),
            ("alternate_client_app_works", "yes"),
        ],
    );
    // The message and the upgrade were typed: neither is asked.
    assert!(stdout.contains("--fact recent_change=client_upgraded_to_win11"), "{stdout}");
    assert!(!asked.iter().any(|q| q == "recent_change" || q == "error_message"), "{asked:?}");
    assert!(asked.len() <= 8, "{} questions: {asked:?}", asked.len());
    let order = &stdout[stdout.rfind("Repair order").expect("a repair order")..];
    let first_two: Vec<&str> = order.lines().skip(1).take(2).collect();
    assert!(
        first_two.iter().any(|l| l.contains("use_alternate_rdp_client")),
        "the client-side workaround is among the first two fixes: {first_two:?}"
    );
}

/// Whether tmux can drive the terminal tests; CI sets `TRIAGE_REQUIRE_TMUX=1` so that a missing
/// tmux fails instead of skipping.
fn tmux_present() -> bool {
    let present =
        std::process::Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success());
    if !present {
        assert!(
            std::env::var_os("TRIAGE_REQUIRE_TMUX").is_none(),
            "TRIAGE_REQUIRE_TMUX is set but tmux is not installed"
        );
        eprintln!("skipped: tmux is not installed (apt-get install tmux to run this test)");
    }
    present
}

#[test]
fn without_kb_a_query_starts_in_the_knowledge_base_of_its_best_hit() {
    // Two SSH symptoms say "Permission denied": the person picks the first.
    let (stdout, stderr, code) = ask(&["Permission denied (publickey)"], "1\nstop\n");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout.lines().next(), Some(SSH_BY_QUERY), "{stdout}");
    assert!(stdout.contains("1. USER@HOST: Permission denied (publickey). "), "{stdout}");
    assert!(stdout.contains(" (ssh_permission_denied_publickey)\n"), "{stdout}");
    // What was typed is read with the SSH knowledge base's patterns.
    assert!(stdout.contains("--fact ssh_client_error=permission_denied"), "{stdout}");
    let asked = questions(&stdout);
    let ssh_facts: String = std::fs::read_dir("knowledge/ssh")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "kb"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(!asked.is_empty(), "{stdout}");
    assert!(asked.iter().all(|f| ssh_facts.contains(&format!("fact {f}:"))), "{asked:?}");
    // The same words with --kb stay in the knowledge base given, and say nothing about it.
    let (stdout, stderr, code) =
        ask(&["--kb", "ssh", "Permission denied (publickey)"], "1\nstop\n");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stdout.contains("Knowledge base:"), "{stdout}");
    assert!(stdout.contains(" (ssh_permission_denied_publickey)\n"), "{stdout}");
    let (stdout, stderr, code) = ask(&["--kb", "rdp", "Permission denied (publickey)"], "");
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stderr.contains("Nothing in this knowledge base fits"), "{stderr}");
    assert!(!stderr.contains("ssh_"), "{stderr}");
}

#[test]
fn without_a_query_the_fact_file_or_the_default_chooses_the_knowledge_base() {
    let client = "knowledge/ssh/examples/permission-denied-client.json";
    let (stdout, stderr, code) = ask(&["--facts", client], "stop\n");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stdout.lines().next(),
        Some("Knowledge base: ssh, the one the fact file fits best (--kb rdp for the other)"),
        "{stdout}"
    );
    assert!(stdout.contains("facts known from"), "{stdout}");
    let (stdout, stderr, code) = ask(&[], "stop\n");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stdout.lines().next(),
        Some("Knowledge base: rdp, the default (--kb ssh for the other)"),
        "{stdout}"
    );
    // Standard input holds the answers: it is refused as the fact file before anything reads it.
    let (_, stderr, code) = ask(&["--facts", "-"], "{}\n");
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--facts needs a file"), "{stderr}");
}

#[test]
fn a_query_nothing_fits_lists_the_closest_symptoms_of_every_knowledge_base() {
    let (stdout, stderr, code) = ask(&["denied", "printer", "jam", "toner"], "");
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("Nothing in this knowledge base fits"), "{stderr}");
    // Each is picked by its name, which finds its knowledge base without --kb.
    assert!(stderr.contains("  triage ask ssh_permission_denied_publickey "), "{stderr}");
    assert!(stderr.contains("  triage ask rdp_no_logon_right "), "{stderr}");
}

#[test]
fn a_saved_ssh_case_goes_on_with_the_ssh_knowledge_base_and_a_bash_plan() {
    let scratch = tempfile::tempdir().unwrap();
    let save = scratch.path().join("case.json");
    let (stdout, stderr, code) =
        ask(&["Permission denied (publickey)", "--save", save.to_str().unwrap()], "1\nno\nstop\n");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(read_json(&save)["symptom"], "ssh_permission_denied_publickey");
    let file = save.display();
    let plan_line = format!(
        "  triage --kb ssh plan {file} --symptom ssh_permission_denied_publickey    the repair plan as a bash script\n"
    );
    assert!(stdout.contains(&plan_line), "{stdout}");
    assert!(stdout.contains(&format!("  triage --kb ssh diagnose {file} --explain")), "{stdout}");
    // The command it suggests writes that plan.
    let output = triage()
        .args(["--kb", "ssh", "plan", save.to_str().unwrap()])
        .args(["--symptom", "ssh_permission_denied_publickey"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let plan = String::from_utf8(output).unwrap();
    assert!(plan.starts_with("#!/usr/bin/env bash\n# Repair plan for: USER@HOST"), "{plan}");
    // A Remote Desktop case still gets a PowerShell plan, without --kb.
    let save = scratch.path().join("rdp.json");
    let (stdout, stderr, code) = ask(&["0x904", "--save", save.to_str().unwrap()], "stop\n");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains(&format!(
            "  triage plan {} --symptom rdp_0x904_0x7    the repair plan as a PowerShell script\n",
            save.display()
        )),
        "{stdout}"
    );
}

/// A tmux session of its own (a private server, killed when dropped) running `triage` in a
/// scratch folder.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(dir: &Path, args: &str) -> Tmux {
        Tmux::start_sized(dir, args, (110, 50))
    }

    /// The same on a terminal of `columns` × `rows`.
    fn start_sized(dir: &Path, args: &str, (columns, rows): (u16, u16)) -> Tmux {
        let socket = format!("triage-ask-{columns}x{rows}-{}", std::process::id());
        let binary = assert_cmd::cargo::cargo_bin("triage");
        let command = format!(
            "env -u TRIAGE_KB NO_COLOR=1 TERM=xterm-256color '{}' {args}; echo \"[exit status $?]\"; sleep 600",
            binary.display()
        );
        let tmux = Tmux { socket };
        let started = tmux
            .command()
            .args(["new-session", "-d", "-s", "ask", "-x", &columns.to_string()])
            .args(["-y", &rows.to_string(), "-c"])
            .arg(dir)
            .arg(command)
            .status()
            .unwrap();
        assert!(started.success());
        tmux
    }

    fn command(&self) -> std::process::Command {
        let mut command = std::process::Command::new("tmux");
        command.args(["-L", &self.socket, "-f", "/dev/null"]);
        command
    }

    fn screen(&self) -> String {
        let output = self.command().args(["capture-pane", "-p", "-J", "-t", "ask"]).output();
        String::from_utf8_lossy(&output.unwrap().stdout).into_owned()
    }

    /// Waits up to 30 s for the screen to show `text`; the screen.
    fn wait_for(&self, text: &str) -> String {
        for _ in 0..300 {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("the screen never showed {text:?}:\n{}", self.screen());
    }

    fn keys(&self, keys: &[&str]) {
        assert!(
            self.command().args(["send-keys", "-t", "ask"]).args(keys).status().unwrap().success()
        );
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").status();
    }
}

/// On a terminal, a conversation the query put in the SSH knowledge base says so, and its plan
/// is a bash script.
#[test]
fn on_a_terminal_an_ssh_conversation_writes_a_bash_plan() {
    if !tmux_present() {
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let tmux = Tmux::start(scratch.path(), "ask 'Permission denied (publickey)'");
    let screen = tmux.wait_for("Several symptoms match. Which one do you see?");
    assert!(screen.starts_with(SSH_BY_QUERY), "{screen}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Esc stops asking");
    tmux.keys(&["Escape"]);
    tmux.wait_for("What next?");
    tmux.keys(&["Down"]);
    tmux.wait_for("> Write the repair plan (a bash script) to a file");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Write to: triage-plan-ssh_permission_denied_publickey.sh");
    tmux.keys(&["Enter"]);
    tmux.wait_for("It is a dry run unless given --apply:");
    tmux.wait_for("bash triage-plan-ssh_permission_denied_publickey.sh [--apply]");
    tmux.wait_for("What next?");
    tmux.keys(&["Escape"]);
    tmux.wait_for("[exit status 0]");
    let plan = std::fs::read_to_string(
        scratch.path().join("triage-plan-ssh_permission_denied_publickey.sh"),
    )
    .unwrap();
    assert!(plan.starts_with("#!/usr/bin/env bash\n# Repair plan for: USER@HOST"), "{plan}");
}

/// On an 80 × 30 terminal the first question's long list of messages pages instead of pushing
/// the question and the ranking off the screen, and no option wraps onto a second line.
#[test]
fn on_an_80_by_30_terminal_the_question_and_the_ranking_stay_visible() {
    if !tmux_present() {
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let tmux = Tmux::start_sized(scratch.path(), "ask", (80, 30));
    tmux.wait_for("Esc stops asking · Ctrl-C quits");
    // Without -J: a line tmux wrapped shows as two rows, as on the screen.
    let output = tmux.command().args(["capture-pane", "-p", "-t", "ask"]).output().unwrap();
    let screen = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(screen.contains("Likely causes now:"), "the ranking scrolled away:\n{screen}");
    assert!(screen.contains("Question 1 · "), "the question scrolled away:\n{screen}");
    assert!(screen.contains("? Which message do you see?"), "{screen}");
    let options: Vec<&str> = screen
        .lines()
        .skip_while(|l| !l.starts_with("? Which message"))
        .skip(1)
        .take_while(|l| !l.starts_with('['))
        .collect();
    assert!(options.len() >= 5, "a page of options: {options:?}");
    for option in &options {
        assert!(
            option.starts_with("> ") || option.starts_with("  ") || option.starts_with("v "),
            "every row is one option (none wrapped): {option:?}\n{screen}"
        );
    }
    // More messages than fit: the list pages (its last row marks that more follow).
    assert!(options.last().is_some_and(|l| l.starts_with("v ")), "{options:?}");
    tmux.keys(&["C-c"]);
}
