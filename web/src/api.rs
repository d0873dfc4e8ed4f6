//! The JSON API: `POST /api/diagnose` (a fact file in, the report of `triage diagnose --format
//! json` out; `?kb=NAME` says which knowledge base, else it is the one the file fits best) and
//! `GET /api/search?q=` (every knowledge base; with several, each hit names its own as
//! `knowledge_base`, as `triage search --format json` does).

use crate::error::WebError;
use crate::{App, MAX_BODY_BYTES, Work, session};
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use triage_engine::report::{Report, ReportOptions};
use triage_engine::search::SearchHit;
use triage_engine::{FactReader, Format};

/// An error as `{"error": …, "problems": [...]}` with its status.
pub(crate) fn error_response(error: &WebError) -> Response {
    let mut response = json_response(error.status(), &error.to_json());
    crate::error::add_retry_after(&mut response, error);
    response
}

fn json_response(status: StatusCode, value: &impl serde::Serialize) -> Response {
    match serde_json::to_string_pretty(value) {
        Ok(json) => {
            (status, [(header::CONTENT_TYPE, "application/json")], json + "\n").into_response()
        }
        Err(_) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "cannot serialise the response").into_response()
        }
    }
}

/// Reads the whole body, refusing more than [`MAX_BODY_BYTES`].
pub(crate) async fn read_body(headers: &HeaderMap, body: Body) -> Result<String, WebError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(WebError::BodyTooLarge { max: MAX_BODY_BYTES });
    }
    let bytes = Limited::new(body, MAX_BODY_BYTES).collect().await.map_err(|e| {
        if e.downcast_ref::<LengthLimitError>().is_some() {
            WebError::BodyTooLarge { max: MAX_BODY_BYTES }
        } else {
            WebError::Body(e.to_string())
        }
    })?;
    String::from_utf8(bytes.to_bytes().to_vec()).map_err(|_| WebError::NotUtf8)
}

/// A fact file (JSON; YAML when the content type says so) → the full report. The body is read
/// here; reading it as facts and the diagnosis run on the upload pool.
pub(crate) async fn diagnose(
    State(app): State<App>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let kb = match session::fields(query.as_deref()) {
        Ok(fields) => session::kb_named(&fields).map(str::to_string),
        Err(e) => return error_response(&e),
    };
    let text = match read_body(&headers, body).await {
        Ok(text) => text,
        Err(e) => return error_response(&e),
    };
    let yaml = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("yaml"));
    let format = if yaml { Format::Yaml } else { Format::Json };
    app.offload(Work::Upload, "/api/diagnose", move |app| {
        let chosen = match kb {
            Some(name) => app.base(Some(&name)).and_then(|base| {
                FactReader::new(base.engine.model())
                    .read(&text, format)
                    .map(|facts| (base, facts))
                    .map_err(WebError::FactFile)
            }),
            None => crate::bases::choose_for_facts(app.bases(), &text, format),
        };
        let (base, facts) = match chosen {
            Ok(chosen) => chosen,
            Err(e) => return error_response(&e),
        };
        let engine = &base.engine;
        let diagnosis = engine.diagnose(&facts);
        let report = Report::new(engine, &facts, &diagnosis, ReportOptions::FULL);
        json_response(StatusCode::OK, &report)
    })
    .await
}

/// `?q=…` → the matching symptoms, best first, each with why it matched.
pub(crate) async fn search(State(app): State<App>, RawQuery(query): RawQuery) -> Response {
    app.offload(Work::Page, "/api/search", move |app| {
        let fields = match session::fields(query.as_deref()) {
            Ok(fields) => fields,
            Err(e) => return error_response(&e),
        };
        let Some(q) = fields.into_iter().find(|(k, _)| k == "q").map(|(_, v)| v) else {
            return error_response(&WebError::Missing("q"));
        };
        let several = app.several();
        let hits: Vec<Hit> = crate::bases::search(app.bases(), &q)
            .into_iter()
            .map(|found| Hit {
                knowledge_base: several.then(|| found.base.name.clone()),
                hit: found.hit,
            })
            .collect();
        json_response(StatusCode::OK, &serde_json::json!({ "query": q, "hits": hits }))
    })
    .await
}

/// A search hit and, when several are served, the knowledge base it is from.
#[derive(serde::Serialize)]
struct Hit {
    #[serde(flatten)]
    hit: SearchHit,
    #[serde(skip_serializing_if = "Option::is_none")]
    knowledge_base: Option<String>,
}
