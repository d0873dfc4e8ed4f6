//! "Did this fix it?" (`triage serve --record DIR`): the form on the result page and the
//! `POST /wizard/outcome` that turns its answer into one outcome record (`triage-outcome/1`,
//! written by `triage_learn`'s [`Recorder`](triage_learn::writer::Recorder), as `ask` writes
//! them).
//!
//! The server stays stateless: the form carries the session as hidden fields, as every answer
//! form does, and the handler recomputes the result page's ranking and repair order from them.
//! Only the person's answers come from the form — per fix shown `fix.NAME=worked`,
//! `did_not_work` or `not_tried`, and `cause=NAME` (empty: not given) — and each is checked
//! against the knowledge base and the fixes the page shows; anything else is a `400` that says
//! what. The record holds the facts and their provenance, never the request's other fields.

use crate::error::WebError;
use crate::pages::{error_page, hidden_fields, html_response, open_session, render_html};
use crate::session::{self, Entry, Session};
use crate::{App, Base, Work};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;
use triage_engine::FactReader;
use triage_engine::repair::{RepairSequence, repair_sequence};
use triage_engine::wizard;
use triage_learn::record::{FactSource, FixResult, Record, RecordedFact, Tool, TriedFix};
use triage_learn::writer::new_record;

/// The prefix of a fix's answer field: `fix.enable_tls12=worked`.
pub(crate) const FIX_FIELD: &str = "fix.";
/// The field of the confirmed cause (empty: not given).
pub(crate) const CAUSE_FIELD: &str = "cause";

/// The results a person can give a fix on the page, with their words.
const RESULTS: [(FixResult, &str, &str); 3] = [
    (FixResult::NotTried, "not_tried", "Not tried"),
    (FixResult::Worked, "worked", "Worked"),
    (FixResult::DidNotWork, "did_not_work", "Did not work"),
];

#[derive(Serialize)]
struct ChoiceView {
    value: &'static str,
    label: &'static str,
}

#[derive(Serialize)]
struct FixChoiceView {
    fix: String,
    title: String,
}

#[derive(Serialize)]
struct CauseChoiceView {
    cause: String,
    title: String,
}

/// The form's content: the session as hidden fields, the fixes shown, the causes to confirm.
#[derive(Serialize)]
pub(crate) struct OutcomeForm {
    hidden: Vec<(String, String)>,
    fixes: Vec<FixChoiceView>,
    results: Vec<ChoiceView>,
    causes: Vec<CauseChoiceView>,
}

/// The form under the result page's repair order.
pub(crate) fn form(
    base: &Base,
    session: &Session,
    step: &wizard::WizardStep,
    repair: &RepairSequence,
) -> OutcomeForm {
    let model = base.engine.model();
    OutcomeForm {
        hidden: hidden_fields(base, session),
        fixes: repair
            .steps
            .iter()
            .map(|s| {
                let def = model.fix(s.fix);
                FixChoiceView { fix: def.name.clone(), title: def.title.clone() }
            })
            .collect(),
        results: RESULTS.iter().map(|(_, value, label)| ChoiceView { value, label }).collect(),
        causes: step
            .ranking
            .causes
            .iter()
            .filter(|c| !c.ruled_out)
            .map(|c| CauseChoiceView { cause: c.cause.clone(), title: c.title.clone() })
            .collect(),
    }
}

/// `POST /wizard/outcome`: the answer to "Did this fix it?" as one record. Without
/// `--record` there is no such page (`404`).
pub(crate) async fn record(State(app): State<App>, headers: HeaderMap, body: Body) -> Response {
    if app.inner.recorder.is_none() {
        return error_page(&app, &WebError::NotFound("/wizard/outcome".to_string()));
    }
    if let Err(e) = same_origin(&headers) {
        return error_page(&app, &e);
    }
    let body = match crate::api::read_body(&headers, body).await {
        Ok(body) => body,
        Err(e) => return error_page(&app, &e),
    };
    app.offload(Work::Upload, "/wizard/outcome", move |app| recorded_page(app, &body)).await
}

/// A form on another site must not be able to write records here. Browsers say where a
/// request comes from: `Sec-Fetch-Site` (current browsers) must be `same-origin` (or `none`, an
/// address typed or bookmarked); without it, an `Origin` must name this server. Our pages send
/// no referrer, so a browser's `Origin` on our own form can be `null`: that passes when
/// `Sec-Fetch-Site` is absent too (older browsers), as does a request with neither (curl, a
/// script, which no other site can make a browser send).
fn same_origin(headers: &HeaderMap) -> Result<(), WebError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        return match site {
            "same-origin" | "none" => Ok(()),
            _ => Err(WebError::CrossSite),
        };
    }
    let Some(origin) = header("origin") else { return Ok(()) };
    if origin == "null" {
        return Ok(());
    }
    let origin_host = origin.split_once("://").map(|(_, rest)| rest.trim_end_matches('/'));
    match (origin_host, header("host")) {
        (Some(origin), Some(host)) if origin.eq_ignore_ascii_case(host) => Ok(()),
        _ => Err(WebError::CrossSite),
    }
}

#[derive(Serialize)]
struct RecordedFixView {
    title: String,
    result: &'static str,
}

fn recorded_page(app: &App, body: &str) -> Response {
    let Some(recorder) = app.inner.recorder.as_ref() else {
        return error_page(app, &WebError::NotFound("/wizard/outcome".to_string()));
    };
    let (record, base, back) = match outcome_record(app, body) {
        Ok(made) => made,
        Err(e) => return error_page(app, &e),
    };
    if let Err(e) = recorder.write(&record) {
        eprintln!("triage serve: {e}");
        return error_page(app, &WebError::NotRecorded);
    }
    let model = base.engine.model();
    let fixes: Vec<RecordedFixView> = record
        .fixes
        .iter()
        .filter(|f| f.result != FixResult::NotTried)
        .map(|f| RecordedFixView {
            title: model
                .fix_id(&f.fix)
                .map_or_else(|| f.fix.clone(), |id| model.fix(id).title.clone()),
            result: RESULTS.iter().find(|r| r.0 == f.result).map_or("", |r| r.2),
        })
        .collect();
    let cause = record
        .confirmed_cause
        .as_deref()
        .and_then(|name| model.cause_id(name))
        .map(|id| model.cause(id).title.clone());
    let mut context = tera::Context::new();
    context.insert("title", "Outcome recorded — triage");
    context.insert("record_id", &record.id);
    context.insert("fixes", &fixes);
    context.insert("cause", &cause);
    context.insert("back_url", &back);
    match render_html(app, "recorded.html", &context) {
        Ok(html) => html_response(StatusCode::OK, html),
        Err(crate::pages::RenderFailed) => error_page(app, &WebError::Internal),
    }
}

/// The record of the answered form, its knowledge base and the result page's address.
fn outcome_record<'a>(app: &'a App, body: &str) -> Result<(Record, &'a Base, String), WebError> {
    let (fields, _) = session::form_fields(body)?;
    let mut answers: Vec<(String, String)> = Vec::new();
    let mut cause_field: Option<String> = None;
    let mut session_fields = Vec::new();
    for (key, value) in fields {
        if let Some(fix) = key.strip_prefix(FIX_FIELD) {
            answers.push((fix.to_string(), value));
        } else if key == CAUSE_FIELD {
            if cause_field.is_some() {
                return Err(WebError::BadOutcome("the cause is given twice".to_string()));
            }
            cause_field = Some(value);
        } else {
            session_fields.push((key, value));
        }
    }
    let (base, mut session) = open_session(app, session_fields)?;
    // The outcome is of the result page: an answer half given is not part of it.
    session.pending = None;
    let engine = &base.engine;
    let model = engine.model();
    let reader = FactReader::new(model);
    let facts = session.facts(&reader)?;
    let step = wizard::step(
        engine,
        session.symptom,
        &facts,
        &session.declined(),
        session.asked(),
        app.inner.settings,
    )
    .ok_or(WebError::NoSymptom)?;
    let repair = repair_sequence(engine, &step.diagnosis);
    let shown: Vec<&str> = repair.steps.iter().map(|s| model.fix(s.fix).name.as_str()).collect();
    let mut results: Vec<Option<FixResult>> = vec![None; shown.len()];
    for (fix, value) in &answers {
        let Some(position) = shown.iter().position(|name| name == fix) else {
            return Err(WebError::BadOutcome(if model.fix_id(fix).is_some() {
                format!("the fix `{}` is not among the fixes this result shows", clip(fix))
            } else {
                format!("unknown fix `{}`", clip(fix))
            }));
        };
        let Some(result) = RESULTS.iter().find(|r| r.1 == value).map(|r| r.0) else {
            return Err(WebError::BadOutcome(format!(
                "`{}` is not a result of a fix: worked, did_not_work or not_tried",
                clip(value)
            )));
        };
        if results[position].replace(result).is_some() {
            return Err(WebError::BadOutcome(format!("the fix `{}` is answered twice", clip(fix))));
        }
    }
    let confirmed = match cause_field.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(name) => match model.cause_id(name) {
            Some(id) => Some(model.cause(id).name.clone()),
            None => return Err(WebError::BadOutcome(format!("unknown cause `{}`", clip(name)))),
        },
    };
    let Some(kb) = base.version.clone() else { return Err(WebError::Internal) };
    let mut record = new_record(Tool::Serve, kb);
    record.symptom = Some(model.symptom(step.diagnosis.symptom).name.clone());
    record.facts = recorded_facts(base, &session, &facts);
    triage_learn::writer::set_ranking(&mut record, &step.ranking);
    record.fixes = shown
        .iter()
        .zip(&results)
        .map(|(fix, result)| TriedFix {
            fix: (*fix).to_string(),
            result: result.unwrap_or(FixResult::NotTried),
        })
        .collect();
    record.confirmed_cause = confirmed;
    let back = format!("/wizard?{}", session.query(model));
    Ok((record, base, back))
}

/// The facts of the session in the order learnt: read from pasted text (`extracted`, at the
/// step of the questions answered before the paste), answered (`asked`, step 1, 2, …), and
/// "Don't know" as `null`.
fn recorded_facts(
    base: &Base,
    session: &Session,
    facts: &triage_engine::FactSet,
) -> Vec<RecordedFact> {
    let model = base.engine.model();
    let json = facts.to_json(model);
    let mut asked = 0u32;
    let mut out = Vec::new();
    for entry in &session.history {
        let name = &model.fact(entry.fact()).name;
        let (value, source) = match entry {
            Entry::Answer { .. } => {
                asked += 1;
                (json.get(name).cloned().unwrap_or_default(), FactSource::Asked)
            }
            Entry::Skip(_) => {
                asked += 1;
                (serde_json::Value::Null, FactSource::Asked)
            }
            Entry::Read { .. } => {
                (json.get(name).cloned().unwrap_or_default(), FactSource::Extracted)
            }
        };
        out.push(RecordedFact { fact: name.clone(), value, source, step: asked });
    }
    out
}

/// At most 60 characters of a name from the form, for a message.
fn clip(text: &str) -> String {
    text.chars().take(60).collect()
}
