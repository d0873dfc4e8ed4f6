//! The static site of the shipped knowledge base: every page valid HTML, every internal link
//! leads somewhere, nothing is fetched from the network, search has its index.

use crate::checks;
use crate::support;

use scraper::{Html, Selector};
use triage_renderers::guide::Templates;

fn build_rdp() -> (tempfile::TempDir, triage_renderers::site::SiteSummary) {
    let engine = support::engine("knowledge/rdp");
    let out = tempfile::tempdir().unwrap();
    let summary =
        triage_renderers::site::build(&engine, &Templates::builtin().unwrap(), out.path()).unwrap();
    (out, summary)
}

#[test]
fn every_page_of_the_rdp_site_is_valid_html_without_broken_links() {
    let (out, summary) = build_rdp();
    let engine = support::engine("knowledge/rdp");
    let model = engine.model();
    // One guide per symptom, one page per cause and per fix, the index and the search files.
    assert_eq!(
        summary.files.len(),
        model.symptoms.len() + model.causes.len() + model.fixes.len() + 4
    );
    let pages = checks::pages(out.path());
    assert_eq!(pages.len(), model.symptoms.len() + model.causes.len() + model.fixes.len() + 1);
    for (path, text) in &pages {
        let errors = checks::parse_errors(text);
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        let document = Html::parse_document(text);
        let injected = checks::markup_injections(&document, &["search-index.js", "search.js"]);
        assert!(injected.is_empty(), "{}: {injected:?}", path.display());
    }
    let broken = checks::broken_links(out.path());
    assert!(
        broken.is_empty(),
        "{} broken links, first: {:#?}",
        broken.len(),
        &broken[..broken.len().min(10)]
    );
}

#[test]
fn pages_link_symptoms_causes_and_fixes_both_ways() {
    let (out, _) = build_rdp();
    let read = |p: &str| std::fs::read_to_string(out.path().join(p)).unwrap();
    let guide = read("symptoms/rdp_0x904_0x7.html");
    assert!(guide.contains(r#"href="../causes/rdp_selfsigned_cert_expired.html""#));
    assert!(guide.contains(r#"href="../fixes/renew_selfsigned_certificate.html""#));
    assert!(guide.contains(r#"href="../index.html""#));
    let cause = read("causes/rdp_selfsigned_cert_expired.html");
    assert!(
        cause
            .contains(r#"href="../symptoms/rdp_0x904_0x7.html#cause-rdp_selfsigned_cert_expired""#)
    );
    assert!(cause.contains(r#"href="../fixes/renew_selfsigned_certificate.html""#));
    let fix = read("fixes/renew_selfsigned_certificate.html");
    assert!(fix.contains(r#"href="../causes/rdp_selfsigned_cert_expired.html""#));
    assert!(
        fix.contains(r#"href="../symptoms/rdp_0x904_0x7.html#fix-renew_selfsigned_certificate""#)
    );
    let index = Html::parse_document(&read("index.html"));
    let listed: Vec<String> = index
        .select(&Selector::parse("#symptom-list li a").unwrap())
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    assert!(listed.contains(&"symptoms/rdp_0x904_0x7.html".to_string()), "{listed:?}");
    // The graph is drawn inline, as SVG, with a link per box.
    let svg_links = index.select(&Selector::parse("svg.graph a").unwrap()).count();
    let engine = support::engine("knowledge/rdp");
    let model = engine.model();
    assert_eq!(svg_links, model.symptoms.len() + model.causes.len() + model.fixes.len());
    // Every box shows its whole title (wrapped, never cut), and no two boxes of a column
    // overlap however many lines their titles take.
    let titles: std::collections::HashSet<&str> = model
        .symptoms
        .iter()
        .map(|s| s.title.as_str())
        .chain(model.causes.iter().map(|c| c.title.as_str()))
        .chain(model.fixes.iter().map(|f| f.title.as_str()))
        .collect();
    let node = Selector::parse("svg.graph a.node").unwrap();
    let (rect, tspan) = (Selector::parse("rect").unwrap(), Selector::parse("tspan").unwrap());
    let mut columns: std::collections::BTreeMap<String, Vec<(f64, f64)>> =
        std::collections::BTreeMap::new();
    for a in index.select(&node) {
        let shown: Vec<String> = a.select(&tspan).map(|t| t.text().collect()).collect();
        let shown = shown.join(" ");
        assert!(titles.contains(shown.as_str()), "a box reads {shown:?}, not a whole title");
        assert!(!shown.contains('…'), "{shown}");
        let r = a.select(&rect).next().unwrap().value();
        let number = |name: &str| r.attr(name).unwrap().parse::<f64>().unwrap();
        let lines = f64::from(u32::try_from(a.select(&tspan).count()).unwrap());
        assert!(number("height") >= lines * 15.0, "{shown}: its box is too short");
        columns
            .entry(r.attr("x").unwrap().to_string())
            .or_default()
            .push((number("y"), number("height")));
    }
    for boxes in columns.values_mut() {
        boxes.sort_by(|a, b| a.0.total_cmp(&b.0));
        for pair in boxes.windows(2) {
            assert!(pair[0].0 + pair[0].1 <= pair[1].0, "boxes overlap: {pair:?}");
        }
    }
}

#[test]
fn search_index_has_every_symptom_with_its_codes() {
    let (out, _) = build_rdp();
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("search-index.json")).unwrap(),
    )
    .unwrap();
    let entries = json.as_array().unwrap();
    let entry = entries.iter().find(|e| e["name"] == "rdp_0x904_0x7").unwrap();
    let codes: Vec<&str> =
        entry["codes"].as_array().unwrap().iter().filter_map(|c| c.as_str()).collect();
    for code in ["0x904", "904", "2308"] {
        assert!(codes.contains(&code), "{codes:?}");
    }
    assert_eq!(entry["url"], "symptoms/rdp_0x904_0x7.html");
    let script = std::fs::read_to_string(out.path().join("search-index.js")).unwrap();
    assert!(script.starts_with("window.TRIAGE_SEARCH_INDEX = ["));
    // Nothing on the site comes from elsewhere: no http(s) script, style or image.
    for (path, text) in checks::pages(out.path()) {
        let document = Html::parse_document(&text);
        for element in
            document.select(&Selector::parse("script[src], link[href], img[src]").unwrap())
        {
            let target = element.value().attr("src").or(element.value().attr("href")).unwrap();
            assert!(!target.contains("//"), "{}: loads {target}", path.display());
        }
    }
}

#[test]
fn the_checks_catch_invalid_pages_broken_links_and_scripts() {
    assert!(!checks::parse_errors("<!DOCTYPE html><p>a</div><table><tr>x").is_empty());
    // A heading the author wrote inside a question's heading would be one.
    assert!(
        !checks::parse_errors(
            "<!DOCTYPE html><html><head><title>t</title></head><body><h3>a <h1>b</h1></h3></body></html>"
        )
        .is_empty()
    );
    assert!(checks::parse_errors("<!DOCTYPE html><html lang=\"en\"><head><title>t</title></head><body><p>a</p></body></html>").is_empty());
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("a.html"), r##"<a href="sub/b.html#here">ok</a><a href="sub/b.html#gone">x</a><a href="missing.html">y</a><a href="#top" id="top">z</a>"##).unwrap();
    std::fs::write(
        dir.path().join("sub/b.html"),
        r#"<p id="here"><a href="../a.html">back</a><img src="../../outside.png"></p>"#,
    )
    .unwrap();
    let broken = checks::broken_links(dir.path());
    assert_eq!(broken.len(), 3, "{broken:#?}");
    let document = Html::parse_document(
        r#"<script>x</script><a href=" javascript:alert(1)">a</a><img src=x onerror=alert(1)><script src="search.js"></script>"#,
    );
    assert_eq!(checks::markup_injections(&document, &["search.js"]).len(), 3);
}
