//! The templates (embedded, autoescaped) and the small view pieces several pages share.
//!
//! Every string from the knowledge base or from a request reaches a template as plain text and
//! is escaped by tera. The only HTML inserted as is (`| safe`) is author Markdown that went
//! through [`triage_renderers::markdown`] (pulldown-cmark, then ammonia); those fields end in
//! `_html` so a template reader sees which is which.

use serde::Serialize;
use triage_engine::FactValue;
use triage_engine::explain::percent;
use triage_engine::report::SymptomReport;
use triage_rules::model::{FactDef, Model};

const TEMPLATES: [(&str, &str); 12] = [
    ("base.html", include_str!("../templates/base.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("home.html", include_str!("../templates/home.html")),
    ("question.html", include_str!("../templates/question.html")),
    ("result.html", include_str!("../templates/result.html")),
    ("error.html", include_str!("../templates/error.html")),
    ("recorded.html", include_str!("../templates/recorded.html")),
    ("kb_index.html", include_str!("../templates/kb_index.html")),
    ("kb_symptom.html", include_str!("../templates/kb_symptom.html")),
    ("kb_cause.html", include_str!("../templates/kb_cause.html")),
    ("kb_fix.html", include_str!("../templates/kb_fix.html")),
    ("kb_fact.html", include_str!("../templates/kb_fact.html")),
];

/// The stylesheet served at `/static/style.css`.
pub const STYLESHEET: &str = include_str!("../static/style.css");

/// The compiled templates; `.html` ones are autoescaped.
pub fn templates() -> Result<tera::Tera, tera::Error> {
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![".html"]);
    tera.add_raw_templates(TEMPLATES)?;
    Ok(tera)
}

pub use triage_renderers::guide::describe_tera;

/// Author Markdown as sanitised HTML.
pub fn markdown(text: &str) -> String {
    triage_renderers::markdown::to_html(text)
}

/// One line of author Markdown as sanitised inline HTML.
pub fn markdown_inline(text: &str) -> String {
    triage_renderers::markdown::to_inline_html(text)
}

/// A link from the knowledge base: followed only when its scheme is safe.
#[derive(Debug, Serialize)]
pub struct Link {
    pub url: Option<String>,
    pub text: String,
}

impl Link {
    pub fn source(url: &str) -> Link {
        Link {
            url: triage_renderers::markdown::is_safe_url(url).then(|| url.trim().to_string()),
            text: url.to_string(),
        }
    }
}

/// One cause in a ranking.
#[derive(Debug, Serialize)]
pub struct RankedView {
    pub name: String,
    pub title: String,
    pub percent: String,
    /// 0–100, for the bar's width.
    pub width: u32,
    /// The engine's one-line reason (Markdown: conditions in backticks), sanitised.
    pub reason_html: Option<String>,
    pub ruled_out: bool,
}

/// The ranking panel: the causes that still matter, then the rest counted.
#[derive(Debug, Serialize)]
pub struct RankingView {
    pub causes: Vec<RankedView>,
    pub unlisted: String,
    /// Causes left out of the list (ruled out or below 0.5 %).
    pub hidden: usize,
}

/// The most causes a ranking panel lists.
const RANKING_ROWS: usize = 8;

impl RankingView {
    pub fn new(report: &SymptomReport) -> RankingView {
        let shown: Vec<RankedView> = report
            .causes
            .iter()
            .filter(|c| !c.ruled_out && c.posterior >= 0.005)
            .take(RANKING_ROWS)
            .map(|c| RankedView {
                name: c.cause.clone(),
                title: c.title.clone(),
                percent: percent(c.posterior),
                width: bar_width(c.posterior),
                reason_html: c.reason.as_deref().map(markdown_inline),
                ruled_out: c.ruled_out,
            })
            .collect();
        RankingView {
            hidden: report.causes.len() - shown.len(),
            causes: shown,
            unlisted: percent(report.unlisted),
        }
    }
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // clamped to 0..=100
fn bar_width(p: f64) -> u32 {
    (p * 100.0).round().clamp(0.0, 100.0) as u32
}

/// A fact's name for people: its title, else its name.
pub fn fact_label(def: &FactDef) -> String {
    def.title.clone().unwrap_or_else(|| def.name.replace('_', " "))
}

/// An enum or set value for people: `cant_connect_generic` → "Cant connect generic".
pub fn value_label(value: &str) -> String {
    let spaced = value.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

/// How a person reads value `index` (named `value`) of an enum or set fact: the knowledge
/// base's `label` when it gives one, else the name made readable.
pub fn value_text(def: &FactDef, index: usize, value: &str) -> String {
    let label = def.value_label(index as u32);
    if label == value { value_label(value) } else { label.to_string() }
}

/// A known value in words: an enum or set value's label, yes or no, else `written` (the
/// value as the person or the text wrote it: `0x7` stays `0x7`).
pub fn value_words(def: &FactDef, value: Option<&FactValue>, written: &str) -> String {
    let values = def.ty.values();
    let text = |i: u32| {
        let name = values.get(i as usize).map_or("", String::as_str);
        value_text(def, i as usize, name)
    };
    match value {
        Some(FactValue::Enum(i)) => text(*i),
        Some(FactValue::Set(members)) => {
            members.iter().map(|m| text(*m)).collect::<Vec<_>>().join(", ")
        }
        Some(FactValue::Bool(b)) => if *b { "Yes" } else { "No" }.to_string(),
        _ => written.to_string(),
    }
}

/// The places a fact is read, in words.
pub fn places(def: &FactDef) -> Vec<&'static str> {
    def.places
        .iter()
        .map(|p| match p.keyword() {
            "client" => "on the client",
            "server" => "on the server",
            "management" => "in the management plane",
            _ => "by a person",
        })
        .collect()
}

/// A did-you-mean over a kind of item's names.
pub fn hint<'a>(name: &str, names: impl Iterator<Item = &'a str>) -> Option<String> {
    triage_rules::diagnostic::did_you_mean(name, names).map(|c| format!("did you mean `{c}`?"))
}

/// The model's symptoms as (name, title), for lists.
pub fn symptom_list(model: &Model) -> Vec<(String, String)> {
    model.symptoms.iter().map(|s| (s.name.clone(), s.title.clone())).collect()
}
