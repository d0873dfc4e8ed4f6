//! The wizard's pages: search, the paste box, one question per page, the result, and the
//! downloads.

use crate::error::WebError;
use crate::session::{self, Entry, Pending, Session};
use crate::view::{self, RankingView};
use crate::{App, Base, Work};
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;
use triage_engine::explain::percent;
use triage_engine::repair::repair_sequence;
use triage_engine::report::{Report, ReportOptions};
use triage_engine::wizard;
use triage_engine::{FactReader, FactSet};
use triage_renderers::diagnosis::duration;
use triage_renderers::guide::{Format as GuideFormat, Guide, Links};
use triage_renderers::plan::{PlanError, RepairPlan};
use triage_rules::ast::Shell;
use triage_rules::model::{FactId, FactType, SymptomId};

/// Renders a template, or a bare 500 page when the template itself fails (a bug, logged).
pub(crate) fn render(
    app: &App,
    template: &str,
    context: &tera::Context,
    status: StatusCode,
) -> Response {
    match render_html(app, template, context) {
        Ok(html) => html_response(status, html),
        Err(RenderFailed) => failed_page(),
    }
}

/// A template failed to render: a bug in triage, logged on standard error.
pub(crate) struct RenderFailed;

pub(crate) fn render_html(
    app: &App,
    template: &str,
    context: &tera::Context,
) -> Result<String, RenderFailed> {
    app.inner.tera.render(template, context).map_err(|e| {
        eprintln!("triage serve: template `{template}`: {}", view::describe_tera(&e));
        RenderFailed
    })
}

/// The page for [`RenderFailed`]: no details, they are in the server's log.
fn failed_page() -> Response {
    html_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "<!doctype html><html lang=\"en\"><title>Error</title><main><h1>Something went wrong</h1>\
         <p>The page could not be rendered; this is a bug in triage.</p></main></html>",
    )
}

pub(crate) fn html_response(status: StatusCode, html: impl Into<axum::body::Body>) -> Response {
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html.into()).into_response()
}

/// A problem with a request as a page: what went wrong and where to go from here.
pub(crate) fn error_page(app: &App, error: &WebError) -> Response {
    let mut context = tera::Context::new();
    context.insert("title", error.title());
    context.insert("status", &error.status().as_u16());
    context.insert("message", &error.to_string());
    context.insert("problems", &error.problems());
    let mut response = render(app, "error.html", &context, error.status());
    crate::error::add_retry_after(&mut response, error);
    response
}

pub(crate) async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        ],
        view::STYLESHEET,
    )
        .into_response()
}

#[derive(Serialize)]
struct HitView {
    symptom: String,
    title: String,
    matched: Vec<String>,
    start: String,
    /// The symptom's page in the browsable knowledge base.
    about: String,
    /// The knowledge base it is from, in words, when several are served.
    from: Option<String>,
}

impl HitView {
    fn new(app: &App, base: &Base, symptom: String, title: String, matched: Vec<String>) -> Self {
        HitView {
            start: base.start_url(Some(&symptom)),
            about: format!("/kb/symptoms/{symptom}{}", base.kb_query()),
            from: app.several().then(|| base.title.clone()),
            symptom,
            title,
            matched,
        }
    }
}

/// The symptoms of one knowledge base, for the home page's list.
#[derive(Serialize)]
struct SymptomGroup {
    /// The knowledge base's title, when several are served.
    title: Option<String>,
    symptoms: Vec<HitView>,
    /// Its wizard without a symptom.
    start: String,
}

/// The paste box of a page: the session it adds to (as hidden fields), and the text and the
/// reason when a paste read nothing.
#[derive(Serialize, Default)]
struct PasteView {
    hidden: Vec<(String, String)>,
    text: String,
    error: Option<String>,
    /// The questions the paste came from, to go back to.
    back_url: Option<String>,
}

/// The start page: the search box, the paste box and every symptom. Rendered once, when the
/// application is made ([`home_page`]): it costs no work per request.
pub(crate) async fn home(State(app): State<App>) -> Response {
    match app.inner.home.get() {
        Some(page) => html_response(StatusCode::OK, page.clone()),
        None => search_page(&app, "", false, &PasteView::default(), StatusCode::OK),
    }
}

/// The home page's HTML.
pub(crate) fn home_page(app: &App) -> Result<axum::body::Bytes, RenderFailed> {
    let context = search_context(app, "", false, &PasteView::default());
    render_html(app, "home.html", &context).map(axum::body::Bytes::from)
}

/// Search results for `q`, each with why it matched and a link that starts the wizard.
pub(crate) async fn search(State(app): State<App>, RawQuery(query): RawQuery) -> Response {
    app.offload(Work::Page, "/search", move |app| {
        let fields = match session::fields(query.as_deref()) {
            Ok(fields) => fields,
            Err(e) => return error_page(app, &e),
        };
        let q = fields.into_iter().find(|(k, _)| k == "q").map(|(_, v)| v).unwrap_or_default();
        search_page(app, q.trim(), true, &PasteView::default(), StatusCode::OK)
    })
    .await
}

fn search_page(
    app: &App,
    query: &str,
    searched: bool,
    paste: &PasteView,
    status: StatusCode,
) -> Response {
    let context = search_context(app, query, searched, paste);
    render(app, "home.html", &context, status)
}

fn search_context(app: &App, query: &str, searched: bool, paste: &PasteView) -> tera::Context {
    let hits: Vec<HitView> = if query.is_empty() {
        Vec::new()
    } else {
        crate::bases::search(app.bases(), query)
            .into_iter()
            .map(|found| {
                let hit = found.hit;
                let start = start_from_text(found.base, &hit.symptom, query);
                let mut view = HitView::new(app, found.base, hit.symptom, hit.title, hit.matched);
                view.start = start;
                view
            })
            .collect()
    };
    let mut context = tera::Context::new();
    context.insert(
        "title",
        &if searched && !query.is_empty() {
            format!("“{query}” — triage")
        } else {
            "triage — find the cause of an error".to_string()
        },
    );
    context.insert("query", query);
    context.insert("searched", &(searched && !query.is_empty()));
    context.insert("hits", &hits);
    let groups: Vec<SymptomGroup> = app
        .bases()
        .iter()
        .map(|base| SymptomGroup {
            title: app.several().then(|| base.title.clone()),
            symptoms: view::symptom_list(base.engine.model())
                .into_iter()
                .map(|(name, title)| HitView::new(app, base, name, title, vec![]))
                .collect(),
            start: base.start_url(None),
        })
        .collect();
    context.insert("groups", &groups);
    context.insert("paste", paste);
    context
}

/// The knowledge base an address's fields name, and the session they hold in it.
pub(crate) fn open_session(
    app: &App,
    fields: Vec<(String, String)>,
) -> Result<(&Base, Session), WebError> {
    let base = app.base(session::kb_named(&fields))?;
    let reader = FactReader::new(base.engine.model());
    let mut session = Session::from_fields(&reader, fields)?;
    session.kb = base.address().map(str::to_string);
    Ok((base, session))
}

/// `POST /wizard/read`: pasted text (a form body: `text` and the session's fields) read for
/// facts with the engine's text reader. They join the session under what it already knows
/// ([`Session::add_read`]) and the browser is sent to the new address (`303`), whose page
/// shows what was read and from which words; the text itself is not kept. A paste that reads
/// nothing new comes back in the paste box with the reason (`422`).
pub(crate) async fn read_text(State(app): State<App>, headers: HeaderMap, body: Body) -> Response {
    let body = match crate::api::read_body(&headers, body).await {
        Ok(body) => body,
        Err(e) => return error_page(&app, &e),
    };
    // Reading a long log takes a while (up to a second for a full body in a debug build).
    app.offload(Work::Upload, "/wizard/read", move |app| read_page(app, &body)).await
}

fn read_page(app: &App, body: &str) -> Response {
    let (mut fields, text) = match session::form_fields(body) {
        Ok(fields) => fields,
        Err(e) => return error_page(app, &e),
    };
    // A paste that starts a session (the home page's) goes to the knowledge base it says
    // most to; one that adds to a session stays in that session's.
    if fields.is_empty()
        && app.several()
        && let Some(base) = best_reader(app, &text).and_then(|b| b.address())
    {
        fields.push(("kb".to_string(), base.to_string()));
    }
    let (base, mut session) = match open_session(app, fields) {
        Ok(opened) => opened,
        Err(e) => return error_page(app, &e),
    };
    let model = base.engine.model();
    let reader = FactReader::new(model);
    // A paste starts from the session's answers, not from an answer half given or the result.
    session.pending = None;
    session.end = false;
    if let Err(e) = session.facts(&reader) {
        return error_page(app, &e);
    }
    if text.trim().is_empty() {
        return paste_again(
            app,
            base,
            &session,
            &text,
            "Paste some text first: the error dialog, a log excerpt or the ticket.",
        );
    }
    let (_, extracted) = base.engine.text_reader().read(&text);
    if extracted.is_empty() {
        return paste_again(
            app,
            base,
            &session,
            &text,
            "Nothing in this text is something the knowledge base knows (an error code, a \
             message or a change it lists): search for the error, or start with questions.",
        );
    }
    if session.add_read(model, &extracted) == 0 {
        return paste_again(
            app,
            base,
            &session,
            &text,
            "Everything this text says is already in your answers.",
        );
    }
    Redirect::to(&format!("/wizard?{}", session.query(model))).into_response()
}

/// The wizard's address for `symptom` with what the searched text already says (an error
/// code, the dialog's message, "after the Windows 11 upgrade"): those facts are read as a
/// paste would read them, shown with the words they came from, and never asked.
fn start_from_text(base: &Base, symptom: &str, query: &str) -> String {
    let model = base.engine.model();
    let (_, extracted) = base.engine.text_reader().read(query);
    if extracted.is_empty() {
        return base.start_url(Some(symptom));
    }
    let mut fields = vec![("symptom".to_string(), symptom.to_string())];
    if let Some(name) = base.address() {
        fields.push(("kb".to_string(), name.to_string()));
    }
    match Session::from_fields(&FactReader::new(model), fields) {
        Ok(mut session) => {
            session.kb = base.address().map(str::to_string);
            session.add_read(model, &extracted);
            format!("/wizard?{}", session.query(model))
        }
        Err(_) => base.start_url(Some(symptom)),
    }
}

/// The knowledge base whose text reader finds the most facts in `text` (the earlier one of
/// those that find as many), `None` when none finds any.
fn best_reader<'a>(app: &'a App, text: &str) -> Option<&'a Base> {
    let mut best: Option<(usize, &Base)> = None;
    for base in app.bases() {
        let (_, extracted) = base.engine.text_reader().read(text);
        if extracted.len() > best.map_or(0, |(n, _)| n) {
            best = Some((extracted.len(), base));
        }
    }
    best.map(|(_, base)| base)
}

/// The start page with the paste box holding `text` and why it read nothing new.
fn paste_again(app: &App, base: &Base, session: &Session, text: &str, reason: &str) -> Response {
    let model = base.engine.model();
    let has_session = session.symptom.is_some() || !session.history.is_empty();
    let paste = PasteView {
        hidden: hidden_fields(base, session),
        text: text.to_string(),
        error: Some(reason.to_string()),
        back_url: has_session.then(|| format!("/wizard?{}", session.query(model))),
    };
    search_page(app, "", false, &paste, StatusCode::UNPROCESSABLE_ENTITY)
}

/// One control of an answer form.
#[derive(Serialize)]
struct OptionView {
    value: String,
    label: String,
    checked: bool,
}

#[derive(Serialize)]
struct QuestionView {
    fact: String,
    title: String,
    ask_html: Option<String>,
    places: Vec<&'static str>,
    cost: String,
    /// `radio` (bool, enum), `checkbox` (set) or `text` (the other types).
    control: &'static str,
    options: Vec<OptionView>,
    /// What to type, for a text answer.
    hint: Option<String>,
    inputmode: &'static str,
    value: String,
}

/// The wizard: applies a submitted answer (then redirects to the address of the new state),
/// or shows the next question, or the result.
///
/// A page in the cache under its own address is answered at once; any other is computed on
/// the page pool. (An address the wizard wrote reads back to itself — see the session's round
/// trip test — so the page cached under an address is the page of that address.)
pub(crate) async fn wizard(State(app): State<App>, RawQuery(query): RawQuery) -> Response {
    if let Some(page) = app.inner.pages.get_if_cached(query.as_deref().unwrap_or("")) {
        return html_response(StatusCode::OK, page);
    }
    app.offload(Work::Page, "/wizard", move |app| wizard_page(app, query.as_deref())).await
}

fn wizard_page(app: &App, query: Option<&str>) -> Response {
    let opened = session::fields(query).and_then(|fields| open_session(app, fields));
    let (base, mut session) = match opened {
        Ok(opened) => opened,
        Err(e) => return error_page(app, &e),
    };
    let model = base.engine.model();
    let reader = FactReader::new(model);
    let mut input_error = None;
    if session.pending.is_some() {
        match session.apply_pending(&reader) {
            Ok(()) => {
                return Redirect::to(&format!("/wizard?{}", session.query(model))).into_response();
            }
            Err(e) => input_error = Some(e),
        }
    }
    // Without an answer to redo, the page is a function of the canonical address alone.
    let key = input_error.is_none().then(|| session.query(model));
    if let Some(page) = key.as_deref().and_then(|k| app.inner.pages.get(k)) {
        return html_response(StatusCode::OK, page);
    }
    let facts = match session.facts(&reader) {
        Ok(facts) => facts,
        Err(e) => return error_page(app, &e),
    };
    let Some(step) = wizard::step(
        &base.engine,
        session.symptom,
        &facts,
        &session.declined(),
        session.asked(),
        app.inner.settings,
    ) else {
        return error_page(app, &WebError::NoSymptom);
    };
    let page = match (&step.question, step.question_fact) {
        (Some(_), Some(fact)) if !session.end => {
            question_page(app, base, &session, &facts, &step, fact, input_error.as_ref())
        }
        _ => result_page(app, base, &session, &facts, &step),
    };
    match (page, key) {
        (Ok(html), Some(key)) => {
            let html = axum::body::Bytes::from(html);
            app.inner.pages.put(key, html.clone());
            html_response(StatusCode::OK, html)
        }
        (Ok(html), None) => html_response(StatusCode::UNPROCESSABLE_ENTITY, html),
        (Err(RenderFailed), _) => failed_page(),
    }
}

/// A fact read from pasted text, as the page shows it.
#[derive(Serialize)]
struct ReadView {
    fact: String,
    title: String,
    /// The value in words: an enum value's label, yes or no, else as the text wrote it.
    value: String,
    quotes: Vec<String>,
    /// The session without this fact: the wizard asks it instead.
    remove_url: String,
}

fn read_views(base: &Base, session: &Session, facts: &FactSet) -> Vec<ReadView> {
    let model = base.engine.model();
    session
        .history
        .iter()
        .enumerate()
        .filter_map(|(i, entry)| match entry {
            Entry::Read { fact, text, quotes } => {
                let def = model.fact(*fact);
                Some(ReadView {
                    fact: def.name.clone(),
                    title: view::fact_label(def),
                    value: view::value_words(def, facts.get(*fact), text),
                    quotes: quotes.clone(),
                    remove_url: format!("/wizard?{}", session.without_query(model, i)),
                })
            }
            Entry::Answer { .. } | Entry::Skip(_) => None,
        })
        .collect()
}

fn common_context(
    app: &App,
    base: &Base,
    session: &Session,
    facts: &FactSet,
    step: &wizard::WizardStep,
    step_ranking: &RankingView,
) -> tera::Context {
    let model = base.engine.model();
    // The symptom asked about, the one the answers show, or the likeliest of those weighed.
    let symptom = model.symptom(step.diagnosis.symptom);
    let mut context = tera::Context::new();
    context.insert("kb_query", &base.kb_query());
    context.insert("knowledge_base", &app.several().then(|| base.title.clone()));
    context.insert("symptom", &serde_json::json!({ "name": symptom.name, "title": symptom.title }));
    context.insert("mixture_message", &step.ranking.message);
    context.insert("ranking", step_ranking);
    context.insert(
        "back_url",
        &session.back_query(model).map_or_else(|| "/".to_string(), |q| format!("/wizard?{q}")),
    );
    let count = |kind: fn(&Entry) -> bool| session.history.iter().filter(|e| kind(e)).count();
    context.insert("answered", &count(|e| matches!(e, Entry::Answer { .. })));
    context.insert("skipped", &count(|e| matches!(e, Entry::Skip(_))));
    context.insert("reads", &read_views(base, session, facts));
    context
}

fn question_page(
    app: &App,
    base: &Base,
    session: &Session,
    facts: &FactSet,
    step: &wizard::WizardStep,
    fact: FactId,
    error: Option<&WebError>,
) -> Result<String, RenderFailed> {
    let model = base.engine.model();
    let def = model.fact(fact);
    let ranking = RankingView::new(&step.ranking);
    let mut context = common_context(app, base, session, facts, step, &ranking);
    // The answer just refused, to show it again beside the message.
    let refused: Vec<String> = session
        .pending
        .as_ref()
        .filter(|p| p.fact == fact)
        .map(|p: &Pending| p.values.clone())
        .unwrap_or_default();
    let option = |value: &str, label: String| OptionView {
        checked: refused.iter().any(|r| r == value),
        value: value.to_string(),
        label,
    };
    let (control, options, hint, inputmode) = match &def.ty {
        FactType::Bool => {
            ("radio", vec![option("yes", "Yes".into()), option("no", "No".into())], None, "text")
        }
        FactType::Enum(values) => (
            "radio",
            values
                .iter()
                .enumerate()
                .map(|(i, v)| option(v, view::value_text(def, i, v)))
                .collect(),
            None,
            "text",
        ),
        FactType::Set(values) => (
            "checkbox",
            values
                .iter()
                .enumerate()
                .map(|(i, v)| option(v, view::value_text(def, i, v)))
                .collect(),
            None,
            "text",
        ),
        FactType::Int => {
            ("text", vec![], Some("A whole number, in decimal or hex (0x904)".to_string()), "text")
        }
        FactType::Number => ("text", vec![], Some("A number, such as 0.25".to_string()), "decimal"),
        FactType::Version => {
            ("text", vec![], Some("A version, such as 10.0.26100".to_string()), "decimal")
        }
        FactType::String => ("text", vec![], None, "text"),
    };
    let question = QuestionView {
        fact: def.name.clone(),
        title: view::fact_label(def),
        ask_html: def.ask.as_deref().map(view::markdown_inline),
        places: view::places(def),
        cost: duration(def.cost_seconds.unwrap_or(triage_engine::question::DEFAULT_QUESTION_COST)),
        control,
        options,
        hint,
        inputmode,
        value: if control == "text" {
            refused.last().cloned().unwrap_or_default()
        } else {
            String::new()
        },
    };
    context.insert("title", &format!("{} — triage", question.title));
    context.insert("question", &question);
    context.insert("error", &error.map(ToString::to_string));
    context.insert("hidden", &hidden_fields(base, session));
    context.insert("end_url", &format!("/wizard?{}", session.end_query(model)));
    // The first step offers the paste box too: the text may answer this and later questions.
    let first_step = session.history.is_empty();
    context.insert(
        "paste",
        &first_step
            .then(|| PasteView { hidden: hidden_fields(base, session), ..PasteView::default() }),
    );
    render_html(app, "question.html", &context)
}

/// The session as hidden form fields, in history order, for the answer form.
pub(crate) fn hidden_fields(base: &Base, session: &Session) -> Vec<(String, String)> {
    form_urlencoded::parse(session.query(base.engine.model()).as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[derive(Serialize)]
struct AnswerView {
    fact: String,
    title: String,
    value: Option<String>,
}

#[derive(Serialize)]
struct RepairStepView {
    fix: String,
    title: String,
    chance: String,
    cost: String,
    reached: String,
    risk: Option<&'static str>,
    needs: Vec<&'static str>,
    steps_html: Option<String>,
}

/// The result: why the questions stopped, the ranking, the fixes in repair order with their
/// steps, the downloads. The repair order is the engine's [`repair_sequence`] of the step's
/// ranking; the decision tree of the full report is not computed here (it is the costly part of
/// a report, and the guide and the JSON downloads have it).
fn result_page(
    app: &App,
    base: &Base,
    session: &Session,
    facts: &FactSet,
    step: &wizard::WizardStep,
) -> Result<String, RenderFailed> {
    let engine = &base.engine;
    let model = engine.model();
    let ranking = RankingView::new(&step.ranking);
    let mut context = common_context(app, base, session, facts, step, &ranking);
    let reason = step.stop.as_ref().map_or_else(
        || "you asked for the result before the questions ran out".to_string(),
        |why| why.describe_in(model),
    );
    context.insert(
        "title",
        &format!("{} — result — triage", model.symptom(step.diagnosis.symptom).title),
    );
    context.insert("stop_reason", &reason);
    let leader = step.ranking.causes.first().filter(|c| !c.ruled_out).map(|c| {
        serde_json::json!({
            "name": c.cause,
            "title": c.title,
            "percent": percent(c.posterior),
            "reason_html": c.reason.as_deref().map(view::markdown_inline),
        })
    });
    context.insert("leader", &leader);
    let repair = repair_sequence(engine, &step.diagnosis);
    let steps: Vec<RepairStepView> = repair
        .steps
        .iter()
        .map(|s| {
            let def = model.fix(s.fix);
            RepairStepView {
                fix: def.name.clone(),
                title: def.title.clone(),
                chance: percent(s.probability * s.success),
                cost: duration(s.cost_seconds),
                reached: percent(s.reached),
                risk: def.risk.map(triage_rules::ast::Risk::keyword),
                needs: def.needs.iter().map(|n| n.keyword()).collect(),
                steps_html: def.steps.as_deref().map(view::markdown),
            }
        })
        .collect();
    context.insert("repair_steps", &steps);
    context.insert("expected", &(!steps.is_empty()).then(|| duration(repair.expected_seconds)));
    // The facts read from text are listed apart, with their words (`reads`).
    let answers: Vec<AnswerView> = session
        .history
        .iter()
        .filter_map(|entry| match entry {
            Entry::Answer { fact, .. } => {
                let def = model.fact(*fact);
                Some(AnswerView {
                    fact: def.name.clone(),
                    title: view::fact_label(def),
                    value: facts.get(*fact).map(|v| v.display(&def.ty)),
                })
            }
            Entry::Skip(fact) => {
                let def = model.fact(*fact);
                Some(AnswerView {
                    fact: def.name.clone(),
                    title: view::fact_label(def),
                    value: None,
                })
            }
            Entry::Read { .. } => None,
        })
        .collect();
    context.insert("answers", &answers);
    let query = session.query(model);
    context.insert("facts_url", &format!("/wizard/facts.json?{query}"));
    context.insert("report_url", &format!("/wizard/report.json?{query}"));
    context.insert("plans", &plan_downloads(base, &query));
    context.insert("guide_url", &format!("/wizard/guide?{query}"));
    context.insert(
        "outcome",
        &app.inner.recorder.is_some().then(|| crate::outcome::form(base, session, step, &repair)),
    );
    render_html(app, "result.html", &context)
}

/// The full report (as `triage diagnose --format json` prints it) of the session's symptom.
fn symptom_report(base: &Base, facts: &FactSet, symptom: SymptomId) -> Report {
    let engine = &base.engine;
    let mut diagnosis = engine.diagnose(facts);
    diagnosis.symptoms.retain(|s| s.symptom == symptom);
    Report::new(engine, facts, &diagnosis, ReportOptions::FULL)
}

/// The session's knowledge base, its facts, checked, and its symptom: the one asked about,
/// else the one the facts show, else the likeliest of those they leave possible.
fn session_facts<'a>(
    app: &'a App,
    query: Option<&str>,
) -> Result<(&'a Base, SymptomId, FactSet), WebError> {
    let (base, session) = open_session(app, session::fields(query)?)?;
    let reader = FactReader::new(base.engine.model());
    let facts = session.facts(&reader)?;
    let symptom = match session.symptom {
        Some(symptom) => symptom,
        None => base
            .engine
            .diagnose(&facts)
            .symptoms
            .first()
            .map(|s| s.symptom)
            .ok_or(WebError::NoSymptom)?,
    };
    Ok((base, symptom, facts))
}

fn attachment(content_type: &'static str, file_name: &str, body: String) -> Response {
    let disposition = format!("attachment; filename=\"{file_name}\"");
    let disposition = HeaderValue::from_str(&disposition)
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

/// A name safe in a `Content-Disposition` file name.
fn file_stem(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' })
        .collect()
}

/// The answers as a fact file: `triage diagnose` reads it back as is.
pub(crate) async fn download_facts(State(app): State<App>, RawQuery(query): RawQuery) -> Response {
    app.offload(Work::Page, "/wizard/facts.json", move |app| facts_file(app, query.as_deref()))
        .await
}

fn facts_file(app: &App, query: Option<&str>) -> Response {
    match session_facts(app, query) {
        Ok((base, symptom, facts)) => {
            let model = base.engine.model();
            let json = serde_json::to_string_pretty(&facts.to_json(model)).unwrap_or_default();
            let name = format!("facts-{}.json", file_stem(&model.symptom(symptom).name));
            attachment("application/json", &name, json + "\n")
        }
        Err(e) => error_page(app, &e),
    }
}

/// The diagnosis of the answers, as `triage diagnose --format json` prints it.
pub(crate) async fn download_report(State(app): State<App>, RawQuery(query): RawQuery) -> Response {
    app.offload(Work::Page, "/wizard/report.json", move |app| report_file(app, query.as_deref()))
        .await
}

fn report_file(app: &App, query: Option<&str>) -> Response {
    match session_facts(app, query) {
        Ok((base, symptom, facts)) => {
            let report = symptom_report(base, &facts, symptom);
            let json = serde_json::to_string_pretty(&report).unwrap_or_default();
            let name =
                format!("diagnosis-{}.json", file_stem(&base.engine.model().symptom(symptom).name));
            attachment("application/json", &name, json + "\n")
        }
        Err(e) => error_page(app, &e),
    }
}

#[derive(Serialize)]
struct DownloadView {
    url: String,
    label: &'static str,
}

/// The guide and the plans offered for download: a script for each shell the knowledge
/// base's fixes are written in.
fn plan_downloads(base: &Base, query: &str) -> Vec<DownloadView> {
    let mut downloads: Vec<DownloadView> = base
        .shells
        .iter()
        .map(|shell| match shell {
            Shell::Powershell => DownloadView {
                url: format!("/wizard/plan.ps1?{query}"),
                label: "The repair plan as a PowerShell script (dry run unless -Apply)",
            },
            Shell::Bash => DownloadView {
                url: format!("/wizard/plan.sh?{query}"),
                label: "The repair plan as a bash script (dry run unless --apply)",
            },
        })
        .collect();
    downloads.push(DownloadView {
        url: format!("/wizard/plan.json?{query}"),
        label: "The repair plan as JSON, for orchestrators",
    });
    downloads.push(DownloadView {
        url: format!("/wizard/guide.md?{query}"),
        label: "The guide for these answers (Markdown)",
    });
    downloads
}

/// The guide renderer's guide for the session: ruled-out causes dropped, answered questions
/// not asked again.
fn session_guide<'a>(
    app: &'a App,
    query: Option<&str>,
) -> Result<(&'a Base, SymptomId, Guide), WebError> {
    let (base, session) = open_session(app, session::fields(query)?)?;
    let engine = &base.engine;
    let reader = FactReader::new(engine.model());
    let facts = session.facts(&reader)?;
    let guide = match session.symptom {
        Some(symptom) => Guide::new(engine, &facts, symptom, Links::Anchors),
        None => Guide::for_facts(engine, &facts, Links::Anchors).ok_or(WebError::NoSymptom)?,
    };
    let symptom = engine.model().symptom_id(&guide.symptom.name).ok_or(WebError::NoSymptom)?;
    Ok((base, symptom, guide))
}

/// The tailored guide as its own self-contained page (its stylesheet is inline, so the page
/// gets a policy that allows inline styles and still no script).
pub(crate) async fn guide(State(app): State<App>, RawQuery(query): RawQuery) -> Response {
    app.offload(Work::Page, "/wizard/guide", move |app| guide_page(app, query.as_deref())).await
}

fn guide_page(app: &App, query: Option<&str>) -> Response {
    let rendered = session_guide(app, query).and_then(|(_, _, guide)| {
        guide.render(GuideFormat::Html, &app.inner.guides).map_err(|e| {
            eprintln!("triage serve: guide: {e}");
            WebError::Internal
        })
    });
    match rendered {
        Ok(html) => {
            let mut response = html_response(StatusCode::OK, html);
            response.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
                     form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
                ),
            );
            response
        }
        Err(e) => error_page(app, &e),
    }
}

/// The tailored guide as Markdown, to download.
pub(crate) async fn guide_markdown(State(app): State<App>, RawQuery(query): RawQuery) -> Response {
    app.offload(Work::Page, "/wizard/guide.md", move |app| guide_file(app, query.as_deref())).await
}

fn guide_file(app: &App, query: Option<&str>) -> Response {
    let rendered = session_guide(app, query).and_then(|(base, symptom, guide)| {
        let markdown = guide.render(GuideFormat::Markdown, &app.inner.guides).map_err(|e| {
            eprintln!("triage serve: guide: {e}");
            WebError::Internal
        })?;
        Ok((base.engine.model().symptom(symptom).name.clone(), markdown))
    });
    match rendered {
        Ok((name, markdown)) => attachment(
            "text/markdown; charset=utf-8",
            &format!("guide-{}.md", file_stem(&name)),
            markdown,
        ),
        Err(e) => error_page(app, &e),
    }
}

/// The plan renderer's plan for the session's facts, in one of its formats.
fn session_plan(
    app: &App,
    query: Option<&str>,
    render: impl Fn(&RepairPlan<'_>) -> Result<String, PlanError>,
) -> Result<(String, String), WebError> {
    let (base, symptom, facts) = session_facts(app, query)?;
    let name = base.engine.model().symptom(symptom).name.clone();
    let plan = RepairPlan::new(&base.engine, &facts, Some(&name))
        .and_then(|plan| render(&plan))
        .map_err(|e| WebError::Plan(e.to_string()))?;
    Ok((file_stem(&name), plan))
}

/// A repair plan as a download: the script or document `render` writes, as `plan-NAME.EXT`.
async fn plan_download(
    app: App,
    query: Option<String>,
    path: &'static str,
    content_type: &'static str,
    extension: &'static str,
    render: fn(&RepairPlan<'_>) -> Result<String, PlanError>,
) -> Response {
    app.offload(Work::Page, path, move |app| match session_plan(app, query.as_deref(), render) {
        Ok((stem, plan)) => attachment(content_type, &format!("plan-{stem}.{extension}"), plan),
        Err(e) => error_page(app, &e),
    })
    .await
}

/// The repair plan as a PowerShell script.
pub(crate) async fn plan_powershell(State(app): State<App>, RawQuery(query): RawQuery) -> Response {
    let render = triage_renderers::plan::powershell::render;
    plan_download(app, query, "/wizard/plan.ps1", "text/plain; charset=utf-8", "ps1", render).await
}

/// The repair plan as a bash script.
pub(crate) async fn plan_bash(State(app): State<App>, RawQuery(query): RawQuery) -> Response {
    let render = triage_renderers::plan::bash::render;
    plan_download(app, query, "/wizard/plan.sh", "text/x-shellscript", "sh", render).await
}

/// The repair plan as JSON.
pub(crate) async fn plan_json(State(app): State<App>, RawQuery(query): RawQuery) -> Response {
    let render = |plan: &RepairPlan<'_>| Ok(triage_renderers::plan::json::render(plan));
    plan_download(app, query, "/wizard/plan.json", "application/json", "json", render).await
}
