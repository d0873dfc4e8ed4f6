//! What every generated bash script starts with: the knowledge base's parameters (environment
//! variables with their defaults, values given to `triage`, or values from the fact file) and
//! its preludes (helper functions written once).
//!
//! Rendered by a tera instance whose escape function is bash quoting ([`quote::bash`]): every
//! value in the template is one quoted word unless the template marks it `safe`, and only
//! parameter names (checked to be `[A-Z_][A-Z0-9_]*`), comments made by [`quote::comment`] and
//! the knowledge base's own prelude code are.

use crate::plan::quote;
use serde::Serialize;
use std::sync::OnceLock;
use triage_engine::FactSet;
use triage_rules::ast::{Place, Shell};
use triage_rules::diagnostic::did_you_mean;
use triage_rules::model::{Model, ParameterDef, ScriptKind};

const BASH: &str = include_str!("../templates/scripts/preamble.bash");
const POWERSHELL: &str = include_str!("../templates/scripts/preamble.ps1");

/// A parameter value given on the command line (`--param NAME=VALUE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GivenParameter {
    pub name: String,
    pub value: String,
}

impl GivenParameter {
    /// Reads `NAME=VALUE`.
    pub fn parse(text: &str) -> Result<GivenParameter, String> {
        let Some((name, value)) = text.split_once('=') else {
            return Err(format!("`{text}` is not NAME=VALUE"));
        };
        Ok(GivenParameter { name: name.trim().to_string(), value: value.to_string() })
    }
}

/// Where a parameter's value in a script comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// `--param NAME=VALUE`.
    Given,
    /// The fact named by its `from`, in the fact file.
    Fact,
    /// Its `default`.
    Default,
    /// None: the parameter is required and the script stops when the environment lacks it.
    Required,
}

/// One parameter as a script receives it.
#[derive(Debug, Clone, Serialize)]
pub struct ParameterValue<'m> {
    #[serde(skip)]
    pub def: &'m ParameterDef,
    pub name: &'m str,
    /// The value used when the environment does not set the variable.
    pub value: Option<String>,
    pub origin: Origin,
}

/// Problems with what a script's preamble is made of.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PreambleError {
    #[error("`--param {name}`: the knowledge base has no such parameter; {hint}")]
    UnknownParameter { name: String, hint: String },
    #[error("the value of parameter `{name}` cannot be put in a script: {problem}")]
    Unquotable { name: String, problem: quote::NulInValue },
}

/// The parameters a script generated for `place` (every side when `None`) reads, with their
/// values: given on the command line, else the fact file's (`from`), else the default.
pub fn parameter_values<'m>(
    model: &'m Model,
    place: Option<Place>,
    given: &[GivenParameter],
    facts: Option<&FactSet>,
) -> Result<Vec<ParameterValue<'m>>, PreambleError> {
    for g in given {
        if !model.parameters.iter().any(|p| p.name == g.name) {
            let names: Vec<&str> = model.parameters.iter().map(|p| p.name.as_str()).collect();
            let hint = match did_you_mean(&g.name, names.iter().copied()) {
                Some(close) => format!("did you mean `{close}`?"),
                None if names.is_empty() => "it declares no parameters".to_string(),
                None => format!("its parameters are: {}", names.join(", ")),
            };
            return Err(PreambleError::UnknownParameter { name: g.name.clone(), hint });
        }
    }
    let mut out = Vec::new();
    for def in model.parameters.iter().filter(|p| p.read_at(place)) {
        let from_fact = def.from.and_then(|fact| {
            let value = facts?.values.get(fact.index())?.as_ref()?;
            Some(crate::plan::value_text(value, &model.fact(fact).ty))
        });
        let (value, origin) = if let Some(g) = given.iter().rev().find(|g| g.name == def.name) {
            (Some(g.value.clone()), Origin::Given)
        } else if let Some(value) = from_fact {
            (Some(value), Origin::Fact)
        } else if let Some(value) = &def.default {
            (Some(value.clone()), Origin::Default)
        } else {
            (None, Origin::Required)
        };
        if let Some(value) = &value {
            // Both shells refuse the same text (NUL), so one check serves both.
            quote::bash(value)
                .map_err(|problem| PreambleError::Unquotable { name: def.name.clone(), problem })?;
        }
        out.push(ParameterValue { def, name: &def.name, value, origin });
    }
    Ok(out)
}

#[derive(Serialize)]
struct TemplateParameter<'a> {
    name: &'a str,
    title_comment: String,
    value: String,
    required: bool,
    origin: Origin,
    missing: String,
}

#[derive(Serialize)]
struct TemplatePrelude<'a> {
    name: &'a str,
    title_comment: String,
    code: &'a str,
}

/// The tera instance of a shell: its escape function is that shell's quoting.
fn templates(shell: Shell) -> &'static tera::Tera {
    static BASH_TERA: OnceLock<tera::Tera> = OnceLock::new();
    static POWERSHELL_TERA: OnceLock<tera::Tera> = OnceLock::new();
    let (cell, name, text) = match shell {
        Shell::Bash => (&BASH_TERA, "preamble.bash", BASH),
        Shell::Powershell => (&POWERSHELL_TERA, "preamble.ps1", POWERSHELL),
    };
    cell.get_or_init(|| {
        let mut tera = tera::Tera::default();
        tera.autoescape_on(vec![".bash", ".ps1"]);
        // Values are checked for NUL before rendering (parameter_values), so quoting cannot
        // fail here; were one to slip through, the NUL is dropped rather than end the string.
        tera.set_escape_fn(match shell {
            Shell::Bash => |text: &str| escape(text, quote::bash),
            Shell::Powershell => |text: &str| escape(text, quote::powershell),
        });
        // The template is part of the binary: were it not to parse, rendering would fail
        // with "template not found", which every test that renders a script would show.
        let _ = tera.add_raw_template(name, text);
        tera
    })
}

fn escape(text: &str, quote: fn(&str) -> Result<String, quote::NulInValue>) -> String {
    quote(text).unwrap_or_else(|_| quote(&text.replace('\0', "")).unwrap_or_default())
}

/// The preamble of a `shell` script of `kind` for `place`: parameters, then (bash) the
/// preludes' code, in the knowledge base's order. Empty when there is neither.
pub fn render(
    shell: Shell,
    model: &Model,
    kind: ScriptKind,
    place: Option<Place>,
    parameters: &[ParameterValue<'_>],
) -> Result<String, tera::Error> {
    let preludes: Vec<TemplatePrelude<'_>> = model
        .preludes
        .iter()
        .filter_map(|p| {
            p.code_for(kind, shell, place).map(|code| TemplatePrelude {
                name: &p.name,
                title_comment: quote::comment(&p.title),
                code: code.trim_end(),
            })
        })
        .collect();
    if parameters.is_empty() && preludes.is_empty() {
        return Ok(String::new());
    }
    let parameters: Vec<TemplateParameter<'_>> = parameters
        .iter()
        .map(|p| TemplateParameter {
            name: p.name,
            title_comment: quote::comment(&p.def.title),
            value: p.value.clone().unwrap_or_default(),
            required: p.value.is_none(),
            origin: p.origin,
            missing: format!(
                "{} is not set ({}): set it in the environment, or pass --param {}=VALUE to triage",
                p.name, p.def.title, p.name
            ),
        })
        .collect();
    let mut context = tera::Context::new();
    context.insert("parameters", &parameters);
    context.insert("preludes", &preludes);
    let name = match shell {
        Shell::Bash => "preamble.bash",
        Shell::Powershell => "preamble.ps1",
    };
    templates(shell).render(name, &context)
}

/// The names of the parameters that a script stops without (no default, no value).
#[must_use]
pub fn required<'a>(parameters: &'a [ParameterValue<'_>]) -> Vec<&'a str> {
    parameters.iter().filter(|p| p.value.is_none()).map(|p| p.name).collect()
}
