//! The static site: the whole knowledge base as HTML pages that work offline.
//!
//! `index.html` lists every symptom (a plain list that works without JavaScript; `search.js`
//! filters and ranks it as you type, from `search-index.js`, the same data as
//! `search-index.json`), then draws the knowledge graph and lists every cause and fix.
//! `symptoms/NAME.html` is the symptom's guide ([`crate::guide`], prior ranking) with links to
//! `causes/NAME.html` and `fixes/NAME.html`, which link back. Every page is rendered from the
//! same overridable templates, with its CSS inline; nothing is fetched from the network.
//!
//! The graph is an SVG drawn here — symptom → cause → fix in three columns, each box a link —
//! rather than Mermaid source: Mermaid needs a script from a CDN (or a 3 MB bundle) to draw
//! anything, and a site that must work offline and print should not depend on one. The
//! decision tree (which question to ask, what to try after each answer) stays the nested list
//! of the guide: a tree of text is what a person follows, and it prints.

use crate::guide::{
    Guide, ItemRef, LinkView, Links, Nav, Prose, RenderError, ScriptView, Templates, anchor,
    need_words, scripts, site_path,
};
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use triage_engine::explain::{frequency_phrase, percent};
use triage_engine::{Engine, FactSet};
use triage_rules::ast::CompareOp;
use triage_rules::model::{CauseId, Condition, FixId, Model, SymptomId, Value};

/// What a site build wrote.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SiteSummary {
    /// Every file written, relative to the output folder, sorted.
    pub files: Vec<String>,
    pub symptoms: usize,
    pub causes: usize,
    pub fixes: usize,
}

/// One entry of the search index.
#[derive(Debug, Clone, Serialize)]
pub struct SearchEntry {
    pub name: String,
    pub title: String,
    pub aliases: Vec<String>,
    /// Error codes that identify it, in the forms people type: `0x904`, `904`, `2308`.
    pub codes: Vec<String>,
    /// Its page, relative to the index.
    pub url: String,
    /// The description as plain words, for matching.
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
struct SymptomLink {
    name: String,
    title: String,
    page: String,
    aliases: Vec<String>,
    cause_count: usize,
}

#[derive(Debug, Clone, Serialize)]
struct FindingView {
    condition: String,
    frequency: String,
}

#[derive(Debug, Clone, Serialize)]
struct CausePage {
    name: String,
    title: String,
    description: Option<Prose>,
    /// The symptoms it explains, each with this cause's prior there.
    symptoms: Vec<ItemRef>,
    findings: Vec<FindingView>,
    fixes: Vec<ItemRef>,
    sources: Vec<LinkView>,
}

#[derive(Debug, Clone, Serialize)]
struct FixPage {
    name: String,
    title: String,
    cost: String,
    risk: Option<&'static str>,
    needs: Vec<&'static str>,
    success: String,
    description: Option<Prose>,
    steps: Option<Prose>,
    run: Vec<ScriptView>,
    verify: Vec<ScriptView>,
    undo: Vec<ScriptView>,
    causes: Vec<ItemRef>,
    symptoms: Vec<ItemRef>,
    sources: Vec<LinkView>,
}

/// What a page shows: a guide, a cause page or a fix page.
trait PageValue {
    fn insert_into(&self, context: &mut tera::Context, key: &str);
}

impl<T: Serialize> PageValue for T {
    fn insert_into(&self, context: &mut tera::Context, key: &str) {
        context.insert(key, self);
    }
}

/// One page: `value` under `key`, with the navigation, rendered by `template`.
fn render_page(
    templates: &Templates,
    nav: &Nav,
    template: &str,
    key: &str,
    value: &dyn PageValue,
) -> Result<String, RenderError> {
    let mut context = tera::Context::new();
    value.insert_into(&mut context, key);
    context.insert("nav", nav);
    context.insert("generator", GENERATOR);
    templates.render(template, &context)
}

/// Builds the site for `engine`'s knowledge base into `out` (created if missing; files of
/// the same names are replaced, others left alone).
pub fn build(
    engine: &Engine,
    templates: &Templates,
    out: &Path,
) -> Result<SiteSummary, RenderError> {
    let model = engine.model();
    let mut written: Vec<String> = Vec::new();
    let mut write = |relative: &str, text: &str| -> Result<(), RenderError> {
        let path = out.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|source| RenderError::Write { path: parent.to_path_buf(), source })?;
        }
        std::fs::write(&path, text)
            .map_err(|source| RenderError::Write { path: path.clone(), source })?;
        written.push(relative.to_string());
        Ok(())
    };
    let nav = Nav { index: "../index.html".into() };
    let page = |template: &str, key: &str, value: &dyn PageValue| {
        render_page(templates, &nav, template, key, value)
    };
    let unknown = FactSet::unknown(model);
    for (i, symptom) in model.symptoms.iter().enumerate() {
        let guide = Guide::new(engine, &unknown, SymptomId(i as u32), Links::Site);
        let html = page("guide.html", "guide", &guide)?;
        write(&site_path("symptoms", &symptom.name), &html)?;
    }
    for (i, cause) in model.causes.iter().enumerate() {
        let html = page("cause.html", "cause", &cause_page(model, CauseId(i as u32)))?;
        write(&site_path("causes", &cause.name), &html)?;
    }
    for (i, fix) in model.fixes.iter().enumerate() {
        let html = page("fix.html", "fix", &fix_page(model, FixId(i as u32)))?;
        write(&site_path("fixes", &fix.name), &html)?;
    }
    let index = search_index(model);
    let json = serde_json::to_string(&index).map_err(|e| RenderError::Template {
        name: "search-index.json".into(),
        message: e.to_string(),
    })?;
    write("search-index.json", &format!("{json}\n"))?;
    write("search-index.js", &format!("window.TRIAGE_SEARCH_INDEX = {json};\n"))?;
    write("search.js", &templates.render("search.js", &tera::Context::new())?)?;
    let mut context = tera::Context::new();
    let symptoms: Vec<SymptomLink> = model
        .symptoms
        .iter()
        .map(|s| SymptomLink {
            name: s.name.clone(),
            title: s.title.clone(),
            page: site_path("symptoms", &s.name),
            aliases: s.aliases.clone(),
            cause_count: s.causes.len(),
        })
        .collect();
    let causes: Vec<ItemRef> = model
        .causes
        .iter()
        .map(|c| item(&c.name, &c.title, "cause", site_path("causes", &c.name), None))
        .collect();
    let fixes: Vec<ItemRef> = model
        .fixes
        .iter()
        .map(|f| item(&f.name, &f.title, "fix", site_path("fixes", &f.name), None))
        .collect();
    context.insert("symptoms", &symptoms);
    context.insert("causes", &causes);
    context.insert("fixes", &fixes);
    context.insert("graph", &whole_graph(model));
    context.insert("nav", &Option::<Nav>::None);
    context.insert("generator", GENERATOR);
    write("index.html", &templates.render("index.html", &context)?)?;
    written.sort();
    Ok(SiteSummary {
        files: written,
        symptoms: model.symptoms.len(),
        causes: model.causes.len(),
        fixes: model.fixes.len(),
    })
}

const GENERATOR: &str = concat!("triage ", env!("CARGO_PKG_VERSION"));

fn item(name: &str, title: &str, kind: &str, page: String, percent: Option<String>) -> ItemRef {
    ItemRef {
        name: name.to_string(),
        title: title.to_string(),
        anchor: anchor(kind, name),
        page: Some(page),
        percent,
    }
}

/// A link from one item page to another (`../FOLDER/NAME.html`).
fn sibling(kind: &str, folder: &str, name: &str, title: &str) -> ItemRef {
    item(name, title, kind, format!("../{}", site_path(folder, name)), None)
}

fn cause_page(model: &Model, id: CauseId) -> CausePage {
    let def = model.cause(id);
    CausePage {
        name: def.name.clone(),
        title: def.title.clone(),
        description: def.description.as_deref().map(Prose::block),
        symptoms: def
            .explains
            .iter()
            .map(|&(s, prior)| {
                let symptom = model.symptom(s);
                item(
                    &symptom.name,
                    &symptom.title,
                    "symptom",
                    format!(
                        "../{}#{}",
                        site_path("symptoms", &symptom.name),
                        anchor("cause", &def.name)
                    ),
                    Some(percent(prior)),
                )
            })
            .collect(),
        findings: def
            .findings
            .iter()
            .map(|&(f, p)| FindingView {
                condition: model.finding(f).text.clone(),
                frequency: frequency_phrase(p),
            })
            .collect(),
        fixes: def
            .fixes
            .iter()
            .map(|&f| sibling("fix", "fixes", &model.fix(f).name, &model.fix(f).title))
            .collect(),
        sources: def.sources.iter().map(|s| LinkView::source(s)).collect(),
    }
}

fn fix_page(model: &Model, id: FixId) -> FixPage {
    let def = model.fix(id);
    let mut symptoms: Vec<SymptomId> = Vec::new();
    for &c in &def.fixes {
        for &(s, _) in &model.cause(c).explains {
            if !symptoms.contains(&s) {
                symptoms.push(s);
            }
        }
    }
    symptoms.sort_unstable();
    FixPage {
        name: def.name.clone(),
        title: def.title.clone(),
        cost: crate::diagnosis::duration(def.cost_seconds),
        risk: def.risk.map(triage_rules::ast::Risk::keyword),
        needs: def.needs.iter().map(|n| need_words(*n)).collect(),
        success: percent(def.success.unwrap_or(triage_engine::repair::DEFAULT_SUCCESS)),
        description: def.description.as_deref().map(Prose::block),
        steps: def.steps.as_deref().map(Prose::block),
        run: scripts(&def.run),
        verify: scripts(&def.verify),
        undo: scripts(&def.undo),
        causes: def
            .fixes
            .iter()
            .map(|&c| sibling("cause", "causes", &model.cause(c).name, &model.cause(c).title))
            .collect(),
        symptoms: symptoms
            .into_iter()
            .map(|s| {
                let symptom = model.symptom(s);
                item(
                    &symptom.name,
                    &symptom.title,
                    "symptom",
                    format!(
                        "../{}#{}",
                        site_path("symptoms", &symptom.name),
                        anchor("fix", &def.name)
                    ),
                    None,
                )
            })
            .collect(),
        sources: def.sources.iter().map(|s| LinkView::source(s)).collect(),
    }
}

/// The search index: per symptom its words and the codes that identify it.
#[must_use]
pub fn search_index(model: &Model) -> Vec<SearchEntry> {
    model
        .symptoms
        .iter()
        .map(|s| {
            let mut codes = BTreeSet::new();
            collect_codes(&s.condition, &mut codes);
            let codes = codes
                .into_iter()
                .flat_map(|c| {
                    let hex = format!("{c:x}");
                    [format!("0x{hex}"), hex, c.to_string()]
                })
                .collect::<BTreeSet<String>>()
                .into_iter()
                .collect();
            SearchEntry {
                name: s.name.clone(),
                title: s.title.clone(),
                aliases: s.aliases.clone(),
                codes,
                url: site_path("symptoms", &s.name),
                text: s
                    .description
                    .as_deref()
                    .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// Non-negative ints a symptom's condition requires a fact to equal: its error codes.
fn collect_codes(condition: &Condition, codes: &mut BTreeSet<i64>) {
    match condition {
        Condition::All(cs) | Condition::Any(cs) => {
            for c in cs {
                collect_codes(c, codes);
            }
        }
        Condition::Compare { op: CompareOp::Eq, value: Value::Int(code), .. } if *code >= 0 => {
            codes.insert(*code);
        }
        Condition::OneOf { values, .. } => {
            codes.extend(values.iter().filter_map(|v| match v {
                Value::Int(code) if *code >= 0 => Some(*code),
                _ => None,
            }));
        }
        _ => {}
    }
}

/// An edge between two boxes, each given as (column, index in the column).
type Edge = ((usize, usize), (usize, usize));

/// A box of the graph.
struct Node {
    kind: &'static str,
    title: String,
    label: Option<String>,
    /// Where the box leads; `None` draws it without a link.
    href: Option<String>,
}

const COLUMN_WIDTH: f64 = 250.0;
const COLUMN_GAP: f64 = 70.0;
/// The least space between two boxes of a column.
const BOX_GAP: f64 = 6.0;
/// One line of a box's text, and the room above and below it.
const LINE: f64 = 15.0;
const BOX_PADDING: f64 = 5.0;
/// The characters of a line in a box (the box is `COLUMN_WIDTH` wide): a longer title wraps
/// at spaces onto more lines, so no title is cut.
const LINE_CHARS: usize = 33;
/// Where the first box may start: below the column headings.
const TOP: f64 = 24.0;

/// The part of the graph one symptom page draws: the symptom, its causes, their fixes.
/// `cause_href` and `fix_href` say where each box leads (a guide without a fix's section
/// links to its page, or nowhere).
pub(crate) fn symptom_graph(
    model: &Model,
    id: SymptomId,
    cause_href: &dyn Fn(&str) -> Option<String>,
    fix_href: &dyn Fn(&str) -> Option<String>,
) -> String {
    let symptom = model.symptom(id);
    let symptoms = vec![Node {
        kind: "symptom",
        title: symptom.title.clone(),
        label: None,
        href: Some("#symptoms".into()),
    }];
    let mut causes = Vec::new();
    let mut fixes: Vec<FixId> = Vec::new();
    let mut edges = Vec::new();
    for (ci, &(cause, prior)) in symptom.causes.iter().enumerate() {
        let def = model.cause(cause);
        causes.push(Node {
            kind: "cause",
            title: def.title.clone(),
            label: Some(percent(prior)),
            href: cause_href(&def.name),
        });
        edges.push(((0, 0), (1, ci)));
        for &fix in &def.fixes {
            let fi = fixes.iter().position(|f| *f == fix).unwrap_or_else(|| {
                fixes.push(fix);
                fixes.len() - 1
            });
            edges.push(((1, ci), (2, fi)));
        }
    }
    let fixes = fixes
        .into_iter()
        .map(|f| {
            let def = model.fix(f);
            Node { kind: "fix", title: def.title.clone(), label: None, href: fix_href(&def.name) }
        })
        .collect();
    draw(
        &format!("What can cause “{}” and what fixes it", symptom.title),
        &[symptoms, causes, fixes],
        &edges,
    )
}

/// The whole knowledge base: every symptom, cause and fix. Causes are ordered by the mean
/// position of the symptoms they explain and fixes by that of the causes they repair (the
/// barycentre heuristic), which keeps most edges short and uncrossed.
#[allow(clippy::cast_precision_loss)] // positions are small
fn whole_graph(model: &Model) -> String {
    let barycentre = |positions: &mut dyn Iterator<Item = usize>| -> f64 {
        let (sum, count) = positions.fold((0usize, 0usize), |(s, c), p| (s + p, c + 1));
        if count == 0 { f64::MAX } else { sum as f64 / count as f64 }
    };
    let mut cause_order: Vec<usize> = (0..model.causes.len()).collect();
    let cause_keys: Vec<f64> = model
        .causes
        .iter()
        .map(|c| barycentre(&mut c.explains.iter().map(|(s, _)| s.index())))
        .collect();
    cause_order.sort_by(|a, b| cause_keys[*a].total_cmp(&cause_keys[*b]).then(a.cmp(b)));
    let mut cause_position = vec![0; model.causes.len()];
    for (position, &cause) in cause_order.iter().enumerate() {
        cause_position[cause] = position;
    }
    let mut fix_order: Vec<usize> = (0..model.fixes.len()).collect();
    let fix_keys: Vec<f64> = model
        .fixes
        .iter()
        .map(|f| barycentre(&mut f.fixes.iter().map(|c| cause_position[c.index()])))
        .collect();
    fix_order.sort_by(|a, b| fix_keys[*a].total_cmp(&fix_keys[*b]).then(a.cmp(b)));
    let mut fix_position = vec![0; model.fixes.len()];
    for (position, &fix) in fix_order.iter().enumerate() {
        fix_position[fix] = position;
    }
    let node = |kind: &'static str, folder: &str, title: &str, name: &str| Node {
        kind,
        title: title.to_string(),
        label: None,
        href: Some(site_path(folder, name)),
    };
    let symptoms =
        model.symptoms.iter().map(|s| node("symptom", "symptoms", &s.title, &s.name)).collect();
    let causes = cause_order
        .iter()
        .map(|&i| node("cause", "causes", &model.causes[i].title, &model.causes[i].name))
        .collect();
    let fixes = fix_order
        .iter()
        .map(|&i| node("fix", "fixes", &model.fixes[i].title, &model.fixes[i].name))
        .collect();
    let mut edges = Vec::new();
    for (ci, cause) in model.causes.iter().enumerate() {
        for &(s, _) in &cause.explains {
            edges.push(((0, s.index()), (1, cause_position[ci])));
        }
        for &f in &cause.fixes {
            edges.push(((1, cause_position[ci]), (2, fix_position[f.index()])));
        }
    }
    draw(
        "Every symptom, the causes that explain it, and the fixes of each cause",
        &[symptoms, causes, fixes],
        &edges,
    )
}

/// A box's text, and the lines it is drawn in.
fn box_lines(node: &Node) -> (String, Vec<String>) {
    let text = match &node.label {
        Some(label) => format!("{label} {}", node.title),
        None => node.title.clone(),
    };
    // At spaces only: "domain-joined" stays one word, so a line never ends in a hyphen the
    // title does not have there.
    let options =
        textwrap::Options::new(LINE_CHARS).word_splitter(textwrap::WordSplitter::NoHyphenation);
    let lines: Vec<String> =
        textwrap::wrap(&text, options).into_iter().map(std::borrow::Cow::into_owned).collect();
    let lines = if lines.is_empty() { vec![String::new()] } else { lines };
    (text, lines)
}

/// Where each box of each column is: its top and its height. A box is as tall as its wrapped
/// title; the boxes of a column share the height of the tallest column, the room left spread
/// evenly around them (a column of one box centres it).
#[allow(clippy::cast_precision_loss)] // line counts are small
fn layout(texts: &[Vec<(String, Vec<String>)>; 3]) -> ([Vec<(f64, f64)>; 3], f64) {
    let heights: Vec<Vec<f64>> = texts
        .iter()
        .map(|column| {
            column.iter().map(|(_, l)| l.len() as f64 * LINE + 2.0 * BOX_PADDING).collect()
        })
        .collect();
    let needed = |column: &Vec<f64>| -> f64 {
        column.iter().sum::<f64>() + BOX_GAP * column.len().saturating_sub(1) as f64
    };
    let inner = heights.iter().map(needed).fold(LINE + 2.0 * BOX_PADDING, f64::max);
    let mut boxes: [Vec<(f64, f64)>; 3] = Default::default();
    for (column, heights) in heights.iter().enumerate() {
        let spare = (inner - heights.iter().sum::<f64>()) / heights.len().max(1) as f64;
        let mut top = TOP + spare / 2.0;
        for &height in heights {
            boxes[column].push((top, height));
            top += height + spare;
        }
    }
    (boxes, TOP + inner + 10.0)
}

/// Three columns of linked boxes, each spread over the height of the tallest, and the edges
/// between them as curves.
#[allow(clippy::cast_precision_loss)] // line counts are small
fn draw(title: &str, columns: &[Vec<Node>; 3], edges: &[Edge]) -> String {
    let texts: [Vec<(String, Vec<String>)>; 3] =
        std::array::from_fn(|column| columns[column].iter().map(box_lines).collect());
    let (boxes, height) = layout(&texts);
    let width = 3.0 * COLUMN_WIDTH + 2.0 * COLUMN_GAP;
    let left = |column: usize| column as f64 * (COLUMN_WIDTH + COLUMN_GAP);
    let middle = |column: usize, index: usize| -> f64 {
        let (top, height) = boxes[column][index];
        top + height / 2.0
    };
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="graph" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="{}"><title>{}</title>"#,
        xml(title),
        xml(title)
    );
    for (i, heading) in ["Symptom", "Causes", "Fixes"].iter().enumerate() {
        let _ = write!(svg, r#"<text x="{}" y="14" font-weight="bold">{heading}</text>"#, left(i));
    }
    for &((c1, i1), (c2, i2)) in edges {
        if i1 >= columns[c1].len() || i2 >= columns[c2].len() {
            continue;
        }
        let (x1, y1) = (left(c1) + COLUMN_WIDTH, middle(c1, i1));
        let (x2, y2) = (left(c2), middle(c2, i2));
        let mid = f64::midpoint(x1, x2);
        let _ =
            write!(svg, r#"<path d="M{x1} {y1:.1} C{mid} {y1:.1} {mid} {y2:.1} {x2} {y2:.1}"/>"#);
    }
    for (column, nodes) in columns.iter().enumerate() {
        for (index, node) in nodes.iter().enumerate() {
            let x = left(column);
            let (top, box_height) = boxes[column][index];
            let (text, lines) = &texts[column][index];
            let (open, close) = match &node.href {
                Some(href) => {
                    (format!(r#"<a href="{}" class="node {}">"#, xml(href), node.kind), "</a>")
                }
                None => (format!(r#"<g class="node {}">"#, node.kind), "</g>"),
            };
            let _ = write!(
                svg,
                r#"{open}<title>{}</title><rect x="{x}" y="{top:.1}" width="{COLUMN_WIDTH}" height="{box_height:.1}" rx="4"/><text x="{}" y="{:.1}">"#,
                xml(text),
                x + 6.0,
                top + BOX_PADDING + LINE - 4.0,
            );
            for (n, line) in lines.iter().enumerate() {
                let dy = if n == 0 { 0.0 } else { LINE };
                let _ = write!(svg, r#"<tspan x="{}" dy="{dy}">{}</tspan>"#, x + 6.0, xml(line));
            }
            let _ = write!(svg, "</text>{close}");
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Text for an SVG (XML) element or attribute: HTML's escapes, without the control
/// characters XML forbids.
fn xml(text: &str) -> String {
    let kept: String =
        text.chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').collect();
    crate::guide::escape_html(&kept)
}
