//! The knowledge base as pages: every symptom, cause, fix and fact, each linked to the others.

use crate::error::WebError;
use crate::pages::{error_page, render};
use crate::view::{self, Link};
use crate::{App, Work};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use triage_engine::explain::percent;
use triage_renderers::diagnosis::duration;
use triage_rules::model::{Model, ScriptDef};

#[derive(Serialize)]
struct ItemView {
    name: String,
    title: String,
    /// A probability or a count that goes with it here.
    note: Option<String>,
}

#[derive(Serialize)]
struct ScriptView {
    shell: &'static str,
    code: String,
}

fn scripts(defs: &[ScriptDef]) -> Vec<ScriptView> {
    defs.iter()
        .map(|s| ScriptView { shell: s.shell.keyword(), code: s.code.trim_end().to_string() })
        .collect()
}

fn unknown(kind: &'static str, name: &str, names: impl Iterator<Item = String>) -> WebError {
    let names: Vec<String> = names.collect();
    WebError::UnknownItem {
        kind,
        name: name.to_string(),
        hint: view::hint(name, names.iter().map(String::as_str)),
    }
}

pub(crate) async fn index(State(app): State<App>) -> Response {
    app.offload(Work::Page, "/kb", index_page).await
}

fn index_page(app: &App) -> Response {
    let model = app.engine().model();
    let mut context = tera::Context::new();
    context.insert("title", "Knowledge base — triage");
    let item = |name: &str, title: &str, note: Option<String>| ItemView {
        name: name.to_string(),
        title: title.to_string(),
        note,
    };
    let symptoms: Vec<ItemView> = model
        .symptoms
        .iter()
        .map(|s| item(&s.name, &s.title, Some(plural(s.causes.len(), "cause"))))
        .collect();
    let causes: Vec<ItemView> = model
        .causes
        .iter()
        .map(|c| item(&c.name, &c.title, Some(plural(c.fixes.len(), "fix"))))
        .collect();
    let fixes: Vec<ItemView> = model
        .fixes
        .iter()
        .map(|f| item(&f.name, &f.title, Some(duration(f.cost_seconds))))
        .collect();
    let facts: Vec<ItemView> = model
        .facts
        .iter()
        .map(|f| item(&f.name, &view::fact_label(f), Some(f.ty.describe())))
        .collect();
    context.insert("symptoms", &symptoms);
    context.insert("causes", &causes);
    context.insert("fixes", &fixes);
    context.insert("facts", &facts);
    render(app, "kb_index.html", &context, StatusCode::OK)
}

fn plural(n: usize, word: &str) -> String {
    let ending = if n == 1 {
        ""
    } else if word.ends_with('x') {
        "es"
    } else {
        "s"
    };
    format!("{n} {word}{ending}")
}

pub(crate) async fn symptom(State(app): State<App>, Path(name): Path<String>) -> Response {
    app.offload(Work::Page, "/kb/symptoms", move |app| symptom_page(app, &name)).await
}

fn symptom_page(app: &App, name: &str) -> Response {
    let model = app.engine().model();
    let Some(id) = model.symptom_id(name) else {
        let names = model.symptoms.iter().map(|s| s.name.clone());
        return error_page(app, &unknown("symptom", name, names));
    };
    let def = model.symptom(id);
    let mut causes: Vec<(f64, ItemView)> = def
        .causes
        .iter()
        .map(|(cause, prior)| {
            let c = model.cause(*cause);
            (
                *prior,
                ItemView {
                    name: c.name.clone(),
                    title: c.title.clone(),
                    note: Some(percent(*prior)),
                },
            )
        })
        .collect();
    causes.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut context = tera::Context::new();
    context.insert("title", &format!("{} — triage", def.title));
    context.insert("name", &def.name);
    context.insert("heading", &def.title);
    context.insert("description_html", &def.description.as_deref().map(view::markdown));
    context.insert("aliases", &def.aliases);
    context.insert("condition", &def.condition_text);
    context.insert("causes", &causes.into_iter().map(|(_, c)| c).collect::<Vec<_>>());
    context.insert("unlisted", &percent(def.unlisted_prior()));
    context.insert("checks", &scripts(&def.checks));
    let mut start = form_urlencoded::Serializer::new(String::new());
    start.append_pair("symptom", &def.name);
    context.insert("start_url", &format!("/wizard?{}", start.finish()));
    render(app, "kb_symptom.html", &context, StatusCode::OK)
}

#[derive(Serialize)]
struct FindingView {
    text: String,
    frequency: String,
    facts: Vec<String>,
}

pub(crate) async fn cause(State(app): State<App>, Path(name): Path<String>) -> Response {
    app.offload(Work::Page, "/kb/causes", move |app| cause_page(app, &name)).await
}

fn cause_page(app: &App, name: &str) -> Response {
    let model = app.engine().model();
    let Some(id) = model.cause_id(name) else {
        let names = model.causes.iter().map(|c| c.name.clone());
        return error_page(app, &unknown("cause", name, names));
    };
    let def = model.cause(id);
    let explains: Vec<ItemView> = def
        .explains
        .iter()
        .map(|(symptom, prior)| {
            let s = model.symptom(*symptom);
            ItemView { name: s.name.clone(), title: s.title.clone(), note: Some(percent(*prior)) }
        })
        .collect();
    let findings: Vec<FindingView> = def
        .findings
        .iter()
        .map(|(finding, frequency)| {
            let f = model.finding(*finding);
            FindingView {
                text: f.text.clone(),
                frequency: frequency_words(*frequency),
                facts: f.condition.facts().iter().map(|id| model.fact(*id).name.clone()).collect(),
            }
        })
        .collect();
    let fixes = fix_items(model, &def.fixes);
    let mut context = tera::Context::new();
    context.insert("title", &format!("{} — triage", def.title));
    context.insert("name", &def.name);
    context.insert("heading", &def.title);
    context.insert("description_html", &def.description.as_deref().map(view::markdown));
    context.insert("explains", &explains);
    context.insert("findings", &findings);
    context.insert("fixes", &fixes);
    context.insert("sources", &def.sources.iter().map(|s| Link::source(s)).collect::<Vec<_>>());
    render(app, "kb_cause.html", &context, StatusCode::OK)
}

fn fix_items(model: &Model, fixes: &[triage_rules::model::FixId]) -> Vec<ItemView> {
    fixes
        .iter()
        .map(|id| {
            let f = model.fix(*id);
            ItemView {
                name: f.name.clone(),
                title: f.title.clone(),
                note: Some(duration(f.cost_seconds)),
            }
        })
        .collect()
}

/// A likelihood in the language's words when it is one of them.
fn frequency_words(p: f64) -> String {
    let word = [
        (1.0, "always"),
        (0.9, "usually"),
        (0.6, "often"),
        (0.3, "sometimes"),
        (0.05, "rarely"),
        (0.0, "never"),
    ]
    .iter()
    .find(|(value, _)| (p - value).abs() < 1e-9)
    .map(|(_, word)| *word);
    match word {
        Some(word) => format!("{word} ({})", percent(p)),
        None => percent(p),
    }
}

pub(crate) async fn fix(State(app): State<App>, Path(name): Path<String>) -> Response {
    app.offload(Work::Page, "/kb/fixes", move |app| fix_page(app, &name)).await
}

fn fix_page(app: &App, name: &str) -> Response {
    let model = app.engine().model();
    let Some(id) = model.fix_id(name) else {
        let names = model.fixes.iter().map(|f| f.name.clone());
        return error_page(app, &unknown("fix", name, names));
    };
    let def = model.fix(id);
    let causes: Vec<ItemView> = def
        .fixes
        .iter()
        .map(|c| {
            let c = model.cause(*c);
            ItemView { name: c.name.clone(), title: c.title.clone(), note: None }
        })
        .collect();
    let mut context = tera::Context::new();
    context.insert("title", &format!("{} — triage", def.title));
    context.insert("name", &def.name);
    context.insert("heading", &def.title);
    context.insert("description_html", &def.description.as_deref().map(view::markdown));
    context.insert("steps_html", &def.steps.as_deref().map(view::markdown));
    context.insert("cost", &duration(def.cost_seconds));
    context.insert("risk", &def.risk.map(triage_rules::ast::Risk::keyword));
    context.insert("needs", &def.needs.iter().map(|n| n.keyword()).collect::<Vec<_>>());
    context.insert("success", &def.success.map(percent));
    context.insert("causes", &causes);
    context.insert("run", &scripts(&def.run));
    context.insert("verify", &scripts(&def.verify));
    context.insert("undo", &scripts(&def.undo));
    context.insert("sources", &def.sources.iter().map(|s| Link::source(s)).collect::<Vec<_>>());
    render(app, "kb_fix.html", &context, StatusCode::OK)
}

pub(crate) async fn fact(State(app): State<App>, Path(name): Path<String>) -> Response {
    app.offload(Work::Page, "/kb/facts", move |app| fact_page(app, &name)).await
}

fn fact_page(app: &App, name: &str) -> Response {
    let model = app.engine().model();
    let Some(id) = model.fact_id(name) else {
        let names = model.facts.iter().map(|f| f.name.clone());
        return error_page(app, &unknown("fact", name, names));
    };
    let def = model.fact(id);
    let mut context = tera::Context::new();
    context.insert("title", &format!("{} — triage", view::fact_label(def)));
    context.insert("name", &def.name);
    context.insert("heading", &view::fact_label(def));
    context.insert("description_html", &def.description.as_deref().map(view::markdown));
    context.insert("ask_html", &def.ask.as_deref().map(view::markdown_inline));
    context.insert("type", &def.ty.describe());
    context.insert("values", &def.ty.values());
    context.insert("places", &view::places(def));
    context.insert("cost", &def.cost_seconds.map(duration));
    context.insert("derived", &def.derived);
    context.insert("collect", &scripts(&def.collect));
    render(app, "kb_fact.html", &context, StatusCode::OK)
}
