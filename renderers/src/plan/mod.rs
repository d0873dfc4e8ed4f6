//! Executable repair plans: the engine's repair order for one diagnosed symptom, rendered as
//! a PowerShell or bash script that applies it, or as JSON for orchestrators.
//!
//! [`RepairPlan::new`] picks the symptom (the first the facts match, or the one asked for),
//! takes the fixes in the engine's cheapest-expected-cost order (`repair_sequence`: fixes
//! whose causes the facts rule out are not in it) and the fact values the scripts receive.
//! [`powershell`], [`bash`] and [`json`] only render that; they decide nothing.
//!
//! What every script does (the contract the tests hold them to):
//! - dry run unless `-Apply` / `--apply`: it prints the check and each fix's scripts and
//!   changes nothing, not even a transcript file;
//! - with `-Apply`: runs the symptom's `check` first (exit 0: still there, 1: gone, other:
//!   cannot tell) and stops at once when the symptom is gone; then for each fix in order:
//!   run, verify, undo when run or verify failed, re-check the symptom, stop when it is gone;
//! - a fix without a script for the shell prints its manual steps and is skipped (with
//!   `-Interactive` the operator can do it by hand and have the symptom re-checked);
//! - each script of the knowledge base runs in its own scope (a child PowerShell process, a
//!   bash subshell), so it cannot change the plan's variables and its `exit` ends only itself;
//! - fact values reach the scripts as `TRIAGE_<FACT>` environment variables (plus
//!   `TRIAGE_HOST`, `TRIAGE_COLLECTED_AT`), set from quoted literals made by [`quote`] only;
//! - every step is logged with a UTC timestamp to a transcript (`-Log` / `--log`);
//! - the exit codes are [`EXIT_CODES`].
//!
//! - with a [`PlanRecording`] (`triage plan --record DIR`), a run with `-Apply` / `--apply`
//!   appends one outcome record (`triage-outcome/1`) to `DIR` when it ends: the part known
//!   when the plan was made (knowledge base, facts, ranking) is a JSON text fixed here and
//!   embedded as one quoted literal; the record's id, its time and the result of each fix the
//!   run reached are added by the script.
//!
//! When no fix of the plan has a script for the chosen shell there is nothing to automate:
//! rendering fails with [`PlanError::NothingToAutomate`] rather than produce a script that can
//! only print instructions (`triage guide` is for people).

pub mod bash;
pub mod json;
pub mod powershell;
pub mod quote;

use crate::preamble::{GivenParameter, ParameterValue};
use std::fmt::Write as _;
use triage_engine::report::{Report, ReportOptions, StepReport, SymptomReport};
use triage_engine::{Engine, FactSet, FactValue};
use triage_rules::ast::{Need, Place, Shell};
use triage_rules::diagnostic::did_you_mean;
use triage_rules::model::{FactType, FixDef, Model, ScriptDef, ScriptKind, SymptomDef};

/// The exit codes of every generated plan script, as documented in its help.
pub const EXIT_CODES: [(u8, &str); 8] = [
    (0, "the symptom is gone (fixed, or already gone before any fix); a dry run always exits 0"),
    (2, "bad arguments to the script (bash; PowerShell reports them itself)"),
    (
        3,
        "a fix needs administrator rights and the plan does not have them (bash; PowerShell refuses to start through #Requires -RunAsAdministrator)",
    ),
    (10, "nothing worked: every fix that could be applied was, and the symptom is still there"),
    (
        20,
        "the symptom is still there and at least one fix failed (its run or verify step) and was undone",
    ),
    (30, "an undo step failed: the plan stopped at once and the system may be half-changed"),
    (
        40,
        "a fix took but the symptom could not be re-checked (no check script, or it could not tell): confirm by hand",
    ),
    (
        60,
        "a fix took that needs a restart: restart the machine, then run the plan again (it checks the symptom first)",
    ),
];

/// Exit code when the operator stops an interactive plan.
pub const EXIT_STOPPED: u8 = 50;

/// The exit codes as text lines for help texts: `  0  the symptom is gone …`.
#[must_use]
pub fn exit_code_lines() -> Vec<String> {
    let mut lines: Vec<String> =
        EXIT_CODES.iter().map(|(code, meaning)| format!("{code:>3}  {meaning}")).collect();
    lines.push(format!("{EXIT_STOPPED:>3}  stopped by the operator (interactive mode)"));
    lines
}

/// Why no plan could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("unknown symptom `{name}`; {hint}")]
    UnknownSymptom { name: String, hint: String },
    #[error(
        "the facts rule out every symptom of the knowledge base (are two of them contradictory?): check them, or name a symptom with --symptom"
    )]
    NoSymptom,
    #[error(
        "no fix can be tried for `{symptom}`: the knowledge base lists none for the causes the facts leave possible"
    )]
    NoFixes { symptom: String },
    #[error(
        "nothing to automate: no fix of the plan for `{symptom}` has a {shell} `run` script (fixes: {fixes}); choose another --shell, or use the manual steps"
    )]
    NothingToAutomate { symptom: String, shell: &'static str, fixes: String },
    #[error("`{key}` cannot be put into a {shell} script: {problem}")]
    Unquotable { key: String, shell: &'static str, problem: quote::NulInValue },
    #[error(
        "no fix for `{symptom}` runs on the {place}: they run on the {other} ({fixes}); use --where {other}"
    )]
    NothingHere { symptom: String, place: &'static str, other: &'static str, fixes: String },
    #[error(transparent)]
    Preamble(#[from] crate::preamble::PreambleError),
    #[error("the script's parameters could not be rendered: {0}")]
    Template(String),
}

/// What a plan is made for: the machine it runs on and the parameters given to `triage`.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// The side it runs on (`--where`): only that side's fixes are in it. `None`: the side of
    /// the first fix in the repair order that names one.
    pub place: Option<Place>,
    /// `--param NAME=VALUE`.
    pub parameters: Vec<GivenParameter>,
    /// Keep the fixes of both sides when no place is given (a JSON plan, which an
    /// orchestrator runs on each machine by the steps' `where`).
    pub every_side: bool,
}

/// The side a fix runs on: the server or the client by its `needs`, `None` when it says
/// neither (a step a person takes anywhere).
#[must_use]
pub fn fix_place(fix: &FixDef) -> Option<Place> {
    if fix.needs.contains(&Need::Server) {
        Some(Place::Server)
    } else if fix.needs.contains(&Need::Client) {
        Some(Place::Client)
    } else {
        None
    }
}

/// One fact value handed to the scripts as an environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanVariable {
    /// `TRIAGE_TARGET`.
    pub name: String,
    /// The fact file key it comes from (`target`, `host`, `collected_at`).
    pub key: String,
    /// The value as text: decimal ints, `true`/`false`, enum names, set members joined by `,`.
    pub value: String,
}

/// One fix of the plan, in order.
#[derive(Debug, Clone)]
pub struct PlanStep<'m> {
    pub fix: &'m FixDef,
    /// The engine's figures for this step: probability, success, cost, reached.
    pub figures: StepReport,
}

impl PlanStep<'_> {
    /// The fix's `run` script for a shell.
    #[must_use]
    pub fn run(&self, shell: Shell) -> Option<&str> {
        script(&self.fix.run, shell)
    }
    #[must_use]
    pub fn verify(&self, shell: Shell) -> Option<&str> {
        script(&self.fix.verify, shell)
    }
    #[must_use]
    pub fn undo(&self, shell: Shell) -> Option<&str> {
        script(&self.fix.undo, shell)
    }
}

/// The script of `shell` among `scripts`.
#[must_use]
pub fn script(scripts: &[ScriptDef], shell: Shell) -> Option<&str> {
    scripts.iter().find(|s| s.shell == shell).map(|s| s.code.as_str())
}

/// What a plan script does, for one symptom and one fact set.
#[derive(Debug, Clone)]
pub struct RepairPlan<'m> {
    pub model: &'m Model,
    pub symptom: &'m SymptomDef,
    pub host: Option<String>,
    pub collected_at: Option<String>,
    pub variables: Vec<PlanVariable>,
    pub steps: Vec<PlanStep<'m>>,
    /// Fixes of the symptom's causes that are not in the plan: the facts rule their causes
    /// out, or leave them so unlikely that escalating is quicker (see `repair_sequence`).
    pub left_out: Vec<&'m FixDef>,
    /// The diagnosis of the symptom: ranking, repair order and decision tree.
    pub report: SymptomReport,
    /// The side the plan runs on: `--where`, else the side of the first fix that names one.
    pub place: Option<Place>,
    /// Fixes of the repair order that run on the other side, left to that side's plan.
    pub elsewhere: Vec<&'m FixDef>,
    /// The knowledge base's parameters the plan's scripts read, with their values.
    pub parameters: Vec<ParameterValue<'m>>,
    /// Outcome recording: `None` (the default) writes nothing.
    pub recording: Option<PlanRecording>,
}

/// What a plan run with `-Apply` / `--apply` records (`triage plan --record DIR`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRecording {
    /// The folder the run appends to (`triage-outcomes-YYYY-MM-DD.jsonl`, UTC date); a
    /// relative one is relative to where the script runs.
    pub dir: String,
    /// The members of the record known when the plan is made, as JSON object members without
    /// the braces (`"format":…,"tool":"plan",…`): one line, never changed by the script.
    pub fixed: String,
}

/// The members the script adds to a record: [`PlanRecording::new`] refuses them.
pub const RUN_TIME_MEMBERS: [&str; 4] = ["id", "recorded_at", "fixes", "confirmed_cause"];

impl PlanRecording {
    /// The recording of `fixed` (a record without its run-time members, see
    /// [`RUN_TIME_MEMBERS`]) into `dir`.
    pub fn new(
        dir: impl Into<String>,
        fixed: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<PlanRecording, PlanError> {
        if let Some(member) = RUN_TIME_MEMBERS.iter().find(|m| fixed.contains_key(**m)) {
            return Err(PlanError::Template(format!(
                "the fixed part of a record cannot hold `{member}`: the script adds it"
            )));
        }
        // Compact JSON: control characters are escaped, so the text is one line.
        let object =
            serde_json::to_string(fixed).map_err(|e| PlanError::Template(e.to_string()))?;
        let members = object.strip_prefix('{').and_then(|o| o.strip_suffix('}')).unwrap_or("");
        Ok(PlanRecording { dir: dir.into(), fixed: members.to_string() })
    }
}

/// A runner text with its recording lines: those that start with `#@record ` are kept (without
/// the marker) when the plan records, dropped when it does not, so a plan without recording
/// is exactly the plan it was before recording existed.
pub(crate) fn with_recording(text: &str, recording: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        match line.strip_prefix("#@record ") {
            Some(kept) if recording => out.push_str(kept),
            Some(_) => {}
            None => out.push_str(line),
        }
    }
    out
}

impl<'m> RepairPlan<'m> {
    /// The fixes left out and why, as one line for a script's header; `None` when none are.
    #[must_use]
    pub fn left_out_line(&self) -> Option<String> {
        if self.left_out.is_empty() {
            return None;
        }
        let names: Vec<&str> = self.left_out.iter().map(|f| f.name.as_str()).collect();
        Some(format!(
            "Left out (the facts rule their causes out, or they help less per minute than \
             escalating): {}",
            names.join(", ")
        ))
    }

    /// Diagnoses `facts` and plans the repair of `symptom` (by name), or of the first symptom
    /// the facts match.
    pub fn new(
        engine: &'m Engine,
        facts: &FactSet,
        symptom: Option<&str>,
    ) -> Result<RepairPlan<'m>, PlanError> {
        RepairPlan::new_with(engine, facts, symptom, &PlanOptions::default())
    }

    /// Like [`RepairPlan::new`], for one side and with parameters given to `triage`.
    pub fn new_with(
        engine: &'m Engine,
        facts: &FactSet,
        symptom: Option<&str>,
        options: &PlanOptions,
    ) -> Result<RepairPlan<'m>, PlanError> {
        let model = engine.model();
        let mut facts = facts.clone();
        if let Some(name) = symptom {
            let id = model.symptom_id(name).ok_or_else(|| {
                let names: Vec<&str> = model.symptoms.iter().map(|s| s.name.as_str()).collect();
                let hint = did_you_mean(name, names.iter().copied()).map_or_else(
                    || format!("the symptoms are: {}", names.join(", ")),
                    |c| format!("did you mean `{c}`?"),
                );
                PlanError::UnknownSymptom { name: name.to_string(), hint }
            })?;
            facts.symptom = Some(id);
        }
        let diagnosis = engine.diagnose(&facts);
        let report = Report::new(engine, &facts, &diagnosis, ReportOptions::FULL);
        let wanted = symptom.map(str::to_string);
        let chosen = report
            .symptoms
            .into_iter()
            .find(|s| wanted.as_ref().is_none_or(|w| *w == s.symptom))
            .ok_or(PlanError::NoSymptom)?;
        let symptom_id = model.symptom_id(&chosen.symptom).ok_or(PlanError::NoSymptom)?;
        let symptom = model.symptom(symptom_id);
        let steps: Vec<PlanStep<'m>> = chosen
            .repair
            .iter()
            .flat_map(|r| r.steps.iter())
            .filter_map(|s| {
                model.fix_id(&s.fix).map(|id| PlanStep { fix: model.fix(id), figures: s.clone() })
            })
            .collect();
        if steps.is_empty() {
            return Err(PlanError::NoFixes { symptom: symptom.name.clone() });
        }
        let (steps, elsewhere, place) = if options.every_side && options.place.is_none() {
            (steps, Vec::new(), None)
        } else {
            split_by_place(steps, options.place, &symptom.name)?
        };
        let parameters =
            crate::preamble::parameter_values(model, place, &options.parameters, Some(&facts))?;
        let mut left_out: Vec<&FixDef> = Vec::new();
        for (cause, _) in &symptom.causes {
            for &fix in &model.cause(*cause).fixes {
                let def = model.fix(fix);
                let planned = steps.iter().any(|s| s.fix.name == def.name)
                    || elsewhere.iter().any(|f| f.name == def.name);
                if !planned && !left_out.iter().any(|f| f.name == def.name) {
                    left_out.push(def);
                }
            }
        }
        Ok(RepairPlan {
            model,
            symptom,
            host: facts.host.clone(),
            collected_at: facts.collected_at.clone(),
            variables: variables(model, &facts),
            steps,
            left_out,
            report: chosen,
            place,
            elsewhere,
            parameters,
            recording: None,
        })
    }

    /// The preamble of the plan's script in `shell`: parameters and plan preludes.
    pub fn preamble(&self, shell: Shell) -> Result<String, PlanError> {
        crate::preamble::render(shell, self.model, ScriptKind::Plan, self.place, &self.parameters)
            .map_err(|e| PlanError::Template(e.to_string()))
    }

    /// The fixes left to the other side's plan, as one line for a script's header.
    #[must_use]
    pub fn elsewhere_line(&self) -> Option<String> {
        let place = self.place?;
        if self.elsewhere.is_empty() {
            return None;
        }
        let other = other_side(place);
        let names: Vec<&str> = self.elsewhere.iter().map(|f| f.name.as_str()).collect();
        Some(format!(
            "Left to the {other}'s plan (triage plan --where {other}): {}",
            names.join(", ")
        ))
    }

    /// Whether any fix of the plan needs administrator rights where it runs.
    #[must_use]
    pub fn needs_admin(&self) -> bool {
        self.steps.iter().any(|s| s.fix.needs.contains(&Need::Admin))
    }

    /// Fails when no fix has a `run` script for `shell`.
    pub fn automatable(&self, shell: Shell) -> Result<(), PlanError> {
        if self.steps.iter().any(|s| s.run(shell).is_some()) {
            return Ok(());
        }
        Err(PlanError::NothingToAutomate {
            symptom: self.symptom.name.clone(),
            shell: shell.keyword(),
            fixes: self.steps.iter().map(|s| s.fix.name.as_str()).collect::<Vec<_>>().join(", "),
        })
    }

    /// The symptom's `check` script for a shell.
    #[must_use]
    pub fn check(&self, shell: Shell) -> Option<&'m str> {
        script(&self.symptom.checks, shell)
    }

    /// Quotes every variable's value with `quote`, naming the key that cannot be quoted.
    fn quoted_variables(
        &self,
        shell: Shell,
        quote: fn(&str) -> Result<String, quote::NulInValue>,
    ) -> Result<Vec<(&str, String)>, PlanError> {
        self.variables
            .iter()
            .map(|v| {
                quote(&v.value).map(|q| (v.name.as_str(), q)).map_err(|problem| {
                    PlanError::Unquotable { key: v.key.clone(), shell: shell.keyword(), problem }
                })
            })
            .collect()
    }
}

fn other_side(place: Place) -> &'static str {
    if place == Place::Server { "client" } else { "server" }
}

/// The steps a plan runs, the fixes left to the other side, and the side it runs on.
type Split<'m> = (Vec<PlanStep<'m>>, Vec<&'m FixDef>, Option<Place>);

/// The steps for `place` (without one: the side of the first fix that names a side), the
/// fixes of the other side, and the side chosen. A script runs on one machine: fixes of the
/// other are left to that machine's plan.
fn split_by_place<'m>(
    steps: Vec<PlanStep<'m>>,
    place: Option<Place>,
    symptom: &str,
) -> Result<Split<'m>, PlanError> {
    let asked = place;
    let Some(place) = place.or_else(|| steps.iter().find_map(|s| fix_place(s.fix))) else {
        return Ok((steps, Vec::new(), None));
    };
    let (here, there): (Vec<PlanStep<'m>>, Vec<PlanStep<'m>>) =
        steps.into_iter().partition(|s| fix_place(s.fix).is_none_or(|p| p == place));
    if asked.is_some() && !here.iter().any(|s| fix_place(s.fix) == Some(place)) && !there.is_empty()
    {
        let other = other_side(place);
        return Err(PlanError::NothingHere {
            symptom: symptom.to_string(),
            place: if place == Place::Server { "server" } else { "client" },
            other,
            fixes: there.iter().map(|s| s.fix.name.as_str()).collect::<Vec<_>>().join(", "),
        });
    }
    Ok((here, there.into_iter().map(|s| s.fix).collect(), Some(place)))
}

/// The environment variable name of a fact: `TRIAGE_` and the name in capitals.
#[must_use]
pub fn variable_name(key: &str) -> String {
    let upper: String = key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' })
        .collect();
    format!("TRIAGE_{upper}")
}

/// The known facts of the file, plus `host` and `collected_at`, as text for the scripts.
fn variables(model: &Model, facts: &FactSet) -> Vec<PlanVariable> {
    let mut out = Vec::new();
    for (key, value) in [("host", &facts.host), ("collected_at", &facts.collected_at)] {
        if let Some(value) = value {
            out.push(PlanVariable {
                name: variable_name(key),
                key: key.to_string(),
                value: value.clone(),
            });
        }
    }
    for (def, value) in model.facts.iter().zip(&facts.values) {
        let Some(value) = value else { continue };
        out.push(PlanVariable {
            name: variable_name(&def.name),
            key: def.name.clone(),
            value: value_text(value, &def.ty),
        });
    }
    out
}

/// A fact value as scripts receive it: decimal ints, `true`/`false`, enum names, set members
/// joined by `,`.
pub(crate) fn value_text(value: &FactValue, ty: &FactType) -> String {
    match value.to_json(ty) {
        serde_json::Value::String(s) => s,
        serde_json::Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    }
}

/// `2m`, `1h 30m`, `45s`: a duration for people.
pub(crate) fn duration(seconds: f64) -> String {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // rounded, clamped ≥ 0
    let total = seconds.max(0.0).round() as u64;
    let (h, m, s) = (total / 3600, total % 3600 / 60, total % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h}h"));
    }
    if m > 0 {
        parts.push(format!("{m}m"));
    }
    if s > 0 || parts.is_empty() {
        parts.push(format!("{s}s"));
    }
    parts.join(" ")
}

/// `1. Restart the web service (restart_service) - 2m, 41% that its cause is to blame`: one line
/// per fix for the scripts' help, with what the fix needs and whether it can be automated.
pub(crate) fn summary_lines(plan: &RepairPlan<'_>, shell: Shell) -> Vec<String> {
    let mut lines = Vec::new();
    for (i, step) in plan.steps.iter().enumerate() {
        let mut line = format!(
            "{}. {} ({}) - {}, {} that its cause is to blame",
            i + 1,
            quote::comment(&step.fix.title),
            step.fix.name,
            duration(step.figures.cost_seconds),
            percent(step.figures.probability)
        );
        if !step.fix.needs.is_empty() {
            let needs: Vec<&str> = step.fix.needs.iter().map(|n| n.keyword()).collect();
            let _ = write!(line, "; needs {}", needs.join(", "));
        }
        if step.run(shell).is_none() {
            line.push_str("; manual only");
        }
        lines.push(line);
    }
    lines
}

/// `41%`, `<1%`: a probability for the scripts' help.
fn percent(probability: f64) -> String {
    if probability > 0.0 && probability < 0.005 {
        "<1%".into()
    } else {
        format!("{:.0}%", probability * 100.0)
    }
}
