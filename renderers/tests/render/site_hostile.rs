//! Nothing an author or a fact file writes can become markup: the hostile knowledge base
//! (`test_data/hostile_kb`) puts `<script>`, `javascript:` links, event handlers and
//! attribute break-outs in every string and Markdown block it can; every page built from it
//! is parsed, and must have no script, no handler, no non-web URL — and show the text.

use crate::checks;
use crate::support;

use scraper::Html;
use triage_engine::FactSet;
use triage_renderers::guide::{Format, Templates};

const KB: &str = "renderers/test_data/hostile_kb";

fn text_of(document: &Html) -> String {
    document.root_element().text().collect::<String>()
}

fn assert_clean(name: &str, html: &str, allowed_scripts: &[&str]) -> Html {
    let errors = checks::parse_errors(html);
    assert!(errors.is_empty(), "{name}: parse errors {errors:?}");
    let document = Html::parse_document(html);
    let injected = checks::markup_injections(&document, allowed_scripts);
    assert!(injected.is_empty(), "{name}: {injected:#?}");
    document
}

#[test]
fn hostile_site_has_no_markup_from_the_knowledge_base() {
    let engine = support::engine(KB);
    let out = tempfile::tempdir().unwrap();
    triage_renderers::site::build(&engine, &Templates::builtin().unwrap(), out.path()).unwrap();
    let pages = checks::pages(out.path());
    assert_eq!(pages.len(), 1 + 1 + 2 + 2);
    for (path, html) in &pages {
        assert_clean(&path.display().to_string(), html, &["search-index.js", "search.js"]);
    }
    // The only links that lead nowhere are the author's own relative `<img src=x>`, which the
    // sanitiser keeps (relative addresses are allowed, without their handlers).
    let broken = checks::broken_links(out.path());
    assert!(broken.iter().all(|b| b.contains(": x (no file")), "{broken:?}");
    // The hostile text is there, as text.
    let guide = Html::parse_document(&pages[std::path::Path::new("symptoms/hostile_symptom.html")]);
    let text = text_of(&guide);
    for shown in [
        "\"><img src=x onerror=alert('symptom-title')> Hostile <script>alert('symptom')</script>",
        "<script>alert('alias')</script>",
        "Cause \"><img src=x onerror=alert('cause-title')>",
        "Fix <script>alert('fix-title')</script>",
        "javascript:alert('cause-source')",
        "Write-Output '</code></pre><script>alert(\"run\")</script>'",
        "\"><img src=x onerror=alert('code-span')>",
    ] {
        assert!(text.contains(shown), "`{shown}` is not shown as text");
    }
    let cause = Html::parse_document(&pages[std::path::Path::new("causes/hostile_cause.html")]);
    assert!(text_of(&cause).contains("message == \"\\\"><script>alert('finding')</script>\""));
    // The search index is data for a script that only reorders existing list items; its
    // strings are JSON-escaped.
    let index_js = std::fs::read_to_string(out.path().join("search-index.js")).unwrap();
    let json =
        index_js.trim().trim_start_matches("window.TRIAGE_SEARCH_INDEX = ").trim_end_matches(';');
    let parsed: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(parsed[0]["aliases"][0], "<script>alert('alias')</script>");
    let search = std::fs::read_to_string(out.path().join("search.js")).unwrap();
    assert!(!search.contains("innerHTML"), "the search script must not build markup");
}

#[test]
fn hostile_html_guide_without_and_with_hostile_facts() {
    let engine = support::engine(KB);
    let plain =
        support::guide(&engine, "hostile_symptom", &FactSet::unknown(engine.model()), Format::Html);
    assert_clean("guide", &plain, &[]);
    let mut facts = support::facts(
        &engine,
        r#"{"host": "<img src=x onerror=alert('host')>",
            "message": "\"><script>alert('fact-value')</script><a href=javascript:alert(1)>x</a>",
            "port_open": true}"#,
    );
    // The reader lets only RFC 3339 times through; the guide escapes whatever it gets.
    facts.collected_at = Some("\"><script>alert('at')</script>".into());
    let tailored = support::guide(&engine, "hostile_symptom", &facts, Format::Html);
    let document = assert_clean("tailored guide", &tailored, &[]);
    let text = text_of(&document);
    assert!(text.contains("<img src=x onerror=alert('host')>"));
    assert!(
        text.contains("\"><script>alert('fact-value')</script><a href=javascript:alert(1)>x</a>")
    );
    // port_open = true rules out hostile_cause (`when port_open : never`).
    assert!(text.contains("Ruled out by the facts"));
}

#[test]
fn hostile_markdown_guide_renders_no_markup_downstream() {
    let engine = support::engine(KB);
    let facts = support::facts(
        &engine,
        r#"{"host": "<img src=x onerror=alert('host')>", "message": "<script>alert('fact-value')</script>"}"#,
    );
    for facts in [FactSet::unknown(engine.model()), facts] {
        let md = support::guide(&engine, "hostile_symptom", &facts, Format::Markdown);
        // Rendered as a Markdown viewer would, without any sanitiser of its own.
        let mut html = String::new();
        pulldown_cmark::html::push_html(
            &mut html,
            pulldown_cmark::Parser::new_ext(&md, pulldown_cmark::Options::ENABLE_TABLES),
        );
        let document = Html::parse_document(&html);
        let injected = checks::markup_injections(&document, &[]);
        assert!(injected.is_empty(), "{injected:#?}\n{md}");
        let text = text_of(&document);
        assert!(text.contains("<script>alert('symptom')</script>"), "{md}");
    }
}
