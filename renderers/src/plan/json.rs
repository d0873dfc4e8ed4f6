//! The plan as JSON for orchestrators: the same steps as the scripts (with every shell's
//! scripts), the facts they receive as environment variables, the ranking, and the engine's
//! observe–repair decision tree. [`schema`] is its JSON Schema (draft 2020-12), derived from
//! the same types, so the two cannot drift apart.

use super::{RepairPlan, script};
use schemars::JsonSchema;
use serde::Serialize;
use triage_engine::report::{PlanReport, RepairReport};
use triage_rules::ast::Shell;
use triage_rules::model::ScriptDef;

/// The version of this JSON shape; raised when a field changes meaning or goes away.
pub const FORMAT_VERSION: u32 = 1;

/// A repair plan for one symptom.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(title = "triage repair plan")]
pub struct JsonPlan {
    /// The version of this shape (1).
    pub format_version: u32,
    pub symptom: JsonSymptom,
    /// `host` of the fact file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// `collected_at` of the fact file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<String>,
    /// Environment variables to set for every script: the facts of the fact file.
    pub environment: Vec<JsonVariable>,
    /// Expected seconds to resolution if the steps are tried in order.
    pub expected_seconds: f64,
    /// Chance that one of the steps fixes the problem.
    pub coverage: f64,
    /// The fixes in the order to try them.
    pub steps: Vec<JsonStep>,
    /// Fixes of the symptom's causes left out: the facts rule those causes out or make them so
    /// unlikely that escalating is quicker than trying them.
    pub left_out: Vec<String>,
    /// The ranking the plan comes from.
    pub causes: Vec<JsonCause>,
    /// The observe–repair decision tree: questions worth asking before repairing.
    pub decision_tree: JsonTree,
    /// How to read the exit codes of `check` and `verify` scripts.
    pub conventions: JsonConventions,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct JsonSymptom {
    pub name: String,
    pub title: String,
    /// Scripts that exit 0 while the symptom is still there.
    pub check: JsonScripts,
}

/// One script per shell; absent when the knowledge base has none for that shell.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct JsonScripts {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub powershell: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bash: Option<String>,
}

impl JsonScripts {
    fn of(scripts: &[ScriptDef]) -> Self {
        JsonScripts {
            powershell: script(scripts, Shell::Powershell).map(str::to_string),
            bash: script(scripts, Shell::Bash).map(str::to_string),
        }
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct JsonVariable {
    /// `TRIAGE_TARGET`.
    pub name: String,
    /// The fact file key it comes from.
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct JsonStep {
    /// 1, 2, …: the order to try the fixes in.
    pub number: usize,
    pub fix: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Posterior mass of the causes this fix repairs.
    pub probability: f64,
    /// Chance the fix works when its cause is the culprit.
    pub success: f64,
    pub cost_seconds: f64,
    /// Chance the problem is still there when this step starts.
    pub reached: f64,
    /// `low`, `medium` or `high`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk: Option<String>,
    /// `admin`, `server`, `client`, `reboot`, `domain_admin`, `network_admin`, `user`.
    pub needs: Vec<String>,
    /// The machine it runs on, `server` or `client` (by its needs); absent when it says
    /// neither (a step a person takes anywhere).
    #[serde(rename = "where", skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Instructions for a person (Markdown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manual_steps: Option<String>,
    pub run: JsonScripts,
    /// Scripts that exit 0 when the fix took.
    pub verify: JsonScripts,
    /// Scripts that roll the fix back; run when run or verify fails.
    pub undo: JsonScripts,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct JsonCause {
    pub cause: String,
    pub title: String,
    pub posterior: f64,
    pub ruled_out: bool,
}

/// A node of the decision tree.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JsonTree {
    /// Find out a fact first, then follow the branch of the answer.
    Ask {
        fact: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        ask: Option<String>,
        cost_seconds: f64,
        expected_seconds: f64,
        branches: Vec<JsonBranch>,
    },
    /// Apply these fixes in this order.
    Repair { expected_seconds: f64, coverage: f64, fixes: Vec<JsonTreeStep> },
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct JsonBranch {
    pub answer: String,
    pub probability: f64,
    pub plan: JsonTree,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct JsonTreeStep {
    pub fix: String,
    pub probability: f64,
    pub cost_seconds: f64,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct JsonConventions {
    pub check: String,
    pub verify: String,
    pub environment: String,
}

fn tree(report: &PlanReport) -> JsonTree {
    match report {
        PlanReport::Ask { fact, ask, cost_seconds, expected_seconds, branches, .. } => {
            JsonTree::Ask {
                fact: fact.clone(),
                ask: ask.clone(),
                cost_seconds: *cost_seconds,
                expected_seconds: *expected_seconds,
                branches: branches
                    .iter()
                    .map(|b| JsonBranch {
                        answer: b.answer.clone(),
                        probability: b.probability,
                        plan: tree(&b.plan),
                    })
                    .collect(),
            }
        }
        PlanReport::Repair(repair) => repair_tree(repair),
    }
}

fn repair_tree(repair: &RepairReport) -> JsonTree {
    JsonTree::Repair {
        expected_seconds: repair.expected_seconds,
        coverage: repair.coverage,
        fixes: repair
            .steps
            .iter()
            .map(|s| JsonTreeStep {
                fix: s.fix.clone(),
                probability: s.probability,
                cost_seconds: s.cost_seconds,
            })
            .collect(),
    }
}

/// The plan as data.
#[must_use]
pub fn plan(plan: &RepairPlan<'_>) -> JsonPlan {
    let repair = plan.report.repair.clone().unwrap_or(RepairReport {
        expected_seconds: 0.0,
        coverage: 0.0,
        steps: Vec::new(),
    });
    JsonPlan {
        format_version: FORMAT_VERSION,
        symptom: JsonSymptom {
            name: plan.symptom.name.clone(),
            title: plan.symptom.title.clone(),
            check: JsonScripts::of(&plan.symptom.checks),
        },
        host: plan.host.clone(),
        collected_at: plan.collected_at.clone(),
        environment: plan
            .variables
            .iter()
            .map(|v| JsonVariable {
                name: v.name.clone(),
                key: v.key.clone(),
                value: v.value.clone(),
            })
            .collect(),
        expected_seconds: repair.expected_seconds,
        coverage: repair.coverage,
        steps: plan
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| JsonStep {
                number: i + 1,
                fix: s.fix.name.clone(),
                title: s.fix.title.clone(),
                description: s.fix.description.clone(),
                probability: s.figures.probability,
                success: s.figures.success,
                cost_seconds: s.figures.cost_seconds,
                reached: s.figures.reached,
                risk: s.fix.risk.map(|r| r.keyword().to_string()),
                needs: s.fix.needs.iter().map(|n| n.keyword().to_string()).collect(),
                place: super::fix_place(s.fix).map(|p| p.keyword().to_string()),
                manual_steps: s.fix.steps.clone(),
                run: JsonScripts::of(&s.fix.run),
                verify: JsonScripts::of(&s.fix.verify),
                undo: JsonScripts::of(&s.fix.undo),
            })
            .collect(),
        left_out: plan.left_out.iter().map(|f| f.name.clone()).collect(),
        causes: plan
            .report
            .causes
            .iter()
            .map(|c| JsonCause {
                cause: c.cause.clone(),
                title: c.title.clone(),
                posterior: c.posterior,
                ruled_out: c.ruled_out,
            })
            .collect(),
        decision_tree: plan.report.plan.as_ref().map_or_else(|| repair_tree(&repair), tree),
        conventions: JsonConventions {
            check: "exit 0: the symptom is still there; 1: it is gone; any other code: cannot tell"
                .into(),
            verify:
                "exit 0: the fix took; anything else (or a terminating error): it failed, run undo"
                    .into(),
            environment:
                "set every `environment` variable for every script; values are untrusted text"
                    .into(),
        },
    }
}

/// The plan as pretty-printed JSON, with a final newline.
#[must_use]
pub fn render(repair_plan: &RepairPlan<'_>) -> String {
    let mut text = serde_json::to_string_pretty(&plan(repair_plan)).unwrap_or_default();
    text.push('\n');
    text
}

/// The JSON Schema of [`JsonPlan`].
#[must_use]
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(JsonPlan)).unwrap_or_default()
}
