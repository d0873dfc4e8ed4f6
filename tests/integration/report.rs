//! `triage report`: batch results in, the fleet report out (JSON, Markdown, HTML) and every
//! host in a CSV beside it.

use super::support::{root, triage};
use std::path::{Path, PathBuf};

/// The facts of the RDP knowledge base's cases, one JSON object per line, each with a host.
fn case_facts() -> Vec<String> {
    let dir = root().join("knowledge/rdp/cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    let mut kb = triage_rules::load_paths(&[root().join("knowledge/rdp")]);
    let model = kb.model.take().unwrap();
    let mut lines = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for case in triage_engine::cases::parse(&file.display().to_string(), &text, &model).unwrap()
        {
            let mut facts = case.facts.clone();
            facts.as_object_mut().unwrap().insert("host".into(), case.id.clone().into());
            lines.push(facts.to_string());
        }
    }
    lines
}

/// `triage batch` over `input` (JSON Lines), with extra arguments.
fn batch(input: &str, extra: &[&str]) -> String {
    let output = triage().args(["batch", "-"]).args(extra).write_stdin(input).output().unwrap();
    String::from_utf8(output.stdout).unwrap()
}

fn report_json(dir: &Path, args: &[&str], stdin: Option<&str>) -> (i32, serde_json::Value) {
    let out = dir.join("report.json");
    let mut cmd = triage();
    cmd.arg("report").args(args).arg("-o").arg(&out);
    if let Some(stdin) = stdin {
        cmd.write_stdin(stdin.to_string());
    }
    let output = cmd.output().unwrap();
    let code = output.status.code().unwrap();
    let text = std::fs::read_to_string(&out)
        .unwrap_or_else(|_| panic!("no report: {}", String::from_utf8_lossy(&output.stderr)));
    (code, serde_json::from_str(&text).unwrap())
}

#[test]
fn batch_then_report_round_trip_counts_every_host_and_writes_the_hosts_csv() {
    let facts = case_facts();
    let input = facts.join("\n") + "\n";
    let results = batch(&input, &[]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.jsonl");
    std::fs::write(&path, &results).unwrap();
    let (code, json) = report_json(dir.path(), &[path.to_str().unwrap()], None);
    assert_eq!(code, 0);
    let hosts = facts.len() as u64;
    assert_eq!(json["hosts"], hosts);
    assert_eq!(json["diagnosed"], hosts);
    assert_eq!(json["failed"], 0);
    assert_eq!(json["knowledge_base"], "rdp");
    let confident = json["confident"].as_u64().unwrap();
    let ambiguous = json["ambiguous"].as_u64().unwrap();
    assert_eq!(confident + ambiguous + json["no_symptom"].as_u64().unwrap(), hosts);
    // Per cause: every diagnosed host has one leading cause (or the unlisted one).
    let causes = json["causes"].as_array().unwrap();
    let led: u64 = causes.iter().map(|c| c["hosts"].as_u64().unwrap()).sum();
    assert_eq!(led + json["unlisted"]["hosts"].as_u64().unwrap(), confident + ambiguous);
    for cause in causes {
        assert!(cause["cause"].is_string() && cause["confident"].is_u64(), "{cause}");
        assert!(cause["listed_hosts"].as_array().unwrap().len() <= 20);
    }
    // The next fact is one the ambiguous hosts were asked, with its measure and collector.
    let next = &json["next_fact"];
    assert!(next["bits"].as_f64().unwrap() > 0.0, "{next}");
    assert!(next["hosts"].as_u64().unwrap() <= ambiguous);
    assert!(json["next_fact_measure"].as_str().unwrap().contains("entropy"));
    let asked = results
        .lines()
        .filter(|l| l.contains(&format!("\"fact\":\"{}\"", next["fact"].as_str().unwrap())))
        .count();
    assert_eq!(next["hosts"].as_u64().unwrap() as usize, asked);
    // Its collect command runs and writes a script that gathers it.
    let command = next["collect"]["command"].as_str().expect("the fact has a collector");
    let mut words: Vec<String> = command.split_whitespace().skip(1).map(str::to_string).collect();
    let at = words.iter().position(|w| w == "-o").unwrap();
    words[at + 1] = dir.path().join("collect.script").display().to_string();
    triage().args(&words).assert().success();
    let script = std::fs::read_to_string(dir.path().join("collect.script")).unwrap();
    assert!(script.contains(next["fact"].as_str().unwrap()), "{command}");
    // The rollout is by hosts per hour, every step with its risk field and a cost.
    let rollout = json["rollout"].as_array().unwrap();
    assert!(!rollout.is_empty());
    let rates: Vec<f64> = rollout.iter().map(|s| s["hosts_per_hour"].as_f64().unwrap()).collect();
    assert!(rates.windows(2).all(|w| w[0] >= w[1] - 1e-9), "{rates:?}");
    assert!(rollout.iter().all(|s| s["cost_seconds"].as_f64().unwrap() >= 1.0));
    assert!(json["rollout_basis"].as_str().unwrap().contains("lower bound"));
    // Every diagnosed host is in the CSV beside the report, read back with a CSV reader.
    assert_eq!(json["hosts_csv"], "report-hosts.csv");
    let mut csv = csv::Reader::from_path(dir.path().join("report-hosts.csv")).unwrap();
    assert_eq!(
        csv.headers().unwrap(),
        vec!["host", "symptom", "leading_cause", "probability", "confident", "record"]
    );
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert_eq!(rows.len() as u64, confident + ambiguous);
    let sure = rows.iter().filter(|r| &r[4] == "yes").count() as u64;
    assert_eq!(sure, confident);
    assert!(rows.iter().all(|r| r[3].parse::<f64>().is_ok_and(|p| (0.0..=1.0).contains(&p))));
}

#[test]
fn several_files_stdin_and_a_folder_of_part_files_are_one_fleet() {
    let facts = case_facts();
    let (a, b) = facts.split_at(facts.len() / 2);
    let first = batch(&(a.join("\n") + "\n"), &[]);
    let second = batch(&(b.join("\n") + "\n"), &["--detail", "full"]);
    let dir = tempfile::tempdir().unwrap();
    let parts = dir.path().join("out");
    std::fs::create_dir(&parts).unwrap();
    std::fs::write(parts.join("part-00000"), &first).unwrap();
    std::fs::write(parts.join("_SUCCESS"), "").unwrap();
    std::fs::write(parts.join(".part-00000.crc"), "binary").unwrap();
    let (code, json) = report_json(dir.path(), &[parts.to_str().unwrap(), "-"], Some(&second));
    assert_eq!(code, 0);
    assert_eq!(json["hosts"], facts.len() as u64);
    assert_eq!(json["records"]["summary"], a.len() as u64);
    assert_eq!(json["records"]["full"], b.len() as u64);
    let sources: Vec<&str> =
        json["sources"].as_array().unwrap().iter().map(|s| s["path"].as_str().unwrap()).collect();
    assert_eq!(sources.len(), 2);
    assert!(sources[0].ends_with("part-00000") && sources[1] == "-", "{sources:?}");
    assert!(json["rollout_basis"].as_str().unwrap().contains("complete ranking of full records"));
    // The same hosts read in one summary file give the same per-cause counts of summaries.
    let notes = json["notes"].as_array().unwrap();
    assert!(notes.iter().any(|n| n.as_str().unwrap().contains("full records")), "{notes:?}");
}

#[test]
fn broken_lines_are_failed_with_reasons_counts_and_where() {
    let good = batch("{\"error_code\": \"0x904\", \"host\": \"pc1\"}\n", &[]);
    let bad_facts = batch(
        "{\"error_code\": \"0x904\", \"client_os\": \"amiga\"}\n{\"error_code\": \"0x904\", \"client_os\": \"beos\"}\n",
        &[],
    );
    let input = format!("{good}{bad_facts}{{\"host\": \"cut\", \"symp\nnot json at all\n\n");
    let dir = tempfile::tempdir().unwrap();
    let (code, json) = report_json(dir.path(), &["-"], Some(&input));
    assert_eq!(code, 1, "lines that are not batch records: exit 1");
    assert_eq!((json["hosts"].as_u64(), json["diagnosed"].as_u64()), (Some(5), Some(1)));
    assert_eq!(json["failed"], 4);
    let failures = json["failures"].as_array().unwrap();
    let first = &failures[0];
    assert_eq!(first["count"], 2, "{failures:#?}");
    assert!(first["reason"].as_str().unwrap().starts_with("`client_os`: expected one of"));
    assert_eq!(first["examples"], serde_json::json!(["-:2", "-:3"]));
    let reasons: Vec<&str> = failures.iter().map(|f| f["reason"].as_str().unwrap()).collect();
    assert!(reasons.contains(&"not a batch record: the JSON is cut off"), "{reasons:?}");
    assert!(reasons.contains(&"not a batch record: not JSON"), "{reasons:?}");
}

#[test]
fn the_json_document_has_the_documented_fields_and_matches_its_schema() {
    let results = batch(
        "{\"error_code\": \"0x904\", \"host\": \"pc1\"}\n{\"error_code\": \"0x204\", \"host\": \"pc2\"}\n",
        &[],
    );
    let output = triage().args(["report", "-", "--format", "json"]).write_stdin(results).output();
    let output = output.unwrap();
    assert!(output.status.success());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    for field in ["hosts", "diagnosed", "failed", "causes", "next_fact", "rollout", "headline"] {
        assert!(json.get(field).is_some(), "no `{field}` in {json:#}");
    }
    assert!(json["hosts_csv"].is_null(), "no -o, no --hosts: no CSV");
    let schema = triage().args(["report", "--schema"]).output().unwrap();
    let schema: serde_json::Value = serde_json::from_slice(&schema.stdout).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let problems: Vec<String> = validator.iter_errors(&json).map(|e| e.to_string()).collect();
    assert!(problems.is_empty(), "{problems:#?}");
    // The document of docs/fleet-report.md names every top-level field the schema has.
    let doc = std::fs::read_to_string(root().join("docs/fleet-report.md")).unwrap();
    for field in schema["properties"].as_object().unwrap().keys() {
        assert!(doc.contains(&format!("`{field}`")), "docs/fleet-report.md lacks `{field}`");
    }
}

#[test]
fn hostile_host_names_stay_text_in_html_and_markdown_and_inert_in_the_csv() {
    let hostile = "<script>alert(1)</script>";
    let input = format!(
        "{{\"error_code\": \"0x904\", \"host\": \"{hostile}\"}}\n{{\"error_code\": \"0x904\", \"host\": \"=HYPERLINK(1)\"}}\n"
    );
    let results = batch(&input, &[]);
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("fleet.html");
    triage().args(["report", "-", "-o"]).arg(&page).write_stdin(results.clone()).assert().success();
    let html = scraper::Html::parse_document(&std::fs::read_to_string(&page).unwrap());
    let scripts = scraper::Selector::parse("script").unwrap();
    // One script: the page's own sorting code; the host name is text in the lists.
    assert_eq!(html.select(&scripts).count(), 1);
    let items = scraper::Selector::parse("ul.hosts li").unwrap();
    let names: Vec<String> = html.select(&items).map(|li| li.text().collect()).collect();
    assert!(names.iter().any(|n| n == hostile), "{names:?}");
    let mut csv = csv::Reader::from_path(dir.path().join("fleet-hosts.csv")).unwrap();
    let hosts: Vec<String> = csv.records().map(|r| r.unwrap()[0].to_string()).collect();
    assert!(hosts.contains(&"'=HYPERLINK(1)".to_string()), "{hosts:?}");
    assert!(hosts.contains(&hostile.to_string()));
    let md = triage().args(["report", "-"]).write_stdin(results).output().unwrap();
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{md}");
    assert!(!md.contains(hostile));
}

#[test]
fn report_usage_errors_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let assert = triage().arg("report").arg(dir.path()).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("holds no result files"), "{stderr}");
    triage().args(["report", "/definitely/not/here.jsonl"]).assert().code(2);
}
