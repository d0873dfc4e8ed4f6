//! The knowledge base as pages: every symptom, cause, fix and fact, each linked to the others.
//!
//! With several knowledge bases served, a page is of the one `?kb=NAME` names (`/kb?kb=ssh`,
//! `/kb/causes/key_not_authorized?kb=ssh`), of the default without it; `/kb` lists them all and
//! every link a page makes keeps its `?kb=`.

use crate::error::WebError;
use crate::pages::{error_page, render};
use crate::view::{self, Link};
use crate::{App, Base, Work, session};
use axum::extract::{Path, RawQuery, State};
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

/// The knowledge base `?kb=NAME` names (the default without it).
fn chosen<'a>(app: &'a App, query: Option<&str>) -> Result<&'a Base, WebError> {
    let fields = session::fields(query)?;
    app.base(session::kb_named(&fields))
}

/// `page` for the knowledge base the address names, or the page that says it names none.
fn in_chosen(
    app: &App,
    query: Option<&str>,
    page: impl FnOnce(&App, &Base) -> Response,
) -> Response {
    match chosen(app, query) {
        Ok(base) => page(app, base),
        Err(e) => error_page(app, &e),
    }
}

/// What every knowledge base page knows: the `?kb=` its links keep, and the knowledge base's
/// title when several are served.
fn base_context(app: &App, base: &Base) -> tera::Context {
    let mut context = tera::Context::default();
    context.insert("kb_query", &base.kb_query());
    context.insert("knowledge_base", &app.several().then(|| base.title.clone()));
    context
}

/// One knowledge base in the list of them.
#[derive(Serialize)]
struct BaseView {
    name: String,
    title: String,
    url: String,
    current: bool,
    symptoms: usize,
}

pub(crate) async fn index(State(app): State<App>, RawQuery(query): RawQuery) -> Response {
    app.offload(Work::Page, "/kb", move |app| in_chosen(app, query.as_deref(), index_page)).await
}

fn index_page(app: &App, base: &Base) -> Response {
    let model = base.engine.model();
    let mut context = base_context(app, base);
    let bases: Vec<BaseView> = app
        .bases()
        .iter()
        .map(|b| BaseView {
            name: b.name.clone(),
            title: b.title.clone(),
            url: format!("/kb{}", b.kb_query()),
            current: b.name == base.name,
            symptoms: b.engine.model().symptoms.len(),
        })
        .collect();
    context.insert("bases", &if app.several() { bases } else { Vec::new() });
    context.insert(
        "title",
        &if app.several() {
            format!("{} — knowledge base — triage", base.title)
        } else {
            "Knowledge base — triage".to_string()
        },
    );
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

pub(crate) async fn symptom(
    State(app): State<App>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    app.offload(Work::Page, "/kb/symptoms", move |app| {
        in_chosen(app, query.as_deref(), |app, base| symptom_page(app, base, &name))
    })
    .await
}

fn symptom_page(app: &App, base: &Base, name: &str) -> Response {
    let model = base.engine.model();
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
    let mut context = base_context(app, base);
    context.insert("title", &format!("{} — triage", def.title));
    context.insert("name", &def.name);
    context.insert("heading", &def.title);
    context.insert("description_html", &def.description.as_deref().map(view::markdown));
    context.insert("aliases", &def.aliases);
    context.insert("condition", &def.condition_text);
    context.insert("causes", &causes.into_iter().map(|(_, c)| c).collect::<Vec<_>>());
    context.insert("unlisted", &percent(def.unlisted_prior()));
    context.insert("checks", &scripts(&def.checks));
    context.insert("start_url", &base.start_url(Some(&def.name)));
    render(app, "kb_symptom.html", &context, StatusCode::OK)
}

#[derive(Serialize)]
struct FindingView {
    text: String,
    frequency: String,
    facts: Vec<String>,
}

pub(crate) async fn cause(
    State(app): State<App>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    app.offload(Work::Page, "/kb/causes", move |app| {
        in_chosen(app, query.as_deref(), |app, base| cause_page(app, base, &name))
    })
    .await
}

fn cause_page(app: &App, base: &Base, name: &str) -> Response {
    let model = base.engine.model();
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
    let mut context = base_context(app, base);
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

pub(crate) async fn fix(
    State(app): State<App>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    app.offload(Work::Page, "/kb/fixes", move |app| {
        in_chosen(app, query.as_deref(), |app, base| fix_page(app, base, &name))
    })
    .await
}

fn fix_page(app: &App, base: &Base, name: &str) -> Response {
    let model = base.engine.model();
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
    let mut context = base_context(app, base);
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

pub(crate) async fn fact(
    State(app): State<App>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    app.offload(Work::Page, "/kb/facts", move |app| {
        in_chosen(app, query.as_deref(), |app, base| fact_page(app, base, &name))
    })
    .await
}

fn fact_page(app: &App, base: &Base, name: &str) -> Response {
    let model = base.engine.model();
    let Some(id) = model.fact_id(name) else {
        let names = model.facts.iter().map(|f| f.name.clone());
        return error_page(app, &unknown("fact", name, names));
    };
    let def = model.fact(id);
    let mut context = base_context(app, base);
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
