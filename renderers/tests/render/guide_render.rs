//! Guides as a support engineer reads them: the shipped Remote Desktop knowledge base's 0x904
//! guide (general and tailored), an HTML page, and templates an author overrides.

use crate::checks;
use crate::support;

use support::{engine, facts, guide};
use triage_engine::FactSet;
use triage_renderers::guide::{Format, Guide, Links, Templates};

#[test]
fn rdp_0x904_markdown_guide() {
    let engine = engine("knowledge/rdp");
    let md = guide(&engine, "0x904", &FactSet::unknown(engine.model()), Format::Markdown);
    insta::assert_snapshot!(md);
}

#[test]
fn the_guide_follows_a_troubleshooting_article_and_the_engine_order() {
    let engine = engine("knowledge/rdp");
    let md = guide(&engine, "0x904", &FactSet::unknown(engine.model()), Format::Markdown);
    // Summary with the expected time first, then the sections of a troubleshooting article.
    let at = |needle: &str| md.find(needle).unwrap_or_else(|| panic!("no `{needle}`"));
    assert!(at("**Expected time to resolution:") < at("## Symptoms"));
    assert!(at("## Symptoms") < at("## What to check first"));
    assert!(at("## What to check first") < at("## Cause"));
    assert!(at("## Cause") < at("## Resolution"));
    assert!(at("## Resolution") < at("## More information"));
    // The first question is the decision tree's root; the fixes come in the repair order.
    let symptom = triage_engine::search::resolve(engine.model(), "0x904").unwrap();
    let built = Guide::new(&engine, &FactSet::unknown(engine.model()), symptom, Links::Anchors);
    let Some(triage_renderers::guide::TreeView::Ask { fact, .. }) = &built.tree else {
        panic!("the 0x904 guide asks a question first")
    };
    assert_eq!(&built.questions[0].fact, fact);
    let first_question = md.find("### 1. ").unwrap();
    assert!(md[first_question..].starts_with("### 1. Which message do you see?"));
    let ranks: Vec<usize> = built.fixes.iter().map(|f| f.rank).collect();
    assert_eq!(ranks, (1..=built.fixes.len()).collect::<Vec<_>>());
    for fix in &built.fixes {
        assert!(md.contains(&format!("### Fix {}: ", fix.rank)));
    }
    // A fix says how long, how risky, what it needs, its steps, how to verify and undo.
    let renew = built.fixes.iter().find(|f| f.name == "renew_selfsigned_certificate").unwrap();
    assert!(renew.steps.is_some() && !renew.verify.is_empty() && !renew.undo.is_empty());
    assert!(renew.needs.contains(&"local administrator rights"));
    assert!(md.contains("`renew_selfsigned_certificate` · about 5m · low risk"));
    // Every code form finds the same guide.
    for query in ["2308", "904", "rdp_0x904_0x7", "socket closed"] {
        assert_eq!(
            triage_engine::search::resolve(engine.model(), query).unwrap(),
            symptom,
            "{query}"
        );
    }
}

#[test]
fn tailored_guide_drops_ruled_out_causes_and_known_questions() {
    let engine = engine("knowledge/rdp");
    let general = guide(&engine, "0x904", &FactSet::unknown(engine.model()), Format::Markdown);
    let known = facts(
        &engine,
        r#"{"host": "rdp-01", "error_code": "0x904", "extended_error_code": 7,
            "rdp_cert_days_to_expiry": -3, "machinekeys_acl_default": true,
            "rdp_listener_listening": true}"#,
    );
    let tailored = guide(&engine, "0x904", &known, Format::Markdown);
    assert!(tailored.contains("tailored to the facts of **rdp-01**"), "{}", &tailored[..400]);
    assert!(general.contains("general guide (no facts given)"));
    // Known answers are not asked again.
    for fact in ["rdp_cert_days_to_expiry", "rdp_listener_listening", "machinekeys_acl_default"] {
        let anchor = format!("<a id=\"question-{fact}\"></a>");
        assert!(general.contains(&anchor), "the general guide asks {fact}");
        assert!(!tailored.contains(&anchor), "the tailored guide asks {fact} again");
    }
    assert!(
        tailored.contains("| Days until the Remote Desktop certificate expires"),
        "known facts listed"
    );
    // The expired certificate now leads, with the reason.
    let causes = &tailored[tailored.find("## Cause").unwrap()..];
    let first = causes.find("### ").unwrap();
    assert!(
        causes[first..].starts_with("### ")
            && causes[first..first + 120]
                .contains("% — The RDP listener's self-signed certificate expired"),
        "{}",
        &causes[first..first + 120]
    );
    assert!(
        causes.contains(
            "**Why:** Days until the Remote Desktop certificate expires (negative = expired): -3; usually seen with this cause"
        )
    );
    // A ruled-out cause leaves the ranking and its only fixes leave the repair order.
    let ruled_out = &causes
        [causes.find("### Ruled out by the facts").unwrap()..causes.find("## Resolution").unwrap()];
    assert!(ruled_out.contains("(`termservice_or_listener_down`)"));
    assert!(!causes.contains("<a id=\"cause-termservice_or_listener_down\"></a>"));
    assert!(general.contains("<a id=\"cause-termservice_or_listener_down\"></a>"));
    let ranked_first = &tailored[tailored.find("### Fix 1: ").unwrap()..];
    assert!(
        ranked_first.starts_with("### Fix 1: Delete the expired RDP certificate"),
        "{}",
        &ranked_first[..100]
    );
}

#[test]
fn html_guide_of_the_example_knowledge_base() {
    let engine = engine("src/commands/init");
    let html = guide(&engine, "503", &FactSet::unknown(engine.model()), Format::Html);
    assert!(checks::parse_errors(&html).is_empty(), "{:?}", checks::parse_errors(&html));
    insta::assert_snapshot!(html);
}

#[test]
fn html_guide_is_self_contained_and_adapts_to_screen_print_and_dark_mode() {
    let engine = engine("knowledge/rdp");
    let known = facts(
        &engine,
        r#"{"error_code": "0x904", "rdp_cert_days_to_expiry": -3, "rdp_listener_listening": true}"#,
    );
    for facts in [FactSet::unknown(engine.model()), known] {
        let html = guide(&engine, "0x904", &facts, Format::Html);
        assert!(checks::parse_errors(&html).is_empty(), "{:?}", checks::parse_errors(&html));
        let document = scraper::Html::parse_document(&html);
        assert!(checks::markup_injections(&document, &[]).is_empty());
        for needle in [
            "<meta name=\"viewport\"",
            "@media print",
            "prefers-color-scheme: dark",
            "<svg class=\"graph\"",
        ] {
            assert!(html.contains(needle), "no {needle}");
        }
        // Every link is an anchor of the page (the graph's boxes included) or a web address.
        let ids = checks::ids(&document);
        for reference in checks::references(&document) {
            let web = reference.starts_with("https://") || reference.starts_with("http://");
            match reference.strip_prefix('#') {
                Some(id) => assert!(ids.contains(id), "#{id} goes nowhere"),
                None => assert!(web, "{reference} is neither an anchor nor a web link"),
            }
        }
    }
}

#[test]
fn templates_of_the_same_name_replace_the_built_in_ones() {
    let engine = engine("src/commands/init");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("guide.md"), "# {{ guide.symptom.title | md_escape }}\n{% for f in guide.fixes %}{{ f.rank }}. {{ f.title }} ({{ f.cost }})\n{% endfor %}").unwrap();
    std::fs::write(dir.path().join("style.css"), "body { color: rebeccapurple; }").unwrap();
    let templates = Templates::with_overrides(dir.path()).unwrap();
    let symptom = engine.model().symptom_id("site_unavailable").unwrap();
    let built = Guide::new(&engine, &FactSet::unknown(engine.model()), symptom, Links::Anchors);
    let md = built.render(Format::Markdown, &templates).unwrap();
    assert!(md.starts_with("# The web site answers 502 or 503\n1. "), "{md}");
    assert!(md.contains("Free space on the data disk (15m)"), "{md}");
    let html = built.render(Format::Html, &templates).unwrap();
    assert!(html.contains("body { color: rebeccapurple; }"));
    assert!(!html.contains("--accent"), "the built-in style is replaced");
    // A broken override is an error naming the template, not a panic.
    std::fs::write(dir.path().join("guide.md"), "{% for x in %}").unwrap();
    let error = Templates::with_overrides(dir.path()).unwrap_err().to_string();
    assert!(error.contains("guide.md"), "{error}");
}

#[test]
fn a_branch_that_rules_out_every_known_cause_says_to_escalate() {
    let engine = engine("knowledge/rdp");
    let md =
        guide(&engine, "rdp_no_logon_right", &FactSet::unknown(engine.model()), Format::Markdown);
    // "Is the user in Remote Desktop Users?" — yes rules out the only cause: nothing to try.
    let yes = md.find("  - If *yes*").expect("a yes branch");
    assert!(
        md[yes..].lines().nth(1).is_some_and(|l| l.contains("No fix in this guide applies")),
        "{}",
        &md[yes..yes + 200]
    );
}
