//! `triage test`: run a knowledge base's test cases and report passes, failures with the
//! ranking, top-3 hits and coverage.

use super::{Outcome, UsageError, emit, load_valid};
use crate::cli::{OutputFormat, TestArgs};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use triage_engine::Engine;
use triage_engine::cases::{self, Case, CaseResult, Interview};
use triage_engine::wizard::WizardSettings;

/// The case files to run: `--cases`, else `KB/cases/` for a `--kb` folder, else the embedded ones.
fn case_files(kb: Option<&Path>, args: &TestArgs) -> Result<Vec<(String, String)>, UsageError> {
    let mut roots: Vec<PathBuf> = args.cases.clone();
    if roots.is_empty() {
        match super::knowledge(kb) {
            super::Knowledge::Embedded(name) => {
                return Ok(crate::embedded::cases(name)
                    .into_iter()
                    .map(|(name, text)| (name, text.to_string()))
                    .collect());
            }
            super::Knowledge::Path(kb) if kb.is_dir() => roots.push(kb.join("cases")),
            super::Knowledge::Path(kb) => {
                return Err(UsageError::Usage(format!(
                    "`{}` is a file: pass --cases FILE_OR_DIR with the case files to run",
                    kb.display()
                )));
            }
        }
    }
    let mut files = Vec::new();
    for root in roots {
        let mut found: Vec<PathBuf> = if root.is_dir() {
            std::fs::read_dir(&root)
                .map_err(|e| UsageError::Usage(format!("cannot read `{}`: {e}", root.display())))?
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
    // The knowledge base first: a --kb that cannot be read is said as such, not as missing cases.
    let folder = kb.clone();
    let (_, model) = match load_valid(kb) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let files = case_files(folder.as_deref(), args)?;
    let engine = Engine::new(model);
    if files.is_empty() {
        return Err(UsageError::Usage("no case files found".into()));
    }
    let mut out = String::new();
    let mut all: Vec<Case> = Vec::new();
    let mut results: Vec<(CaseResult, Option<Interview>)> = Vec::new();
    let mut invalid: Vec<String> = Vec::new();
    for (name, text) in &files {
        let parsed = match cases::parse(name, text, engine.model()) {
            Ok(parsed) => parsed,
            Err(e) => {
                let _ = writeln!(out, "INVALID {e}");
                invalid.push(e.to_string());
                continue;
            }
        };
        for case in &parsed {
            let outcome = cases::run(&engine, name, case).and_then(|result| {
                let interview = if args.interview {
                    Some(cases::interview(&engine, name, case, WizardSettings::default())?)
                } else {
                    None
                };
                Ok((result, interview))
            });
            match outcome {
                Ok((result, interview)) => {
                    describe(&mut out, &result);
                    if let Some(interview) = &interview {
                        describe_interview(&mut out, interview);
                    }
                    results.push((result, interview));
                }
                Err(e) => {
                    let _ = writeln!(out, "INVALID {e}");
                    invalid.push(e.to_string());
                }
            }
        }
        all.extend(parsed);
    }
    let summary = Summary::of(&results, invalid.len());
    let coverage = cases::coverage(&engine, &all);
    let ok = summary.passed == summary.cases && invalid.is_empty();
    if args.format == OutputFormat::Json {
        let document = serde_json::json!({
            "summary": summary.json(&results),
            "cases": results.iter().map(|(r, i)| case_json(r, i.as_ref())).collect::<Vec<_>>(),
            "invalid": invalid,
            "coverage": {
                "causes": coverage.causes,
                "findings": coverage.findings,
                "fixes": coverage.fixes,
            },
        });
        let text = serde_json::to_string_pretty(&document)
            .map_err(|e| UsageError::Usage(e.to_string()))?;
        super::emit_exact(&format!("{text}\n"))?;
        return Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE });
    }
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
    summary.text(&mut out, &results);
    emit(&out)?;
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The counts a test run reports.
struct Summary {
    cases: usize,
    passed: usize,
    top3: usize,
    unlisted_led: usize,
    acceptable: usize,
    invalid: usize,
}

impl Summary {
    fn of(results: &[(CaseResult, Option<Interview>)], invalid: usize) -> Summary {
        let count = |f: &dyn Fn(&CaseResult) -> bool| results.iter().filter(|(r, _)| f(r)).count();
        Summary {
            cases: results.len(),
            passed: count(&|r| r.passed),
            top3: count(&|r| r.top3_hit),
            unlisted_led: count(&|r| r.unlisted_led),
            acceptable: results.iter().map(|(r, _)| r.acceptable_in_top3).sum(),
            invalid,
        }
    }

    /// The tags of the cases, each with its cases, passes and top-3 hits.
    fn by_tag(
        results: &[(CaseResult, Option<Interview>)],
    ) -> BTreeMap<&str, (usize, usize, usize)> {
        let mut tags: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
        for (r, _) in results {
            for tag in &r.tags {
                let entry = tags.entry(tag.as_str()).or_default();
                entry.0 += 1;
                entry.1 += usize::from(r.passed);
                entry.2 += usize::from(r.top3_hit);
            }
        }
        tags
    }

    fn json(&self, results: &[(CaseResult, Option<Interview>)]) -> serde_json::Value {
        let by_tag: serde_json::Map<String, serde_json::Value> = Summary::by_tag(results)
            .into_iter()
            .map(|(tag, (cases, passed, top3))| {
                (
                    tag.to_string(),
                    serde_json::json!({ "cases": cases, "passed": passed, "top3": top3 }),
                )
            })
            .collect();
        serde_json::json!({
            "cases": self.cases,
            "passed": self.passed,
            "failed": self.cases - self.passed,
            "invalid": self.invalid,
            "top3": self.top3,
            "unlisted_led": self.unlisted_led,
            "acceptable_in_top3": self.acceptable,
            "by_tag": by_tag,
            "interview": InterviewSummary::of(results).map(|i| serde_json::json!({
                "cases": i.cases,
                "median_questions": i.median,
                "p90_questions": i.p90,
                "top1_at_stop": i.top1,
                "passing_with_all_facts": i.passing,
                "top1_at_stop_of_passing": i.top1_of_passing,
                "stops": i.stops,
            })),
        })
    }

    fn text(&self, out: &mut String, results: &[(CaseResult, Option<Interview>)]) {
        let total = self.cases + self.invalid;
        let _ = writeln!(
            out,
            "\n{total} cases: {} passed, {} failed, {} invalid; expected cause in the top 3: {} of {}; the unlisted cause led: {} of {}; acceptable causes in the top 3: {} of {}",
            self.passed,
            self.cases - self.passed,
            self.invalid,
            self.top3,
            self.cases,
            self.unlisted_led,
            self.cases,
            self.acceptable,
            3 * self.cases,
        );
        for (tag, (cases, passed, top3)) in Summary::by_tag(results) {
            let _ = writeln!(
                out,
                "  tagged {tag}: {passed} of {cases} passed, {top3} of {cases} in the top 3"
            );
        }
        if let Some(i) = InterviewSummary::of(results) {
            let _ = writeln!(
                out,
                "interview: median {} questions, p90 {}; top-1 at stop {} of {}; of the {} cases that pass with all their facts, {} are top-1 at stop",
                i.median, i.p90, i.top1, i.cases, i.passing, i.top1_of_passing
            );
            let stops: Vec<String> = i
                .stops
                .iter()
                .map(|(reason, n)| format!("{} {n}", reason.replace('_', " ")))
                .collect();
            let _ = writeln!(out, "  stopped: {}", stops.join(", "));
        }
    }
}

/// What the simulated conversations add up to.
struct InterviewSummary {
    cases: usize,
    median: usize,
    p90: usize,
    top1: usize,
    /// Cases that pass with all their facts, and how many of them are top-1 at the stop.
    passing: usize,
    top1_of_passing: usize,
    /// How many interviews stopped for each reason ([`Interview::stop_reason`]), by name.
    stops: std::collections::BTreeMap<&'static str, usize>,
}

impl InterviewSummary {
    fn of(results: &[(CaseResult, Option<Interview>)]) -> Option<InterviewSummary> {
        let interviews: Vec<(&CaseResult, &Interview)> =
            results.iter().filter_map(|(r, i)| Some((r, i.as_ref()?))).collect();
        if interviews.is_empty() {
            return None;
        }
        let mut counts: Vec<usize> = interviews.iter().map(|(_, i)| i.questions.len()).collect();
        counts.sort_unstable();
        // Nearest-rank percentiles: the smallest count at least that share of cases reach.
        let rank = |q: f64| {
            #[allow(clippy::cast_precision_loss, clippy::cast_sign_loss)]
            let k = ((q * counts.len() as f64).ceil() as usize).clamp(1, counts.len());
            counts[k - 1]
        };
        let passing: Vec<&(&CaseResult, &Interview)> =
            interviews.iter().filter(|(r, _)| r.passed).collect();
        Some(InterviewSummary {
            cases: interviews.len(),
            median: rank(0.5),
            p90: rank(0.9),
            top1: interviews.iter().filter(|(_, i)| i.passed).count(),
            passing: passing.len(),
            top1_of_passing: passing.iter().filter(|(_, i)| i.passed).count(),
            stops: interviews.iter().fold(
                std::collections::BTreeMap::new(),
                |mut stops, (_, i)| {
                    *stops.entry(i.stop_reason).or_insert(0) += 1;
                    stops
                },
            ),
        })
    }
}

fn case_json(result: &CaseResult, interview: Option<&Interview>) -> serde_json::Value {
    serde_json::json!({
        "id": result.id,
        "file": result.file,
        "pass": result.passed,
        "expected": result.expected,
        "rank": result.rank,
        "top3": result.top3_hit,
        "top": result.ranking.iter().take(5).map(|(cause, p)| serde_json::json!({ "cause": cause, "probability": p })).collect::<Vec<_>>(),
        "unlisted": result.unlisted,
        "unlisted_led": result.unlisted_led,
        "symptom": result.symptom,
        "mixture": result.mixture,
        "tags": result.tags,
        "source": result.source,
        "questions": interview.map(|i| i.questions.len()),
        "interview": interview.map(|i| serde_json::json!({
            "asked": i.questions,
            "answered": i.answered,
            "stop": i.stop,
            "stop_reason": i.stop_reason,
            "pass": i.passed,
            "rank": i.rank,
            "top": i.top,
        })),
    })
}

fn describe_interview(out: &mut String, interview: &Interview) {
    let outcome = if interview.passed { "top-1" } else { "not top-1" };
    let _ = writeln!(
        out,
        "     interview: {} questions ({} answered): {}; stopped: {}; {outcome} at stop",
        interview.questions.len(),
        interview.answered,
        if interview.questions.is_empty() {
            "none".to_string()
        } else {
            interview.questions.join(", ")
        },
        interview.stop
    );
}

fn describe(out: &mut String, result: &CaseResult) {
    let top = result.ranking.first();
    let shown = |(name, p): &(String, f64)| format!("{name} {:.0}%", p * 100.0);
    if result.passed {
        let what = if result.unlisted_led {
            "no known cause leads (the unlisted cause is first)".to_string()
        } else {
            top.map_or_else(|| "no symptom".to_string(), shown)
        };
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
