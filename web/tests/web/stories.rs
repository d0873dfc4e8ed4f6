//! The three support stories of the conversation, through `triage serve` as a person clicks
//! them: search what the user said, start from the first hit, answer each question the page
//! asks from what that user knows ("Don't know" otherwise), and read the result page. The same
//! stories run in `ask` (tests/integration/ask.rs); here they hold for the web wizard too —
//! what was searched is never asked again, the wizard asks little, and the first fixes fit.

// Helpers outside #[test] functions unwrap too: a panic there is a test failure.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use scraper::{ElementRef, Html, Selector};
use std::sync::OnceLock;
use tower::ServiceExt as _;
use triage_engine::Engine;
use triage_web::App;

fn app() -> &'static App {
    static APP: OnceLock<App> = OnceLock::new();
    APP.get_or_init(|| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../knowledge/rdp");
        let kb = triage_rules::load_paths(&[path]);
        let engine = Engine::new(kb.model.expect("the shipped knowledge base checks clean"));
        App::new(engine).expect("templates compile")
    })
}

/// A GET: the status, the `Location` header and the body.
async fn get(uri: &str) -> (StatusCode, Option<String>, String) {
    let request = Request::get(uri).body(Body::empty()).expect("request");
    let response = app().router().oneshot(request).await.expect("infallible");
    let status = response.status();
    let location = response
        .headers()
        .get(header::LOCATION)
        .map(|l| l.to_str().expect("an ASCII location").to_string());
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("body");
    (status, location, String::from_utf8(bytes.to_vec()).expect("UTF-8"))
}

fn select<'a>(doc: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    let selector = Selector::parse(css).expect("selector");
    doc.select(&selector).collect()
}

fn attr(element: &ElementRef<'_>, name: &str) -> String {
    element.value().attr(name).unwrap_or_default().to_string()
}

/// What one story ended with: the facts asked (in order) and the result page.
struct Story {
    asked: Vec<String>,
    result: Html,
}

impl Story {
    /// The fix ids of the repair order, first to last.
    fn repair_order(&self) -> Vec<String> {
        select(&self.result, "ol.repair li.fix h3 a")
            .iter()
            .map(|a| {
                let href = attr(a, "href");
                let path = href.split('?').next().unwrap_or_default();
                path.trim_start_matches("/kb/fixes/").to_string()
            })
            .collect()
    }
}

/// Searches `query`, starts the wizard from the first hit and answers every question from
/// `knows` (fact name → the value a person would pick or type; several values of a set
/// separated by commas), "Don't know" for anything else, until the result page.
async fn story(query: &str, knows: &[(&str, &str)]) -> Story {
    let search = form_urlencoded::Serializer::new(String::new()).append_pair("q", query).finish();
    let (status, _, body) = get(&format!("/search?{search}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page = Html::parse_document(&body);
    let start = select(&page, "li.hit a.start");
    assert!(!start.is_empty(), "a hit to start from for {query:?}: {body}");
    let mut address = attr(&start[0], "href");
    let mut asked = Vec::new();
    loop {
        let (status, _, body) = get(&address).await;
        assert_eq!(status, StatusCode::OK, "{address}: {body}");
        let doc = Html::parse_document(&body);
        if select(&doc, "form.question").is_empty() {
            return Story { asked, result: doc };
        }
        let fact = attr(&select(&doc, "form.question input[name=q]")[0], "value");
        assert!(!asked.contains(&fact), "{fact} asked twice: {asked:?}");
        asked.push(fact.clone());
        assert!(asked.len() <= 30, "the wizard never stops: {asked:?}");
        let mut form = form_urlencoded::Serializer::new(String::new());
        for hidden in select(&doc, "form.question input[type=hidden]") {
            form.append_pair(&attr(&hidden, "name"), &attr(&hidden, "value"));
        }
        let choices: Vec<String> = select(
            &doc,
            "form.question input[type=radio][name=a], form.question input[type=checkbox][name=a]",
        )
        .iter()
        .map(|c| attr(c, "value"))
        .collect();
        let radio = !select(&doc, "form.question input[type=radio][name=a]").is_empty();
        match knows.iter().find(|(f, _)| *f == fact) {
            Some((_, answer)) if choices.is_empty() => {
                form.append_pair("a", answer);
            }
            Some((_, answer)) => {
                for value in answer.split(',') {
                    assert!(
                        choices.iter().any(|c| c == value),
                        "{fact}: {value} is not among the choices {choices:?}"
                    );
                    form.append_pair("a", value);
                }
            }
            None if radio => {
                form.append_pair("a", "?");
            }
            None => {
                form.append_pair("unknown", "1");
            }
        }
        let (status, location, body) = get(&format!("/wizard?{}", form.finish())).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{fact}: {body}");
        address = location.expect("an answer redirects to the new state");
    }
}

#[tokio::test]
async fn story_your_credentials_did_not_work_tries_the_saved_password_first() {
    // A domain user whose password changed last week; the client still sends the saved one.
    let story = story(
        "Your credentials did not work",
        &[
            ("recent_change", "none_known"),
            ("account_kind_used", "domain_account"),
            ("username_format_used", "upn_or_email"),
            ("saved_credentials_used", "yes"),
            ("password_changed_recently", "yes"),
            ("other_clients_can_connect", "yes"),
            ("failure_stage", "after_credentials_before_desktop"),
        ],
    )
    .await;
    assert!(story.asked.len() <= 4, "{} questions: {:?}", story.asked.len(), story.asked);
    assert!(!story.asked.iter().any(|q| q == "error_message"), "the message was searched");
    let order = story.repair_order();
    assert_eq!(order.first().map(String::as_str), Some("delete_saved_rdp_credential"), "{order:?}");
}

#[tokio::test]
async fn story_cant_find_the_computer_with_a_short_name_off_the_vpn() {
    let story = story(
        "Remote Desktop can't find the computer",
        &[
            ("address_used", "short_hostname"),
            ("name_resolution_result", "does_not_resolve"),
            ("connection_path", "site_vpn_or_client_vpn"),
            ("correct_name_resolves", "yes"),
            ("connect_by_ip_works", "yes"),
        ],
    )
    .await;
    assert!(story.asked.len() <= 4, "{} questions: {:?}", story.asked.len(), story.asked);
    // The name does not resolve: the fixes are the name's, not the stale DNS record's.
    let order = story.repair_order();
    assert!(order.iter().take(2).any(|f| f == "use_full_computer_name"), "{order:?}");
}

#[tokio::test]
async fn story_an_internal_error_after_the_windows_11_upgrade() {
    // Only this PC fails, since its upgrade; the dialog says "An internal error has occurred".
    let story = story(
        "An internal error has occurred after the Windows 11 upgrade",
        &[
            ("other_clients_can_connect", "yes"),
            ("failure_stage", "before_credential_prompt"),
            ("connection_path", "lan"),
            ("failure_pattern", "every_attempt"),
            ("target_os", "server2019"),
            ("extended_error_code", "0x7"),
            ("alternate_client_app_works", "yes"),
        ],
    )
    .await;
    // The message and the upgrade were searched: neither is asked.
    assert!(
        !story.asked.iter().any(|q| q == "recent_change" || q == "error_message"),
        "{:?}",
        story.asked
    );
    assert!(story.asked.len() <= 8, "{} questions: {:?}", story.asked.len(), story.asked);
    let order = story.repair_order();
    assert!(
        order.iter().take(2).any(|f| f == "use_alternate_rdp_client"),
        "the client-side workaround is among the first two fixes: {order:?}"
    );
}
