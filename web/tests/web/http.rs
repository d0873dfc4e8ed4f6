//! Every page and API route over HTTP (tower's `oneshot`, no socket): status, content type and
//! the content a person or a client relies on, read with an HTML parser rather than grepped.

// Helpers outside #[test] functions unwrap too: a panic there is a test failure.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use scraper::{ElementRef, Html, Selector};
use std::sync::OnceLock;
use tower::ServiceExt as _;
use triage_engine::report::{Report, ReportOptions};
use triage_engine::{Engine, FactReader, Format};
use triage_web::App;

fn engine() -> Engine {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../knowledge/rdp");
    let kb = triage_rules::load_paths(&[path]);
    Engine::new(kb.model.expect("the shipped knowledge base checks clean"))
}

fn app() -> &'static App {
    static APP: OnceLock<App> = OnceLock::new();
    APP.get_or_init(|| App::new(engine()).expect("templates compile"))
}

fn ssh_engine() -> Engine {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../knowledge/ssh");
    let kb = triage_rules::load_paths(&[path]);
    Engine::new(kb.model.expect("the shipped SSH knowledge base checks clean"))
}

/// The application `triage serve` makes without `--kb`: both shipped knowledge bases, RDP the
/// default.
fn multi_app() -> &'static App {
    static APP: OnceLock<App> = OnceLock::new();
    APP.get_or_init(|| {
        App::new_multi(vec![
            triage_web::Served::new("rdp", engine()).titled("Remote Desktop"),
            triage_web::Served::new("ssh", ssh_engine()).titled("SSH logins"),
        ])
        .expect("templates compile")
    })
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn html(&self) -> Html {
        let content_type = self.headers.get(header::CONTENT_TYPE).expect("a content type");
        assert_eq!(content_type, "text/html; charset=utf-8", "{}", self.body);
        Html::parse_document(&self.body)
    }

    fn json(&self) -> serde_json::Value {
        let content_type = self.headers.get(header::CONTENT_TYPE).expect("a content type");
        assert_eq!(content_type, "application/json", "{}", self.body);
        serde_json::from_str(&self.body).expect("valid JSON")
    }

    fn location(&self) -> String {
        self.headers.get(header::LOCATION).expect("a redirect").to_str().expect("ASCII").to_string()
    }
}

async fn send(request: Request<Body>) -> Reply {
    send_to(app(), request).await
}

async fn send_to(app: &App, request: Request<Body>) -> Reply {
    let response = app.router().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("body");
    Reply { status, headers, body: String::from_utf8(bytes.to_vec()).expect("UTF-8") }
}

async fn get(uri: &str) -> Reply {
    send(Request::get(uri).body(Body::empty()).expect("request")).await
}

/// A GET to the application that serves both knowledge bases.
async fn get_multi(uri: &str) -> Reply {
    send_to(multi_app(), Request::get(uri).body(Body::empty()).expect("request")).await
}

async fn post_multi(uri: &str, content_type: &str, body: impl Into<Body>) -> Reply {
    send_to(
        multi_app(),
        Request::post(uri)
            .header(header::CONTENT_TYPE, content_type)
            .body(body.into())
            .expect("request"),
    )
    .await
}

async fn post(uri: &str, content_type: &str, body: impl Into<Body>) -> Reply {
    send(
        Request::post(uri)
            .header(header::CONTENT_TYPE, content_type)
            .body(body.into())
            .expect("request"),
    )
    .await
}

fn select<'a>(doc: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    let selector = Selector::parse(css).expect("selector");
    doc.select(&selector).collect()
}

fn text(element: &ElementRef<'_>) -> String {
    element.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ")
}

fn first_text(doc: &Html, css: &str) -> String {
    select(doc, css).first().map_or_else(|| panic!("no `{css}` in the page"), text)
}

/// Landmarks and labels every page must have.
fn assert_accessible(doc: &Html) {
    assert_eq!(select(doc, "html[lang=en]").len(), 1, "lang attribute");
    assert_eq!(select(doc, "main#main").len(), 1, "one main landmark");
    assert_eq!(select(doc, "header nav[aria-label]").len(), 1, "navigation landmark");
    assert_eq!(select(doc, "a.skip[href='#main']").len(), 1, "skip link");
    assert_eq!(select(doc, "h1").len(), 1, "one h1");
    for input in select(doc, "input:not([type=hidden])") {
        let id = input.value().attr("id").expect("every visible input has an id");
        let label = format!("label[for='{id}']");
        assert_eq!(select(doc, &label).len(), 1, "a label for #{id}");
    }
    for radio in select(doc, "input[type=radio], input[type=checkbox]") {
        let in_fieldset = radio.ancestors().filter_map(ElementRef::wrap).any(|a| {
            a.value().name() == "fieldset"
                && a.children().filter_map(ElementRef::wrap).any(|c| c.value().name() == "legend")
        });
        assert!(in_fieldset, "radio groups sit in a fieldset with a legend");
    }
    assert!(select(doc, "script").is_empty(), "the pages need no script");
}

const HOSTILE: [&str; 3] =
    ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "'><svg onload=alert(1)>"];

fn assert_inert(doc: &Html) {
    assert!(select(doc, "script").is_empty(), "a script element came back");
    assert!(select(doc, "img").is_empty(), "an img element came back");
    assert!(select(doc, "svg").is_empty(), "an svg element came back");
    assert!(select(doc, "[onerror], [onload]").is_empty(), "an event handler came back");
}

#[tokio::test]
async fn the_home_page_is_a_labelled_search_form_and_every_symptom() {
    let reply = get("/").await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc = reply.html();
    assert_accessible(&doc);
    assert_eq!(first_text(&doc, "label[for=q]"), "Error code, message or a few words");
    assert_eq!(select(&doc, "form[role=search][action='/search'][method=get] input#q").len(), 1);
    let symptoms = select(&doc, "ul.symptoms a");
    assert_eq!(symptoms.len(), engine().model().symptoms.len());
    let csp = reply.headers.get(header::CONTENT_SECURITY_POLICY).expect("a CSP");
    assert!(csp.to_str().expect("ASCII").contains("default-src 'none'"));
    assert_eq!(reply.headers.get(header::X_CONTENT_TYPE_OPTIONS).expect("nosniff"), "nosniff");
}

#[tokio::test]
async fn searching_a_code_ranks_the_symptom_first_and_says_why() {
    let reply = get("/search?q=0x904").await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc = reply.html();
    assert_accessible(&doc);
    let hits = select(&doc, "ol.hits li.hit");
    assert!(!hits.is_empty());
    let start = select(&doc, "li.hit a.start")[0];
    // The searched code is what the person knows: the start carries it, with its words.
    assert_eq!(
        start.value().attr("href"),
        Some("/wizard?symptom=rdp_0x904_0x7&t.error_code=0x904&tq.error_code=0x904")
    );
    assert!(text(&start).contains("0x904"));
    assert!(first_text(&doc, "li.hit .why").contains("code 0x904"), "{}", reply.body);
    assert_eq!(select(&doc, "input#q")[0].value().attr("value"), Some("0x904"));
}

#[tokio::test]
async fn hostile_search_text_comes_back_as_text() {
    for hostile in HOSTILE {
        let query: String =
            form_urlencoded::Serializer::new(String::new()).append_pair("q", hostile).finish();
        let reply = get(&format!("/search?{query}")).await;
        assert_eq!(reply.status, StatusCode::OK);
        let doc = reply.html();
        assert_inert(&doc);
        assert_eq!(select(&doc, "input#q")[0].value().attr("value"), Some(hostile));
        assert!(first_text(&doc, "#results-heading").contains(hostile.trim()), "{}", reply.body);
    }
}

#[tokio::test]
async fn hostile_answers_come_back_as_text_in_the_error_page() {
    for hostile in HOSTILE {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("symptom", "rdp_0x904_0x7")
            .append_pair("f.error_code", hostile)
            .finish();
        let reply = get(&format!("/wizard?{query}")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        let doc = reply.html();
        assert_inert(&doc);
        let message = first_text(&doc, ".error .message");
        assert!(message.contains("error_code") && message.contains("expected an int"), "{message}");
        // And as a typed answer: shown again in the input, as its value.
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("symptom", "rdp_0x904_0x7")
            .append_pair("q", "error_code")
            .append_pair("a", hostile)
            .finish();
        let reply = get(&format!("/wizard?{query}")).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let doc = reply.html();
        assert_inert(&doc);
        assert!(!select(&doc, "[role=alert]").is_empty());
    }
}

#[tokio::test]
async fn a_question_page_has_one_labelled_question_the_ranking_and_back() {
    let reply = get("/wizard?symptom=rdp_0x904_0x7").await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc = reply.html();
    assert_accessible(&doc);
    assert_eq!(select(&doc, "form.question[method=get][action='/wizard']").len(), 1);
    let hidden = "form.question input[type=hidden][name=symptom][value=rdp_0x904_0x7]";
    assert_eq!(select(&doc, hidden).len(), 1);
    assert_eq!(select(&doc, "input[type=hidden][name=q]").len(), 1);
    // Always a way to say "Don't know" and to go back.
    let dont_know = select(&doc, "label[for=a-unknown], button[name=unknown]");
    assert_eq!(dont_know.len(), 1);
    assert_eq!(text(&dont_know[0]), "Don't know");
    let back = select(&doc, ".actions a.button");
    assert_eq!(text(&back[0]), "Back");
    // The ranking: percentages and the one-line reason, in a labelled side panel.
    let causes = select(&doc, "aside[aria-labelledby=ranking-heading] li.cause");
    assert!(causes.len() >= 3, "{}", reply.body);
    let pct = first_text(&doc, "li.cause .pct");
    assert!(pct.ends_with('%'), "{pct}");
}

#[tokio::test]
async fn a_session_can_start_without_a_symptom_and_the_home_page_offers_it() {
    let home = get("/").await.html();
    assert_eq!(select(&home, "a[href='/wizard']").len(), 1, "the home page offers questions first");
    let reply = get("/wizard").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let doc = reply.html();
    assert_accessible(&doc);
    assert!(first_text(&doc, "p.note").contains("no symptom matches exactly"), "{}", reply.body);
    assert_eq!(select(&doc, "input[type=hidden][name=symptom]").len(), 0, "no symptom yet");
    assert_eq!(select(&doc, "input[type=hidden][name=q]").len(), 1, "a question");
    // Answering it keeps the session open (no symptom in the address) until the facts show one.
    let fact = select(&doc, "input[name=q]")[0].value().attr("value").expect("q").to_string();
    let value = select(&doc, "input[name=a]")[0].value().attr("value").unwrap_or("").to_string();
    let answered = get(&format!("/wizard?q={fact}&a={value}")).await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);
    assert_eq!(answered.location(), format!("/wizard?f.{fact}={value}"));
    let next = get(&answered.location()).await;
    assert_eq!(next.status, StatusCode::OK, "{}", next.body);
}

#[tokio::test]
async fn an_answer_redirects_to_the_address_of_the_new_state() {
    let first = get("/wizard?symptom=rdp_0x904_0x7").await.html();
    let fact = select(&first, "input[name=q]")[0].value().attr("value").expect("q").to_string();
    let value = select(&first, "input[name=a]")[0].value().attr("value").unwrap_or("").to_string();
    let value = if value.is_empty() { "1".to_string() } else { value };
    let reply = get(&format!("/wizard?symptom=rdp_0x904_0x7&q={fact}&a={value}")).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location(), format!("/wizard?symptom=rdp_0x904_0x7&f.{fact}={value}"));
    // "Don't know" is a skip, and that fact is not asked again.
    let reply = get(&format!("/wizard?symptom=rdp_0x904_0x7&q={fact}&a=%3F")).await;
    assert_eq!(reply.location(), format!("/wizard?symptom=rdp_0x904_0x7&skip={fact}"));
    let next = get(&reply.location()).await.html();
    let asked = select(&next, "input[name=q]");
    assert!(asked.is_empty() || asked[0].value().attr("value") != Some(fact.as_str()));
    // Back undoes exactly that skip.
    let back = select(&next, ".actions a.button")[0].value().attr("href").expect("href");
    assert_eq!(back, "/wizard?symptom=rdp_0x904_0x7");
}

#[tokio::test]
async fn a_malformed_typed_answer_is_refused_with_the_reason_and_kept() {
    let reply = get("/wizard?symptom=rdp_0x904_0x7&q=error_code&a=banana").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let doc = reply.html();
    assert_accessible(&doc);
    let alert = first_text(&doc, "[role=alert]");
    assert!(alert.contains("expected an int") && alert.contains("banana"), "{alert}");
    // Nothing was chosen at all: asked to choose.
    let reply = get("/wizard?symptom=rdp_0x904_0x7&q=error_code").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(first_text(&reply.html(), "[role=alert]").contains("choose an answer"));
}

#[tokio::test]
async fn bad_wizard_addresses_are_4xx_pages_that_say_what_is_wrong() {
    let cases = [
        ("/wizard?symptom=rdp_0x904_0x8", StatusCode::NOT_FOUND, "did you mean `rdp_0x904_0x7`?"),
        ("/wizard?symptom=rdp_0x904_0x7&f.eror_code=1", StatusCode::BAD_REQUEST, "error_code"),
        ("/wizard?symptom=rdp_0x904_0x7&skip=nope", StatusCode::BAD_REQUEST, "unknown key"),
        ("/kb/causes/nope", StatusCode::NOT_FOUND, "unknown cause `nope`"),
        ("/kb/symptoms/rdp_0x904_0x6", StatusCode::NOT_FOUND, "did you mean"),
        ("/no/such/page", StatusCode::NOT_FOUND, "there is no page at `/no/such/page`"),
    ];
    for (uri, status, says) in cases {
        let reply = get(uri).await;
        assert_eq!(reply.status, status, "{uri}");
        let doc = reply.html();
        assert_accessible(&doc);
        let message = first_text(&doc, "[role=alert]");
        assert!(message.contains(says), "{uri}: {message}");
    }
    let reply = post("/wizard", "text/plain", "x").await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(first_text(&reply.html(), "[role=alert]").contains("POST"));
}

#[tokio::test]
async fn oversized_addresses_are_refused() {
    let many = "&skip=error_code".repeat(300);
    let reply = get(&format!("/wizard?symptom=rdp_0x904_0x7{many}")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(first_text(&reply.html(), "[role=alert]").contains("more than 256 fields"));
    let long = "9".repeat(2000);
    let reply = get(&format!("/wizard?symptom=rdp_0x904_0x7&f.error_code={long}")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let huge = "x".repeat(20_000);
    let reply = get(&format!("/search?q={huge}")).await;
    assert_eq!(reply.status, StatusCode::URI_TOO_LONG);
}

/// Fills a question form the way a person would: the first choice, or a typed value of the
/// fact's type. Returns the address the browser would submit to.
fn submit(doc: &Html, model: &triage_rules::Model) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for hidden in select(doc, "form.question input[type=hidden]") {
        let name = hidden.value().attr("name").expect("name");
        query.append_pair(name, hidden.value().attr("value").unwrap_or(""));
    }
    let choices =
        select(doc, "form.question input[type=radio], form.question input[type=checkbox]");
    if let Some(choice) = choices.first() {
        query.append_pair("a", choice.value().attr("value").expect("value"));
    } else {
        let fact = select(doc, "input[name=q]")[0].value().attr("value").expect("q");
        let id = model.fact_id(fact).expect("a fact");
        let value = match model.fact(id).ty {
            triage_rules::model::FactType::Version => "10.0.26100",
            triage_rules::model::FactType::String => "rdp.example.com",
            _ => "0x7",
        };
        query.append_pair("a", value);
    }
    format!("/wizard?{}", query.finish())
}

#[tokio::test]
async fn a_whole_session_from_search_to_the_result_and_its_downloads() {
    let engine = engine();
    let model = engine.model();
    let search = get("/search?q=0x904").await.html();
    let mut address =
        select(&search, "li.hit a.start")[0].value().attr("href").expect("href").to_string();
    let mut questions = Vec::new();
    let result = loop {
        let reply = get(&address).await;
        assert_eq!(reply.status, StatusCode::OK, "{address}: {}", reply.body);
        let doc = reply.html();
        assert_accessible(&doc);
        if select(&doc, "form.question").is_empty() {
            break doc;
        }
        questions.push(first_text(&doc, "h1"));
        assert!(questions.len() < 60, "the wizard never stops: {questions:?}");
        let answered = get(&submit(&doc, model)).await;
        assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);
        address = answered.location();
    };
    assert!(!questions.is_empty(), "at least one question was asked");
    assert!(first_text(&result, "#stop-reason").starts_with("Stopped asking — "));
    let h1 = first_text(&result, "h1");
    assert!(h1.starts_with("Most likely: ") || h1 == "No known cause fits", "{h1}");
    assert!(!select(&result, "ol.repair li.fix h3 a").is_empty(), "the repair order is listed");
    assert_eq!(select(&result, "dl.answers dt").len(), questions.len());
    // The fact file: an attachment that `triage diagnose` reads back to the same answers.
    let facts_url = select(&result, "a[download]")
        .into_iter()
        .find(|a| a.value().attr("href").is_some_and(|h| h.starts_with("/wizard/facts.json")))
        .expect("a fact file download")
        .value()
        .attr("href")
        .expect("href")
        .to_string();
    let download = get(&facts_url).await;
    assert_eq!(download.status, StatusCode::OK);
    let disposition = download.headers.get(header::CONTENT_DISPOSITION).expect("disposition");
    assert_eq!(disposition, "attachment; filename=\"facts-rdp_0x904_0x7.json\"");
    let facts = FactReader::new(model).read(&download.body, Format::Json).expect("valid facts");
    assert_eq!(facts.symptom, model.symptom_id("rdp_0x904_0x7"));
    // The answers, plus the code the search read from "0x904" (never asked).
    let answered = facts.values.iter().filter(|v| v.is_some()).count();
    assert!(answered <= questions.len() + 1);
    assert_eq!(
        facts.values[model.fact_id("error_code").expect("a fact").index()],
        Some(triage_engine::FactValue::Int(0x904))
    );
    // The diagnosis of the same facts over the API is the report the result page shows.
    let api = post("/api/diagnose", "application/json", download.body.clone()).await.json();
    let first_cause = &api["symptoms"][0]["causes"][0]["title"];
    if let Some(leader) = h1.strip_prefix("Most likely: ") {
        assert_eq!(first_cause.as_str(), Some(leader));
    }
}

#[tokio::test]
async fn the_guide_and_the_plans_of_a_session() {
    let state = "symptom=rdp_0x904_0x7&f.error_message=internal_error&f.tls12_server_enabled=no";
    let result = get(&format!("/wizard?{state}&end=1")).await.html();
    let guide_link = select(&result, "a[href^='/wizard/guide?']");
    assert_eq!(guide_link.len(), 1, "the result links to the full guide");
    let reply = get(guide_link[0].value().attr("href").expect("href")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let csp =
        reply.headers.get(header::CONTENT_SECURITY_POLICY).expect("CSP").to_str().expect("ASCII");
    assert!(csp.contains("style-src 'unsafe-inline'") && !csp.contains("script"), "{csp}");
    let guide = reply.html();
    assert!(select(&guide, "script").is_empty());
    let title = engine()
        .model()
        .symptom(engine().model().symptom_id("rdp_0x904_0x7").expect("symptom"))
        .title
        .clone();
    assert!(first_text(&guide, "h1").contains(&title), "{}", first_text(&guide, "h1"));
    let downloads: Vec<String> = select(&result, "ul.downloads a[download]")
        .iter()
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    let ps1 = downloads.iter().find(|h| h.starts_with("/wizard/plan.ps1?")).expect("a ps1 link");
    let reply = get(ps1).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.headers.get(header::CONTENT_DISPOSITION).expect("attachment"),
        "attachment; filename=\"plan-rdp_0x904_0x7.ps1\""
    );
    assert!(reply.body.contains("$Apply"), "a dry run unless -Apply");
    let json = downloads.iter().find(|h| h.starts_with("/wizard/plan.json?")).expect("a JSON plan");
    let reply = get(json).await;
    assert_eq!(reply.status, StatusCode::OK);
    let plan: serde_json::Value = serde_json::from_str(&reply.body).expect("JSON");
    assert!(plan.is_object());
    let md = downloads.iter().find(|h| h.starts_with("/wizard/guide.md?")).expect("Markdown guide");
    let reply = get(md).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains(&title));
}

#[tokio::test]
async fn the_api_diagnoses_a_fact_file_exactly_as_the_cli_report() {
    let body =
        r#"{"error_code": "0x904", "extended_error_code": 7, "target_platform": "azure_vm"}"#;
    let reply = post("/api/diagnose", "application/json", body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let engine = engine();
    let facts = FactReader::new(engine.model()).read(body, Format::Json).expect("valid");
    let expected = Report::new(&engine, &facts, &engine.diagnose(&facts), ReportOptions::FULL);
    let expected = serde_json::to_string_pretty(&expected).expect("serialises") + "\n";
    assert_eq!(reply.body, expected);
    assert_eq!(reply.json()["symptoms"][0]["symptom"], "rdp_0x904_0x7");
    // YAML when the client says so.
    let yaml = "error_code: 0x904\nextended_error_code: 7\ntarget_platform: azure_vm\n";
    let reply = post("/api/diagnose", "application/yaml", yaml).await;
    assert_eq!(reply.body, expected);
}

#[tokio::test]
async fn a_bad_fact_file_is_a_422_listing_every_problem() {
    let body = r#"{"eror_code": 1, "extended_error_code": "seven", "error_code": "<script>"}"#;
    let reply = post("/api/diagnose", "application/json", body).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let json = reply.json();
    assert_eq!(json["error"], "3 problems in the facts");
    let problems = json["problems"].as_array().expect("a list");
    let keys: Vec<&str> = problems.iter().filter_map(|p| p["key"].as_str()).collect();
    assert_eq!(keys, ["eror_code", "extended_error_code", "error_code"]);
    assert_eq!(problems[0]["hint"], "did you mean `error_code`?");
    let reply = post("/api/diagnose", "application/json", "{not json").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.json()["error"].as_str().expect("text").starts_with("not valid JSON"));
    let reply = post("/api/diagnose", "application/json", vec![0xff_u8, 0xfe]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["error"], "the request body is not UTF-8 text");
}

#[tokio::test]
async fn an_oversized_body_is_a_413() {
    // No declared length (as a chunked upload): the limit stops the reading.
    let big = format!("{{\"host\": \"{}\"}}", "x".repeat(triage_web::MAX_BODY_BYTES));
    let reply = post("/api/diagnose", "application/json", big).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.json()["error"], "the request body is larger than 262144 bytes");
    // A declared length over the limit is refused before reading anything.
    let declared = Request::post("/api/diagnose")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, "10000000")
        .body(Body::from("{}"))
        .expect("request");
    let reply = send(declared).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Just under the limit is fine (the padding is JSON white space: no value is that long).
    let fits = format!("{{\"host\": \"pc\"{}}}", " ".repeat(triage_web::MAX_BODY_BYTES - 20));
    assert!(fits.len() < triage_web::MAX_BODY_BYTES);
    let reply = post("/api/diagnose", "application/json", fits).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", &reply.body[..200.min(reply.body.len())]);
}

#[tokio::test]
async fn a_request_that_takes_too_long_is_a_408() {
    let limits = triage_web::Limits {
        cache_bytes: 0,
        request_timeout: std::time::Duration::from_millis(200),
        ..triage_web::Limits::default()
    };
    let app = App::with_limits(engine(), limits).expect("templates compile");
    // A client that sends the headers and then nothing: the body never completes.
    let (sender, body) =
        http_body_util::channel::Channel::<axum::body::Bytes, std::io::Error>::new(1);
    let request = Request::post("/api/diagnose")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::new(body))
        .expect("request");
    let response =
        tokio::time::timeout(std::time::Duration::from_secs(5), app.router().oneshot(request))
            .await
            .expect("answered long before 5 s")
            .expect("infallible");
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("body");
    let json: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    assert_eq!(json["error"], "the request took longer than 200 ms");
    drop(sender);
}

#[tokio::test]
async fn the_search_api_ranks_with_reasons() {
    let reply = get("/api/search?q=0x904").await;
    assert_eq!(reply.status, StatusCode::OK);
    let json = reply.json();
    assert_eq!(json["query"], "0x904");
    assert_eq!(json["hits"][0]["symptom"], "rdp_0x904_0x7");
    assert!(
        json["hits"][0]["matched"].as_array().expect("reasons").iter().any(|m| m == "code 0x904")
    );
    let reply = get("/api/search").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["error"], "missing `q` in the address");
    let reply = get("/api/nothing-here").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.json()["error"], "there is no page at `/api/nothing-here`");
}

#[tokio::test]
async fn every_knowledge_base_page_links_to_pages_that_exist() {
    let reply = get("/kb").await;
    assert_eq!(reply.status, StatusCode::OK);
    let index = reply.html();
    assert_accessible(&index);
    let model = engine().model().clone();
    let links: Vec<String> = select(&index, "ul.items a")
        .iter()
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    let total = model.symptoms.len() + model.causes.len() + model.fixes.len() + model.facts.len();
    assert_eq!(links.len(), total);
    let mut seen = std::collections::HashSet::new();
    let mut pages = 0;
    for link in &links {
        let reply = get(link).await;
        assert_eq!(reply.status, StatusCode::OK, "{link}");
        let doc = reply.html();
        assert_accessible(&doc);
        pages += 1;
        for a in select(&doc, "main a[href^='/kb/']") {
            let href = a.value().attr("href").expect("href").to_string();
            if seen.insert(href.clone()) {
                assert_eq!(get(&href).await.status, StatusCode::OK, "{link} links to {href}");
            }
        }
    }
    assert_eq!(pages, total);
}

#[tokio::test]
async fn a_fix_page_renders_its_steps_and_scripts() {
    let model = engine().model().clone();
    let fix = model.fixes.iter().find(|f| f.steps.is_some() && !f.run.is_empty()).expect("a fix");
    let reply = get(&format!("/kb/fixes/{}", fix.name)).await;
    let doc = reply.html();
    assert_eq!(first_text(&doc, "h1"), fix.title);
    assert!(!select(&doc, ".steps ol li, .steps ul li, .steps p").is_empty(), "steps as HTML");
    let script = first_text(&doc, "pre.script code");
    let first_line = fix.run[0].code.split_whitespace().next().expect("code");
    assert!(script.contains(first_line), "{script}");
    for cause in &fix.fixes {
        let name = &model.cause(*cause).name;
        assert_eq!(select(&doc, &format!("a[href='/kb/causes/{name}']")).len(), 1);
    }
}

#[tokio::test]
async fn a_cached_page_is_the_page_computed_afresh() {
    let uncached = App::with_cache(engine(), 0).expect("templates compile");
    let address = "/wizard?symptom=rdp_0x904_0x7&f.error_message=internal_error";
    let mut bodies = Vec::new();
    for _ in 0..2 {
        let response = uncached
            .router()
            .oneshot(Request::get(address).body(Body::empty()).expect("request"))
            .await
            .expect("infallible");
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("body");
        bodies.push(String::from_utf8(bytes.to_vec()).expect("UTF-8"));
    }
    let first = get(address).await;
    let second = get(address).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.body, bodies[0]);
    assert_eq!(second.body, bodies[1]);
    assert_eq!(uncached.cache_stats().pages, 0);
    assert!(app().cache_stats().hits >= 1);
}

#[tokio::test]
async fn the_stylesheet_is_served() {
    let reply = get("/static/style.css").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers.get(header::CONTENT_TYPE).expect("type"), "text/css; charset=utf-8");
    assert!(reply.body.contains(":focus-visible"), "visible focus");
}

#[tokio::test]
async fn the_search_api_answer_for_0x904_is_stable() {
    let json = get("/api/search?q=0x904").await.json();
    insta::assert_json_snapshot!("api_search_0x904", json, {
        ".hits[].score" => insta::rounded_redaction(3),
    });
}

/// The body a browser sends for the paste form: its hidden fields, then the text.
fn paste_body(hidden: &[(&str, &str)], text: &str) -> String {
    let mut body = form_urlencoded::Serializer::new(String::new());
    for (key, value) in hidden {
        body.append_pair(key, value);
    }
    body.append_pair("text", text).finish()
}

async fn paste(hidden: &[(&str, &str)], text: &str) -> Reply {
    post("/wizard/read", "application/x-www-form-urlencoded", paste_body(hidden, text)).await
}

/// The facts a page lists under "Read from your text:": (fact, title, value, quotes).
fn reads(doc: &Html) -> Vec<(String, String, String, Vec<String>)> {
    select(doc, "section.read li.read-fact")
        .into_iter()
        .map(|li| {
            let link = li.select(&Selector::parse(".fact a").expect("css")).next().expect("a link");
            let fact = link.value().attr("href").expect("href").trim_start_matches("/kb/facts/");
            let value = li.select(&Selector::parse(".value").expect("css")).next().expect("value");
            let quote = Selector::parse(".from q").expect("css");
            let quotes = li.select(&quote).map(|q| text(&q)).collect();
            (fact.to_string(), text(&link), text(&value), quotes)
        })
        .collect()
}

const DIALOG: &str = include_str!("../../../knowledge/rdp/examples/0x904-dialog.txt");

#[tokio::test]
async fn the_paste_box_is_on_the_home_page_and_the_first_step_only() {
    let label = "Paste the error dialog, a log excerpt or the ticket";
    let home = get("/").await.html();
    let form = "form.paste[method=post][action='/wizard/read']";
    assert_eq!(select(&home, &format!("{form} textarea#paste-text[name=text]")).len(), 1);
    assert_eq!(first_text(&home, "label[for=paste-text]"), label);
    assert!(select(&home, &format!("{form} input[type=hidden]")).is_empty());
    let first = get("/wizard?symptom=rdp_0x904_0x7").await.html();
    assert_accessible(&first);
    assert_eq!(first_text(&first, "label[for=paste-text]"), label);
    let hidden = select(&first, &format!("{form} input[type=hidden]"));
    assert_eq!(hidden.len(), 1, "the session it adds to");
    assert_eq!(hidden[0].value().attr("value"), Some("rdp_0x904_0x7"));
    let later = get("/wizard?symptom=rdp_0x904_0x7&skip=error_message").await.html();
    assert!(select(&later, form).is_empty(), "not after the first step");
}

#[tokio::test]
async fn a_pasted_dialog_starts_the_wizard_from_its_facts_with_the_words_shown() {
    let reply = paste(&[], DIALOG).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let address = reply.location();
    assert!(address.starts_with("/wizard?t."), "{address}");
    let page = get(&address).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let doc = page.html();
    assert_accessible(&doc);
    assert_eq!(first_text(&doc, "#read-heading"), "Read from your text:");
    let read = reads(&doc);
    let facts: Vec<&str> = read.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(facts, ["error_message", "error_code", "extended_error_code"], "{read:?}");
    let model = engine();
    let model = model.model();
    let message = model.fact(model.fact_id("error_message").expect("fact"));
    let internal = message.ty.values().iter().position(|v| v == "internal_error").expect("value");
    assert_eq!(read[0].1, view_title(message));
    assert_eq!(read[0].2, message.value_label(internal as u32), "the label, not the name");
    assert_eq!(read[0].3, ["internal error has occurred"]);
    assert_eq!(
        (read[1].2.as_str(), read[1].3.as_slice()),
        ("0x904", &["Error code: 0x904".into()][..])
    );
    assert_eq!(read[2].2, "0x7");
    // The symptom the facts show; none of them is asked again, and no question was counted.
    assert!(first_text(&doc, ".crumbs").ends_with("question 1"), "{}", first_text(&doc, ".crumbs"));
    let asked = select(&doc, "form.question input[name=q]")[0].value().attr("value").expect("q");
    assert!(!facts.contains(&asked), "{asked} was read from the text");
    // The answer form carries them on; Back undoes the whole paste.
    let carried = select(&doc, "form.question input[type=hidden][name^='t.']");
    assert_eq!(carried.len(), 3);
    assert_eq!(select(&doc, ".actions a.button")[0].value().attr("href"), Some("/wizard?"));
    // Remove one: the same page without it, and the wizard may ask it.
    let remove = select(&doc, "li.read-fact a.remove")[1].value().attr("href").expect("href");
    assert!(!remove.contains("t.error_code"), "{remove}");
    let removed = get(remove).await.html();
    let left: Vec<String> = reads(&removed).into_iter().map(|r| r.0).collect();
    assert_eq!(left, ["error_message", "extended_error_code"]);
    // The result lists them with their words, apart from the answers; the fact file has them.
    let result = get(&format!("{address}&end=1")).await.html();
    assert_accessible(&result);
    assert_eq!(reads(&result).len(), 3);
    assert!(select(&result, "dl.answers").is_empty(), "no question was answered");
    let facts_url = select(&result, "a[href^='/wizard/facts.json?']")[0]
        .value()
        .attr("href")
        .expect("href")
        .to_string();
    let file = get(&facts_url).await;
    let json: serde_json::Value = serde_json::from_str(&file.body).expect("JSON");
    assert_eq!(json["error_code"], 0x904, "{}", file.body);
    assert_eq!(json["error_message"], "internal_error");
}

fn view_title(def: &triage_rules::model::FactDef) -> String {
    def.title.clone().unwrap_or_else(|| def.name.replace('_', " "))
}

#[tokio::test]
async fn facts_already_in_the_form_win_over_the_paste() {
    let hidden =
        [("symptom", "rdp_0x904_0x7"), ("f.extended_error_code", "0x8"), ("skip", "error_message")];
    let reply = paste(&hidden, DIALOG).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let address = reply.location();
    assert!(
        address.starts_with("/wizard?symptom=rdp_0x904_0x7&f.extended_error_code=0x8&"),
        "{address}"
    );
    assert!(!address.contains("t.extended_error_code"), "the answer given wins: {address}");
    assert!(!address.contains("skip=error_message"), "the text knows what was not: {address}");
    let doc = get(&address).await.html();
    let read: Vec<String> = reads(&doc).into_iter().map(|r| r.0).collect();
    assert_eq!(read, ["error_message", "error_code"]);
    // A second paste of the same text says nothing new.
    let hidden: Vec<(String, String)> = select(&doc, "form.question input[type=hidden]")
        .iter()
        .filter(|i| i.value().attr("name") != Some("q"))
        .map(|i| {
            (
                i.value().attr("name").expect("name").to_string(),
                i.value().attr("value").unwrap_or("").to_string(),
            )
        })
        .collect();
    let hidden: Vec<(&str, &str)> = hidden.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let again = paste(&hidden, DIALOG).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    let doc = again.html();
    assert!(first_text(&doc, "[role=alert]").contains("already in your answers"));
    let back = select(&doc, "form.paste a.button")[0].value().attr("href").expect("href");
    assert_eq!(back, address);
}

#[tokio::test]
async fn a_hostile_paste_comes_back_as_text() {
    let brief = r#"<script>alert(1)</script> error code: 0x904 "><img src=x onerror=alert(1)>"#;
    let in_quote = r#"Remote Desktop can't connect to the remote "><svg/onload=alert(1)> computer for one of these reasons. <script>alert(1)</script> error code: 0x904 "><img src=x onerror=alert(1)>"#;
    for hostile in [brief, in_quote] {
        let reply = paste(&[], hostile).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let doc = get(&reply.location()).await.html();
        assert_inert(&doc);
        assert_accessible(&doc);
        let read = reads(&doc);
        let code = read.iter().find(|r| r.0 == "error_code").expect("the code is read");
        assert_eq!(code.3, ["error code: 0x904"]);
        if hostile == in_quote {
            // The words of the message, markup and all, shown as text.
            let message = read.iter().find(|r| r.0 == "error_message").expect("the message");
            assert!(message.3[0].contains(r#""><svg/onload=alert(1)>"#), "{:?}", message.3);
        }
    }
    // Read nothing: the text comes back in the box, as text.
    let nothing =
        r#"<script>alert(1)</script> "><img src=x onerror=alert(1)> '><svg onload=alert(1)>"#;
    let reply = paste(&[], nothing).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let doc = reply.html();
    assert_inert(&doc);
    assert_accessible(&doc);
    assert_eq!(first_text(&doc, "textarea#paste-text"), nothing);
    assert!(first_text(&doc, "[role=alert]").contains("Nothing in this text"));
}

#[tokio::test]
async fn bad_pastes_are_refused_with_a_reason() {
    let reply = paste(&[], "  \n ").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(first_text(&reply.html(), "[role=alert]").contains("Paste some text first"));
    let reply = paste(&[("symptom", "rdp_0x904_0x8")], DIALOG).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = paste(&[("f.error_code", "banana")], DIALOG).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let big = paste_body(&[], &"x".repeat(triage_web::MAX_BODY_BYTES));
    let reply = post("/wizard/read", "application/x-www-form-urlencoded", big).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(get("/wizard/read").await.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn the_longest_paste_is_read_in_good_time() {
    // A log as long as a body may be, with the dialog at its end.
    let line = "2025-01-07 10:22:31 mstsc.exe[4410] trace: channel negotiation step ok\n";
    let encoded = paste_body(&[], line).len() - "text=".len();
    let mut log = line.repeat((triage_web::MAX_BODY_BYTES - 1024) / encoded);
    log.push_str(DIALOG);
    assert!(paste_body(&[], &log).len() <= triage_web::MAX_BODY_BYTES);
    let started = std::time::Instant::now();
    let reply = paste(&[], &log).await;
    let took = started.elapsed();
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", &reply.body[..reply.body.len().min(300)]);
    assert!(reply.location().contains("t.error_code=0x904"));
    assert!(took < std::time::Duration::from_secs(5), "{took:?}");
    eprintln!("a {} KiB paste read in {took:?}", log.len() / 1024);
}

fn href(element: &ElementRef<'_>) -> String {
    element.value().attr("href").expect("href").to_string()
}

#[tokio::test]
async fn a_search_finds_the_ssh_symptom_and_says_it_is_from_the_ssh_knowledge_base() {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("q", "Permission denied (publickey)")
        .finish();
    let reply = get_multi(&format!("/search?{query}")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc = reply.html();
    assert_accessible(&doc);
    let ssh = ssh_engine();
    let first = select(&doc, "li.hit")[0];
    let start = href(&first.select(&Selector::parse("a.start").expect("css")).next().expect("a"));
    let symptom = start
        .strip_prefix("/wizard?kb=ssh&symptom=")
        .expect("an SSH start")
        .split('&')
        .next()
        .expect("a symptom")
        .to_string();
    // What the searched text says is known from the start, with the words it came from.
    assert!(start.contains("&t.ssh_client_error=permission_denied&"), "{start}");
    assert!(ssh.model().symptom_id(&symptom).is_some(), "{symptom}");
    let from = first.select(&Selector::parse(".from").expect("css")).next().expect("its source");
    assert_eq!(text(&from), "From the knowledge base “SSH logins”");
    let about = href(&first.select(&Selector::parse(".more a").expect("css")).next().expect("a"));
    assert_eq!(about, format!("/kb/symptoms/{symptom}?kb=ssh"));
    let page = get_multi(&about).await;
    assert_eq!(page.status, StatusCode::OK, "{about}");
    assert_eq!(
        first_text(&page.html(), "h1"),
        ssh.model().symptom(ssh.model().symptom_id(&symptom).expect("id")).title
    );
    // An RDP code still finds the RDP symptom first, at its old address, saying where from.
    let doc = get_multi("/search?q=0x904").await.html();
    assert_eq!(
        href(&select(&doc, "li.hit a.start")[0]),
        "/wizard?symptom=rdp_0x904_0x7&t.error_code=0x904&tq.error_code=0x904"
    );
    assert_eq!(first_text(&doc, "li.hit .from"), "From the knowledge base “Remote Desktop”");
    // The home page lists the symptoms of both, under their titles, and starts either.
    let home = get_multi("/").await.html();
    assert_accessible(&home);
    let total = engine().model().symptoms.len() + ssh.model().symptoms.len();
    assert_eq!(select(&home, "ul.symptoms a").len(), total);
    let starts: Vec<String> = select(&home, "ul.starts a").iter().map(href).collect();
    assert_eq!(starts, ["/wizard", "/wizard?kb=ssh"]);
    // The API names the knowledge base of each hit, as `triage search --format json` does.
    let json = get_multi(&format!("/api/search?{query}")).await.json();
    assert_eq!(json["hits"][0]["knowledge_base"], "ssh", "{json}");
    assert_eq!(json["hits"][0]["symptom"], symptom.as_str());
    let json = get_multi("/api/search?q=0x904").await.json();
    assert_eq!(json["hits"][0]["knowledge_base"], "rdp", "{json}");
}

#[tokio::test]
async fn a_session_in_the_ssh_knowledge_base_asks_ssh_questions_and_offers_a_bash_plan() {
    let ssh = ssh_engine();
    let model = ssh.model();
    let symptom = &model.symptoms[0].name;
    let mut address = format!("/wizard?kb=ssh&symptom={symptom}");
    let mut questions = 0;
    let result = loop {
        let reply = get_multi(&address).await;
        assert_eq!(reply.status, StatusCode::OK, "{address}: {}", reply.body);
        let doc = reply.html();
        assert_accessible(&doc);
        if select(&doc, "form.question").is_empty() {
            break doc;
        }
        let asked = select(&doc, "input[name=q]")[0].value().attr("value").expect("q").to_string();
        assert!(model.fact_id(&asked).is_some(), "{asked} is not an SSH fact");
        assert!(engine().model().fact_id(&asked).is_none(), "{asked} is an RDP fact");
        assert_eq!(select(&doc, "form.question input[type=hidden][name=kb][value=ssh]").len(), 1);
        for a in select(&doc, "main a[href^='/kb/'], aside a[href^='/kb/']") {
            assert!(href(&a).ends_with("?kb=ssh"), "{}", href(&a));
        }
        questions += 1;
        assert!(questions < 60, "the wizard never stops");
        let answered = get_multi(&submit(&doc, model)).await;
        assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);
        address = answered.location();
        assert!(address.starts_with("/wizard?kb=ssh&"), "{address}");
    };
    assert!(questions > 0);
    assert!(first_text(&result, ".crumbs").starts_with("SSH logins · "));
    let downloads: Vec<String> =
        select(&result, "ul.downloads a[download]").iter().map(href).collect();
    assert!(!downloads.iter().any(|h| h.starts_with("/wizard/plan.ps1?")), "{downloads:?}");
    let sh =
        downloads.iter().find(|h| h.starts_with("/wizard/plan.sh?kb=ssh&")).expect("a bash plan");
    let reply = get_multi(sh).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.headers.get(header::CONTENT_TYPE).expect("type"), "text/x-shellscript");
    assert_eq!(
        reply.headers.get(header::CONTENT_DISPOSITION).expect("attachment"),
        &format!("attachment; filename=\"plan-{symptom}.sh\"")
    );
    assert!(reply.body.starts_with("#!/usr/bin/env bash\n"), "{}", reply.body);
    assert_parses_as_bash(&reply.body);
    // Every other download is the SSH knowledge base's too.
    let facts = downloads.iter().find(|h| h.starts_with("/wizard/facts.json?")).expect("facts");
    let file = get_multi(facts).await;
    let read = FactReader::new(model).read(&file.body, Format::Json).expect("SSH facts");
    assert_eq!(read.symptom, model.symptom_id(symptom));
    for kind in ["/wizard/plan.json?", "/wizard/guide.md?"] {
        let url = downloads.iter().find(|h| h.starts_with(kind)).expect(kind);
        assert_eq!(get_multi(url).await.status, StatusCode::OK, "{url}");
    }
    let report =
        select(&result, "a[href^='/wizard/report.json?']").first().map(href).expect("report");
    let json = get_multi(&report).await.json();
    assert_eq!(json["symptoms"][0]["symptom"], symptom.as_str());
    let guide = select(&result, "a[href^='/wizard/guide?']").first().map(href).expect("guide");
    assert_eq!(get_multi(&guide).await.status, StatusCode::OK);
    // The RDP result keeps its PowerShell plan and has no bash one.
    let rdp = get_multi("/wizard?symptom=rdp_0x904_0x7&end=1").await.html();
    let rdp: Vec<String> = select(&rdp, "ul.downloads a[download]").iter().map(href).collect();
    assert!(rdp.iter().any(|h| h.starts_with("/wizard/plan.ps1?symptom=rdp_0x904_0x7")), "{rdp:?}");
    assert!(!rdp.iter().any(|h| h.starts_with("/wizard/plan.sh")), "{rdp:?}");
}

/// `bash -n`: the script parses (nothing of it runs).
fn assert_parses_as_bash(script: &str) {
    use std::io::Write as _;
    let mut bash = std::process::Command::new("bash")
        .arg("-n")
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("bash runs");
    bash.stdin.take().expect("stdin").write_all(script.as_bytes()).expect("written");
    let output = bash.wait_with_output().expect("bash ends");
    assert!(output.status.success(), "bash -n: {}", String::from_utf8_lossy(&output.stderr));
}

#[tokio::test]
async fn addresses_without_kb_are_the_default_knowledge_base_and_bad_names_are_refused() {
    // The same address, in a server of one and of two knowledge bases: the same session.
    let address = "/wizard?symptom=rdp_0x904_0x7&f.error_message=internal_error";
    let one = get(address).await.html();
    let two = get_multi(address).await.html();
    let hidden = |doc: &Html| -> Vec<(String, String)> {
        select(doc, "form.question input[type=hidden]")
            .iter()
            .map(|i| {
                let v = i.value();
                (
                    v.attr("name").unwrap_or("").to_string(),
                    v.attr("value").unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    assert_eq!(hidden(&one), hidden(&two));
    assert_eq!(first_text(&one, "h1"), first_text(&two, "h1"));
    let links =
        |doc: &Html| -> Vec<String> { select(doc, "main a, aside a").iter().map(href).collect() };
    assert_eq!(links(&one), links(&two), "no `kb=` in the default's links");
    assert!(first_text(&two, ".crumbs").starts_with("Remote Desktop · "));
    // `kb=` naming the default is the same session; its canonical address drops it.
    let named = get_multi(&format!("{address}&kb=rdp")).await.html();
    assert_eq!(hidden(&named), hidden(&two));
    // An unknown knowledge base, or a symptom of the other one, is a 404 that says so.
    for (uri, says) in [
        (
            "/wizard?kb=nope&symptom=rdp_0x904_0x7",
            "unknown knowledge base `nope` (the knowledge bases here: rdp, ssh)",
        ),
        ("/wizard?kb=ssh&symptom=rdp_0x904_0x7", "unknown symptom `rdp_0x904_0x7`"),
        ("/wizard/plan.sh?kb=nope", "unknown knowledge base `nope`"),
        ("/kb?kb=nope", "unknown knowledge base `nope`"),
        ("/kb/causes/x?kb=nope", "unknown knowledge base `nope`"),
    ] {
        let reply = get_multi(uri).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}");
        let doc = reply.html();
        assert_accessible(&doc);
        let message = first_text(&doc, "[role=alert]");
        assert!(message.contains(says), "{uri}: {message}");
    }
    let hostile: String =
        form_urlencoded::Serializer::new(String::new()).append_pair("kb", HOSTILE[1]).finish();
    let reply = get_multi(&format!("/wizard?{hostile}")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_inert(&reply.html());
    let reply = post_multi("/api/diagnose?kb=nope", "application/json", "{}").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.json()["error"].as_str().expect("text").contains("rdp, ssh"));
    // A long name is capped like any field.
    let long = "k".repeat(2000);
    assert_eq!(get_multi(&format!("/wizard?kb={long}")).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_api_diagnoses_a_fact_file_in_the_knowledge_base_it_fits() {
    let body = include_str!("../../../knowledge/ssh/examples/permission-denied-client.json");
    let reply = post_multi("/api/diagnose", "application/json", body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let ssh = ssh_engine();
    let facts = FactReader::new(ssh.model()).read(body, Format::Json).expect("valid");
    let expected = Report::new(&ssh, &facts, &ssh.diagnose(&facts), ReportOptions::FULL);
    let expected = serde_json::to_string_pretty(&expected).expect("serialises") + "\n";
    assert_eq!(reply.body, expected);
    assert_eq!(post_multi("/api/diagnose?kb=ssh", "application/json", body).await.body, expected);
    // Told the other knowledge base, it is that one's problems.
    let reply = post_multi("/api/diagnose?kb=rdp", "application/json", body).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json()["problems"][0]["key"], "ssh_target_user");
    // An RDP file goes to RDP; a file neither reads is the one it is closest to.
    let rdp = r#"{"error_code": "0x904", "extended_error_code": 7}"#;
    let reply = post_multi("/api/diagnose", "application/json", rdp).await;
    assert_eq!(reply.json()["symptoms"][0]["symptom"], "rdp_0x904_0x7");
    let wrong = r#"{"error_code": "0x904", "extended_error_code": "seven"}"#;
    let reply = post_multi("/api/diagnose", "application/json", wrong).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json()["error"], "1 problem in the facts");
}

#[tokio::test]
async fn the_knowledge_base_pages_list_every_knowledge_base_and_keep_kb() {
    let index = get_multi("/kb").await.html();
    assert_accessible(&index);
    let bases: Vec<String> = select(&index, "nav.bases li").iter().map(text).collect();
    assert_eq!(bases.len(), 2, "{bases:?}");
    assert!(
        bases[0].starts_with("Remote Desktop rdp") && bases[1].starts_with("SSH logins ssh"),
        "{bases:?}"
    );
    assert_eq!(select(&index, "nav.bases a").iter().map(href).collect::<Vec<_>>(), ["/kb?kb=ssh"]);
    let reply = get_multi("/kb?kb=ssh").await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc = reply.html();
    assert_eq!(first_text(&doc, "h1"), "Knowledge base: SSH logins");
    let ssh = ssh_engine();
    let model = ssh.model();
    let links: Vec<String> = select(&doc, "ul.items a").iter().map(href).collect();
    let total = model.symptoms.len() + model.causes.len() + model.fixes.len() + model.facts.len();
    assert_eq!(links.len(), total);
    let mut seen = std::collections::HashSet::new();
    for link in &links {
        assert!(link.ends_with("?kb=ssh"), "{link}");
        let reply = get_multi(link).await;
        assert_eq!(reply.status, StatusCode::OK, "{link}");
        let page = reply.html();
        assert_accessible(&page);
        for a in select(&page, "main a[href^='/kb'], main a[href^='/wizard']") {
            let target = href(&a);
            assert!(target.contains("kb=ssh"), "{link} links to {target}");
            if target.starts_with("/kb/") && seen.insert(target.clone()) {
                assert_eq!(
                    get_multi(&target).await.status,
                    StatusCode::OK,
                    "{link} links to {target}"
                );
            }
        }
    }
    // Without `?kb=`, an item page is the default's, as before.
    assert_eq!(get_multi("/kb/symptoms/rdp_0x904_0x7").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_pasted_ssh_log_starts_the_ssh_wizard() {
    let text = include_str!("../../../knowledge/ssh/examples/permission-denied.txt");
    let body = paste_body(&[], text);
    let reply = post_multi("/wizard/read", "application/x-www-form-urlencoded", body).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let address = reply.location();
    assert!(address.starts_with("/wizard?kb=ssh&t."), "{address}");
    assert_eq!(get_multi(&address).await.status, StatusCode::OK);
    // The RDP dialog still goes to RDP.
    let body = paste_body(&[], DIALOG);
    let reply = post_multi("/wizard/read", "application/x-www-form-urlencoded", body).await;
    assert!(reply.location().starts_with("/wizard?t."), "{}", reply.location());
}

#[test]
fn an_app_needs_knowledge_bases_with_distinct_address_names() {
    use triage_web::{AppError, Served};
    assert!(matches!(App::new_multi(vec![]), Err(AppError::NoKnowledgeBase)));
    let twice = vec![Served::new("rdp", engine()), Served::new("rdp", engine())];
    assert!(matches!(App::new_multi(twice), Err(AppError::DuplicateName(n)) if n == "rdp"));
    let spaced = vec![Served::new("my kb", engine())];
    assert!(matches!(App::new_multi(spaced), Err(AppError::BadName(_))));
    let app = App::new_multi(vec![Served::new("rdp", engine()), Served::new("ssh", ssh_engine())])
        .expect("templates compile");
    assert_eq!(app.knowledge_bases(), ["rdp", "ssh"]);
}
