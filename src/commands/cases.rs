//! `triage test`: run a knowledge base's test cases and report passes, failures with the
//! ranking, top-3 hits and coverage.

use super::{Outcome, UsageError, emit, load_valid};
use crate::cli::TestArgs;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use triage_engine::Engine;
use triage_engine::cases::{self, Case, CaseResult};

/// The case files to run: `--cases`, else `KB/cases/` for a `--kb` folder, else the embedded ones.
fn case_files(kb: Option<&Path>, args: &TestArgs) -> Result<Vec<(String, String)>, UsageError> {
    let mut roots: Vec<PathBuf> = args.cases.clone();
    if roots.is_empty() {
        match kb {
            Some(kb) if kb.is_dir() => roots.push(kb.join("cases")),
            Some(kb) => {
                return Err(UsageError::Usage(format!(
                    "`{}` is a file: pass --cases FILE_OR_DIR with the case files to run",
                    kb.display()
                )));
            }
            None => {
                return Ok(crate::embedded::default_cases()
                    .into_iter()
                    .map(|(name, text)| (name, text.to_string()))
                    .collect());
            }
        }
    }
    let mut files = Vec::new();
    for root in roots {
        let mut found: Vec<PathBuf> = if root.is_dir() {
            std::fs::read_dir(&root)?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
                .collect()
        } else {
            vec![root.clone()]
        };
        found.sort();
        for path in found {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| UsageError::Usage(format!("cannot read `{}`: {e}", path.display())))?;
            files.push((path.display().to_string(), text));
        }
    }
    Ok(files)
}

pub fn test(kb: Option<PathBuf>, args: &TestArgs) -> Outcome {
    let files = case_files(kb.as_deref(), args)?;
    let (_, model) = match load_valid(kb) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let engine = Engine::new(model);
    if files.is_empty() {
        return Err(UsageError::Usage("no case files found".into()));
    }
    let mut out = String::new();
    let mut all: Vec<Case> = Vec::new();
    let mut results: Vec<CaseResult> = Vec::new();
    let mut invalid = 0;
    for (name, text) in &files {
        let parsed = match cases::parse(name, text, engine.model()) {
            Ok(parsed) => parsed,
            Err(e) => {
                let _ = writeln!(out, "INVALID {e}");
                invalid += 1;
                continue;
            }
        };
        for case in &parsed {
            match cases::run(&engine, name, case) {
                Ok(result) => {
                    describe(&mut out, &result);
                    results.push(result);
                }
                Err(e) => {
                    let _ = writeln!(out, "INVALID {e}");
                    invalid += 1;
                }
            }
        }
        all.extend(parsed);
    }
    let passed = results.iter().filter(|r| r.passed).count();
    let top3 = results.iter().filter(|r| r.top3_hit).count();
    let acceptable: usize = results.iter().map(|r| r.acceptable_in_top3).sum();
    let coverage = cases::coverage(&engine, &all);
    let _ = writeln!(out, "\ncoverage: not exercised by any case:");
    let list =
        |names: &[String]| if names.is_empty() { "none".to_string() } else { names.join(", ") };
    let _ = writeln!(out, "  causes ({}): {}", coverage.causes.len(), list(&coverage.causes));
    let _ = writeln!(
        out,
        "  findings that hold in no case ({}): {}",
        coverage.findings.len(),
        list(&coverage.findings)
    );
    let _ = writeln!(out, "  fixes ({}): {}", coverage.fixes.len(), list(&coverage.fixes));
    let _ = writeln!(
        out,
        "\n{} cases: {passed} passed, {} failed, {invalid} invalid; expected cause in the top 3: {top3}/{}; acceptable causes in the top 3: {acceptable}",
        results.len() + invalid,
        results.len() - passed,
        results.len()
    );
    emit(&out)?;
    Ok(if passed == results.len() && invalid == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn describe(out: &mut String, result: &CaseResult) {
    let top = result.ranking.first();
    let shown = |(name, p): &(String, f64)| format!("{name} {:.0}%", p * 100.0);
    if result.passed {
        let what = top.map_or_else(|| "no symptom".to_string(), shown);
        let _ = writeln!(out, "PASS {} {what}", result.id);
        return;
    }
    let expected = result.expected.as_deref().unwrap_or("null (no known cause leads)");
    let _ = writeln!(out, "FAIL {} expected {expected}", result.id);
    if let Some(story) = &result.story {
        let _ = writeln!(out, "     story: {story}");
    }
    match &result.symptom {
        None => {
            let _ = writeln!(out, "     the facts match no symptom");
        }
        Some(symptom) => {
            let _ = writeln!(out, "     symptom {symptom}; ranking:");
            for (i, entry) in result.ranking.iter().take(5).enumerate() {
                let mark = if result.expected.as_deref() == Some(entry.0.as_str()) {
                    "  <- expected"
                } else {
                    ""
                };
                let _ = writeln!(out, "       {}. {}{mark}", i + 1, shown(entry));
            }
            if let Some(expected) = &result.expected
                && let Some(rank) = result.ranking.iter().position(|(n, _)| n == expected)
                && rank >= 5
            {
                let _ = writeln!(out, "       … {expected} is number {}", rank + 1);
            }
            let _ = writeln!(out, "       unlisted cause {:.0}%", result.unlisted * 100.0);
        }
    }
}
