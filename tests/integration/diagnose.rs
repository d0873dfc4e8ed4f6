//! `diagnose`, `batch` and `schema` on the example knowledge base, including hostile fact files.

use assert_cmd::Command;
use predicates::prelude::*;
use std::fmt::Write as _;
use std::path::PathBuf;

fn kb() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/commands/init")
}

fn triage() -> Command {
    let mut cmd = Command::cargo_bin("triage").unwrap();
    cmd.env_remove("TRIAGE_KB").env("NO_COLOR", "1").arg("--kb").arg(kb());
    cmd
}

fn json_of(output: &[u8]) -> serde_json::Value {
    serde_json::from_slice(output)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(output)))
}

#[test]
fn diagnose_ranks_the_cause_the_facts_point_to() {
    let output = triage()
        .args(["diagnose", "-", "--format", "json"])
        .write_stdin(r#"{"http_status": 503, "disk_free_ratio": 0.01}"#)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report = json_of(&output);
    let symptom = &report["symptoms"][0];
    assert_eq!(symptom["symptom"], "site_unavailable");
    assert_eq!(symptom["causes"][0]["cause"], "disk_full");
    assert!(symptom["causes"][0]["posterior"].as_f64().unwrap() > 0.9);
    assert_eq!(report["derived"]["disk_nearly_full"], true);
    let evidence = symptom["causes"][0]["evidence"].as_array().unwrap();
    assert!(evidence.iter().any(|e| {
        e["explanation"].as_str().unwrap().contains("HTTP status code the browser shows: 503")
    }));
    assert_eq!(symptom["repair"]["steps"][0]["fix"], "free_disk_space");
    assert!(symptom["next_questions"].as_array().is_some_and(|q| !q.is_empty()));
}

#[test]
fn diagnose_text_explains_and_orders_repairs() {
    triage()
        .args([
            "diagnose",
            "--fact",
            "http_status=0x1f6",
            "--fact",
            "service_running=false",
            "--explain",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("99%  The web service is stopped")
                .and(predicate::str::contains(
                    "HTTP status code the browser shows: 502; usually seen with this cause",
                ))
                .and(predicate::str::contains("Repair order"))
                .and(predicate::str::contains("1.  Start the web service")),
        );
    triage()
        .args(["diagnose", "--fact", "http_status=502", "--fact", "service_running=true"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Ruled out").and(predicate::str::contains(
            "The web service is running: yes, which this cause never shows: ruled out",
        )));
}

#[test]
fn a_never_finding_that_holds_rules_the_cause_out() {
    let output = triage()
        .args(["diagnose", "-", "--format", "json"])
        .write_stdin(r#"{"http_status": 502, "service_running": true}"#)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report = json_of(&output);
    let causes = report["symptoms"][0]["causes"].as_array().unwrap();
    let stopped = causes.iter().find(|c| c["cause"] == "service_stopped").unwrap();
    assert_eq!(stopped["posterior"], 0.0);
    assert_eq!(stopped["ruled_out"], true);
    assert!(stopped["reason"].as_str().unwrap().contains("ruled out"));
}

#[test]
fn facts_that_rule_out_every_symptom_say_so_with_exit_3() {
    triage()
        .args(["diagnose", "--fact", "http_status=200"])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("the facts rule out every symptom"));
}

#[test]
fn thin_facts_that_match_no_symptom_exactly_still_rank_and_ask() {
    let output = triage()
        .args(["diagnose", "--fact", "last_change=app_deploy", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report = json_of(&output);
    let symptom = &report["symptoms"][0];
    assert_eq!(symptom["matched_by"], "mixture");
    assert!(
        symptom["message"]
            .as_str()
            .unwrap()
            .starts_with("no symptom matches exactly; most likely:"),
        "{report}"
    );
    assert_eq!(symptom["weights"][0]["symptom"], "site_unavailable");
    assert_eq!(symptom["causes"][0]["cause"], "bad_deploy", "{report}");
    // The question that tells the symptoms apart is a symptom question.
    assert!(!symptom["next_questions"].as_array().unwrap().is_empty(), "{report}");
}

#[test]
fn yaml_fact_files_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("facts.yaml");
    std::fs::write(&path, "http_status: 0x1f7\nlast_change: app_deploy\napp_version: \"2.4.1\"\n")
        .unwrap();
    let output = triage()
        .arg("diagnose")
        .arg(&path)
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(json_of(&output)["symptoms"][0]["causes"][0]["cause"], "bad_deploy");
}

#[test]
fn every_problem_in_a_fact_file_is_reported_at_once() {
    triage()
        .args(["diagnose", "-"])
        .write_stdin(r#"{"http_stauts": 503, "last_change": "reboot", "disk_free_ratio": "low", "http_status": [1], "http_status": 2}"#)
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("5 problems")
                .and(predicate::str::contains("`http_stauts`: expected a fact declared in the knowledge base, found an unknown key (did you mean `http_status`?)"))
                .and(predicate::str::contains("`last_change`: expected one of none_known, os_update, app_deploy, config_change, not_sure, found \"reboot\""))
                .and(predicate::str::contains("`disk_free_ratio`: expected a number, found \"low\""))
                .and(predicate::str::contains("`http_status`: expected a whole number"))
                .and(predicate::str::contains("a second value for the same key")),
        );
}

#[test]
fn hostile_fact_files_get_clear_errors() {
    // Deeply nested JSON.
    let nested = format!("{{\"http_status\": {}1{}}}", "[".repeat(100_000), "]".repeat(100_000));
    triage()
        .args(["diagnose", "-"])
        .write_stdin(nested)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("http_status"));
    // NaN is not JSON; in YAML it is rejected by name.
    triage()
        .args(["diagnose", "-"])
        .write_stdin("{\"disk_free_ratio\": NaN}")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not valid JSON"));
    // A 100 MB string value for a string fact.
    let mut huge = String::with_capacity(100_000_100);
    huge.push_str("{\"server_name\": \"");
    huge.push_str(&"x".repeat(100_000_000));
    huge.push_str("\"}");
    triage()
        .args(["diagnose", "-"])
        .write_stdin(huge)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("a string of 100000000 bytes (the limit is 65536)"));
    // Not an object at all, and not UTF-8.
    triage()
        .args(["diagnose", "-"])
        .write_stdin("[1, 2]")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not valid"));
    triage()
        .args(["diagnose", "-"])
        .write_stdin(vec![0xff, 0xfe])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not UTF-8"));
}

#[test]
fn batch_keeps_order_and_turns_bad_lines_into_error_records() {
    let mut input = String::new();
    for i in 0..600 {
        match i % 4 {
            0 => input.push_str("{\"http_status\": 503, \"disk_free_ratio\": 0.01}\n"),
            1 => input.push_str("{\"http_status\": 502, \"service_running\": false}\n"),
            2 => input.push_str("not json\n"),
            _ => {
                let _ = writeln!(
                    input,
                    "{{\"http_status\": \"0x1f7\", \"last_change\": \"app_deploy\", \"host\": \"h{i}\"}}"
                );
            }
        }
    }
    input.push('\n');
    let output = triage()
        .args(["batch", "-", "--jobs", "2"])
        .write_stdin(input)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 601);
    for (i, line) in lines.iter().enumerate() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        match i % 4 {
            _ if i == 600 => {
                assert_eq!(record["error"], "empty line: expected a JSON object of facts");
            }
            0 => assert_eq!(record["causes"][0]["cause"], "disk_full"),
            1 => assert_eq!(record["causes"][0]["cause"], "service_stopped"),
            2 => {
                assert_eq!(record["line"], i + 1);
                assert!(record["error"].as_str().unwrap().starts_with("not valid JSON"));
            }
            _ => assert_eq!(record["host"], format!("h{i}")),
        }
    }
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("601 lines, 450 diagnosed, 151 failed"), "{stderr}");
}

#[test]
fn batch_skips_an_over_long_line_keeps_a_bom_line_and_records_lenient_warnings() {
    let long = format!("{{\"http_status\": 503, \"host\": \"{}\"}}", "h".repeat(5_000));
    let input = format!(
        "\u{feff}{{\"http_status\": 503}}\n{long}\n{{\"http_status\": 502, \"colour\": \"red\"}}\n"
    );
    let output = triage()
        .args(["batch", "-", "--lenient", "--max-line-bytes", "1000"])
        .write_stdin(input)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let records: Vec<serde_json::Value> =
        stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), 3, "{stdout}");
    assert_eq!(
        records[0]["symptoms"][0]["symptom"], "site_unavailable",
        "a BOM is not part of the line"
    );
    assert_eq!(records[1]["line"], 2);
    assert_eq!(
        records[1]["error"],
        format!(
            "the line is {} bytes, over the limit of 1000 (--max-line-bytes): not read",
            long.len()
        )
    );
    let warnings = records[2]["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{}", records[2]);
    assert!(warnings[0].as_str().unwrap().starts_with("`colour`: expected a fact declared"));
}

#[test]
fn batch_summary_records_match_their_schema_and_say_what_to_do_next() {
    let schema =
        triage().args(["batch", "--schema"]).assert().success().get_output().stdout.clone();
    let schema: serde_json::Value = serde_json::from_slice(&schema).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    // The web-site fixture, whose 503 alone leaves three causes open.
    let bash_kb = || {
        let mut command = Command::cargo_bin("triage").unwrap();
        command
            .env_remove("TRIAGE_KB")
            .arg("--kb")
            .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("renderers/test_data/bash_kb"));
        command
    };
    let input = "{\"http_status\": 503, \"host\": \"web-1\"}\n{\"http_status\": 503, \"service_running\": false}\nnot json\n";
    let output =
        bash_kb().args(["batch", "-"]).write_stdin(input).assert().code(1).get_output().clone();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let records: Vec<serde_json::Value> =
        stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    for record in &records {
        let errors: Vec<String> = validator.iter_errors(record).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{record} does not match the schema: {errors:?}");
    }
    let first = &records[0];
    assert_eq!(first["host"], "web-1");
    assert_eq!(first["symptoms"][0]["symptom"], "site_down");
    assert_eq!(first["causes"].as_array().unwrap().len(), 3);
    assert!(first["next_question"]["fact"].is_string(), "{first}");
    assert!(first["first_fix"]["fix"].is_string(), "{first}");
    assert_eq!(records[1]["line"], 2, "no host: the line number says which");
    assert_eq!(records[2]["line"], 3);
    assert!(records[2]["error"].as_str().unwrap().starts_with("not valid JSON"));
    let full = bash_kb()
        .args(["batch", "-", "--detail", "full"])
        .write_stdin(input)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let full: serde_json::Value =
        serde_json::from_str(String::from_utf8(full).unwrap().lines().next().unwrap()).unwrap();
    assert!(full["symptoms"][0]["causes"].as_array().unwrap().len() > 3, "{full}");
}

#[test]
fn batch_csv_is_one_row_per_line_that_a_csv_reader_and_a_spreadsheet_read_safely() {
    let input = concat!(
        "{\"http_status\": 503, \"host\": \"=HYPERLINK(\\\"http://x\\\",\\\"a, b\\\")\"}\n",
        "{\"http_status\": 503, \"host\": \"@SUM(1)\\nsecond line\"}\n",
        "{\"http_status\": \"many\"}\n",
    );
    let output = triage()
        .args(["batch", "-", "--format", "csv"])
        .write_stdin(input)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let mut reader = csv::Reader::from_reader(output.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header[..4], ["host", "symptom", "cause_1", "p_1"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    for row in &rows {
        assert_eq!(row.len(), header.len());
        for cell in row {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "a formula cell: {cell:?}");
        }
    }
    assert_eq!(&rows[0][0], "'=HYPERLINK(\"http://x\",\"a, b\")");
    assert_eq!(&rows[1][0], "'@SUM(1)\nsecond line");
    assert_eq!(&rows[0][1], "site_unavailable");
    assert!(rows[0][3].parse::<f64>().is_ok());
    assert!(rows[2][11].contains("http_status"), "{:?}", &rows[2]);
    assert_eq!(&rows[2][12], "3");
}

#[test]
fn batch_without_kb_takes_the_embedded_knowledge_base_the_first_fact_set_fits() {
    let batch = |input: &str| {
        let output = Command::cargo_bin("triage")
            .unwrap()
            .env_remove("TRIAGE_KB")
            .args(["batch", "-"])
            .write_stdin(input.to_string())
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let stdout = String::from_utf8(output).unwrap();
        stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect::<Vec<serde_json::Value>>()
    };
    let ssh = batch(
        "{\"ssh_client_error\": \"connection_refused\", \"host\": \"a\"}\n{\"ssh_client_error\": \"connection_refused\"}\n",
    );
    assert_eq!(ssh.len(), 2, "the line read to choose is diagnosed too");
    assert_eq!(ssh[0]["symptoms"][0]["symptom"], "ssh_connection_refused");
    assert_eq!(ssh[1]["line"], 2);
    let rdp = batch("{\"error_code\": \"0x904\"}\n");
    assert_eq!(rdp[0]["symptoms"][0]["symptom"], "rdp_0x904_0x7");
    // A first line too long to read still gets its record; the rest is read as usual.
    let output = Command::cargo_bin("triage")
        .unwrap()
        .env_remove("TRIAGE_KB")
        .args(["batch", "-", "--max-line-bytes", "100"])
        .write_stdin(format!("\n{}\n{{\"error_code\": \"0x904\"}}\n", "x".repeat(500)))
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let records: Vec<serde_json::Value> = String::from_utf8(output)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 3);
    assert_eq!(records[1]["line"], 2);
    assert!(records[1]["error"].as_str().unwrap().starts_with("the line is 500 bytes"));
    assert_eq!(records[2]["symptoms"][0]["symptom"], "rdp_0x904_0x7");
}

#[test]
fn batch_of_valid_lines_exits_0_and_writes_the_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    triage()
        .args(["batch", "-", "-o"])
        .arg(&out)
        .write_stdin("{\"http_status\": 503}\n{\"http_status\": 502}\n")
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(out).unwrap().lines().count(), 2);
    let one = triage()
        .args(["batch", "-"])
        .write_stdin("{\"http_status\": 503}\n")
        .assert()
        .success()
        .get_output()
        .stderr
        .clone();
    let stderr = String::from_utf8(one).unwrap();
    assert!(stderr.starts_with("1 line, 1 diagnosed, 0 failed in "), "{stderr}");
}

#[test]
fn schema_describes_every_fact() {
    let output = triage().arg("schema").assert().success().get_output().stdout.clone();
    let schema = json_of(&output);
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(schema["additionalProperties"], false);
    let properties = schema["properties"].as_object().unwrap();
    assert_eq!(properties["service_running"]["type"], serde_json::json!(["boolean", "null"]));
    assert!(
        properties["last_change"]["enum"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("app_deploy"))
    );
    assert!(properties.contains_key("host"));
}

#[test]
fn a_question_that_saves_time_is_shown_with_its_branches() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kb.kb"),
        r#"fact code: int
fact server_cert_expired: bool {
  ask "On the server, is the Remote Desktop certificate past its expiry date?"
  cost 10s
}
symptom rdp { title "RDP fails" when code == 0x904 }
cause cert { title "Certificate" explains rdp: 0.45 when server_cert_expired : always }
cause firewall { title "Firewall" explains rdp: 0.45 when server_cert_expired : rarely }
fix renew { title "Renew" fixes cert cost 30m }
fix open_port { title "Open the port" fixes firewall cost 30m }
"#,
    )
    .unwrap();
    Command::cargo_bin("triage")
        .unwrap()
        .env("NO_COLOR", "1")
        .arg("--kb")
        .arg(dir.path())
        .args(["diagnose", "--fact", "code=0x904"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains(
                "Ask first: On the server, is the Remote Desktop certificate past its expiry date?",
            )
            .and(predicate::str::contains("Quicker with a question first").not()),
        );
    Command::cargo_bin("triage")
        .unwrap()
        .env("NO_COLOR", "1")
        .arg("--kb")
        .arg(dir.path())
        .args(["diagnose", "--fact", "code=0x904", "--tree"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Quicker with a question first")
                .and(predicate::str::contains(
                    "ask On the server, is the Remote Desktop certificate past its expiry date?",
                ))
                .and(predicate::str::contains("if yes"))
                .and(predicate::str::contains("fix renew"))
                .and(predicate::str::contains("fix open_port")),
        );
}

/// Fact files from two machines make one case; a fact they disagree on is an error naming it.
#[test]
fn several_fact_files_make_one_case_and_disagreements_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let client = dir.path().join("client.json");
    let server = dir.path().join("server.yaml");
    std::fs::write(&client, r#"{"host": "pc-07", "http_status": 503}"#).unwrap();
    std::fs::write(&server, "disk_free_ratio: 0.01\n").unwrap();
    let output = triage()
        .arg("diagnose")
        .arg(&client)
        .arg(&server)
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report = json_of(&output);
    assert_eq!(report["host"], "pc-07");
    assert_eq!(report["symptoms"][0]["causes"][0]["cause"], "disk_full", "{report:#}");
    let other = dir.path().join("other.json");
    std::fs::write(&other, r#"{"http_status": 502}"#).unwrap();
    triage()
        .arg("diagnose")
        .arg(&client)
        .arg(&other)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("`http_status` is 503 in one file and 502 in another"));
}

#[test]
fn a_yaml_fact_file_that_names_a_symptom_picks_its_knowledge_base() {
    let dir = tempfile::tempdir().unwrap();
    let facts = dir.path().join("facts.yaml");
    std::fs::write(&facts, "symptom: ssh_connection_refused\n").unwrap();
    let output = Command::cargo_bin("triage")
        .unwrap()
        .env_remove("TRIAGE_KB")
        .args(["diagnose", "--format", "json"])
        .arg(&facts)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(json_of(&output)["symptoms"][0]["symptom"], "ssh_connection_refused");
}

/// The commands a short diagnosis names under "What next", in backticks.
fn named_commands(text: &str, program: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|c| c.starts_with(program))
        .map(String::from)
        .collect()
}

/// What `triage ARGS` prints with the embedded knowledge bases, run from the repository root.
fn embedded_stdout(args: &[&str]) -> String {
    let output = Command::cargo_bin("triage")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("TRIAGE_KB")
        .env("NO_COLOR", "1")
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(output).unwrap()
}

#[test]
fn what_next_names_commands_that_run_as_printed_and_quote_what_the_facts_hold() {
    // Backticks delimit the commands in the output, so the hostile value holds none.
    let hostile = "x'; touch PWNED; echo $(touch PWNED2) \\ \"PWNED3\"";
    let assignment = format!("sshd_config_error={hostile}");
    let text = embedded_stdout(&["diagnose", "--kb", "ssh", "--fact", &assignment]);
    let ask = named_commands(&text, "triage ask");
    let plan = named_commands(&text, "triage plan");
    assert_eq!((ask.len(), plan.len()), (1, 1), "{text}");
    assert!(ask[0].starts_with("triage ask --kb ssh --fact "), "{}", ask[0]);
    // The value arrives whole, and nothing in it ran.
    let dir = tempfile::tempdir().unwrap();
    let ask_run = format!("{} --answers /dev/null --save saved.json", ask[0]);
    assert!(crate::support::pasted_into_bash(&ask_run, dir.path()), "{ask_run}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("saved.json")).unwrap())
            .unwrap();
    assert_eq!(saved["sshd_config_error"], hostile, "{saved}");
    let plan_run = format!("{} --shell bash -o plan.sh", plan[0]);
    assert!(crate::support::pasted_into_bash(&plan_run, dir.path()), "{plan_run}");
    assert!(dir.path().join("plan.sh").is_file());
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("PWNED"))
        .collect();
    assert!(left.is_empty(), "the value ran: {left:?}");
}

#[test]
fn what_next_gives_the_facts_as_they_were_given_a_file_flags_or_text() {
    let file = embedded_stdout(&["diagnose", "knowledge/rdp/examples/0x904.json"]);
    assert_eq!(
        named_commands(&file, "triage plan"),
        ["triage plan knowledge/rdp/examples/0x904.json"]
    );
    let flags = embedded_stdout(&[
        "diagnose",
        "--fact",
        "error_code=0x904",
        "--fact",
        "extended_error_code=0x7",
    ]);
    assert_eq!(
        named_commands(&flags, "triage plan"),
        ["triage plan --fact error_code=0x904 --fact extended_error_code=0x7"]
    );
    let text = embedded_stdout(&["diagnose", "--text", "knowledge/rdp/examples/0x904-dialog.txt"]);
    let plan = named_commands(&text, "triage plan");
    assert!(
        plan.len() == 1 && plan[0].contains("--fact error_code=0x904"),
        "what the text said, as flags: {plan:?}"
    );
}

#[test]
fn the_short_answer_counts_the_causes_of_other_symptoms_and_explain_lists_them() {
    let args = ["diagnose", "--fact", "error_code=0x904", "--fact", "extended_error_code=0x7"];
    let short = embedded_stdout(&args);
    let ruled_out =
        &short[short.find("Ruled out").expect(&short)..short.find("What next").unwrap()];
    assert!(
        ruled_out.contains("causes that belong to other symptoms (--explain lists them)"),
        "{ruled_out}"
    );
    assert!(!ruled_out.contains("Protocol error 0x112f"), "{ruled_out}");
    let full = embedded_stdout(&[&args[..], &["--explain"]].concat());
    assert!(
        full.contains("Protocol error 0x112f")
            && full.contains(
                "Error code shown by the Remote Desktop client: 0x904, which this cause never shows"
            ),
        "{full}"
    );
}
