//! Troubleshooting guides: one page per symptom that a support engineer can follow without
//! knowing triage, in Markdown or self-contained HTML.
//!
//! The engine decides everything; this module only arranges it. [`Guide::new`] diagnoses the
//! symptom with the facts given (none: the prior ranking; some: the guide is tailored — ruled-out
//! causes leave the ranking, known answers are not asked again, each cause says why it ranks
//! where it does) and turns the report into a view model whose every author-written Markdown
//! block is already rendered and sanitised ([`crate::markdown`]). [`Templates`] renders it with
//! tera: `guide.md` and `guide.html` (autoescaped), which authors can replace with files of the
//! same names (`--templates DIR`). The layout follows a Microsoft Learn troubleshooting article:
//! summary, symptoms, what to check first, cause, resolution, more information.

use crate::diagnosis::duration;
use crate::markdown;
use serde::Serialize;
use std::path::{Path, PathBuf};
use triage_engine::explain::percent;
use triage_engine::report::{PlanReport, Report, ReportOptions, StepReport, SymptomReport};
use triage_engine::{Engine, FactSet};
use triage_rules::ast::{Need, Place, Risk};

mod short;
use triage_rules::model::{Model, ScriptDef, SymptomId};

/// The output formats of a guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
}

impl Format {
    /// The template a guide is rendered with.
    #[must_use]
    pub fn template(self) -> &'static str {
        match self {
            Format::Markdown => "guide.md",
            Format::Html => "guide.html",
        }
    }
}

/// Why a guide or a site could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template `{name}`: {message}")]
    Template { name: String, message: String },
    #[error("cannot read `{}`: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write `{}`: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
}

/// The built-in templates, by name. Each can be replaced by a file of the same name.
pub const BUILTIN_TEMPLATES: [(&str, &str); 10] = [
    ("macros.md", include_str!("../../templates/macros.md")),
    ("style.css", include_str!("../../templates/style.css")),
    ("macros.html", include_str!("../../templates/macros.html")),
    ("base.html", include_str!("../../templates/base.html")),
    ("guide.html", include_str!("../../templates/guide.html")),
    ("guide.md", include_str!("../../templates/guide.md")),
    ("index.html", include_str!("../../templates/index.html")),
    ("cause.html", include_str!("../../templates/cause.html")),
    ("fix.html", include_str!("../../templates/fix.html")),
    ("search.js", include_str!("../../templates/search.js")),
];

/// The tera templates guides and sites are rendered with.
#[derive(Debug)]
pub struct Templates {
    tera: tera::Tera,
}

fn template_error(name: &str, error: &tera::Error) -> RenderError {
    RenderError::Template { name: name.to_string(), message: describe_tera(error) }
}

/// A tera error with its causes: tera's own message is "Failed to render …", the real reason
/// is in the chain of sources.
#[must_use]
pub fn describe_tera(error: &tera::Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        source = inner.source();
    }
    message
}

impl Templates {
    /// The templates shipped in the binary.
    pub fn builtin() -> Result<Self, RenderError> {
        Self::from_sources(
            BUILTIN_TEMPLATES.iter().map(|(n, t)| ((*n).to_string(), (*t).to_string())).collect(),
        )
    }

    /// The built-in templates, with every file of `dir` whose name is a template's name in its
    /// place (and any other `.html`, `.md`, `.css` or `.js` file added, for the overrides to
    /// include).
    pub fn with_overrides(dir: &Path) -> Result<Self, RenderError> {
        let read_error = |source| RenderError::Read { path: dir.to_path_buf(), source };
        let mut sources: Vec<(String, String)> =
            BUILTIN_TEMPLATES.iter().map(|(n, t)| ((*n).to_string(), (*t).to_string())).collect();
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(read_error)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        entries.sort();
        for path in entries {
            let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_string) else {
                continue;
            };
            let known = sources.iter().any(|(n, _)| *n == name);
            let extension = Path::new(&name).extension().and_then(|e| e.to_str());
            if !known && !matches!(extension, Some("html" | "md" | "css" | "js")) {
                continue;
            }
            let text = std::fs::read_to_string(&path)
                .map_err(|source| RenderError::Read { path: path.clone(), source })?;
            match sources.iter_mut().find(|(n, _)| *n == name) {
                Some(slot) => slot.1 = text,
                None => sources.push((name, text)),
            }
        }
        Self::from_sources(sources)
    }

    fn from_sources(sources: Vec<(String, String)>) -> Result<Self, RenderError> {
        let mut tera = tera::Tera::default();
        // Autoescape every HTML template; Markdown, CSS and JS templates hold no HTML context.
        tera.autoescape_on(vec![".html"]);
        tera.add_raw_templates(sources).map_err(|e| template_error("(templates)", &e))?;
        tera.register_filter("md_escape", md_escape_filter);
        tera.set_escape_fn(escape_html);
        Ok(Templates { tera })
    }

    /// Renders template `name` with `context`.
    pub fn render(&self, name: &str, context: &tera::Context) -> Result<String, RenderError> {
        self.tera.render(name, context).map_err(|e| template_error(name, &e))
    }
}

/// Text for HTML content and quoted attribute values. tera's default also writes `/` as
/// `&#x2F;`, which only makes every relative link unreadable.
#[must_use]
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `{{ text | md_escape }}`: plain text made inert in a Markdown document.
#[allow(clippy::unnecessary_wraps)] // the signature tera requires of a filter
fn md_escape_filter(
    value: &tera::Value,
    _: &std::collections::HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    match value {
        tera::Value::String(s) => Ok(tera::Value::String(markdown::escape_text(s))),
        tera::Value::Null => Ok(tera::Value::String(String::new())),
        other => Ok(tera::Value::String(markdown::escape_text(&other.to_string()))),
    }
}

/// Author Markdown in both forms: sanitised HTML and neutralised Markdown.
#[derive(Debug, Clone, Serialize)]
pub struct Prose {
    pub html: String,
    pub markdown: String,
}

impl Prose {
    /// The first paragraph of a block, when the block has more: what a short guide shows.
    #[must_use]
    pub fn lead(text: &str) -> Option<Self> {
        let (first, _) = text.trim().split_once("\n\n")?;
        Some(Prose::block(first))
    }

    /// A block (paragraphs, lists).
    #[must_use]
    pub fn block(text: &str) -> Self {
        Prose { html: markdown::to_html(text), markdown: markdown::neutralise(text.trim_end()) }
    }

    /// One line.
    #[must_use]
    pub fn inline(text: &str) -> Self {
        let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
        Prose {
            html: markdown::to_inline_html(&one_line),
            markdown: markdown::neutralise(&one_line),
        }
    }
}

/// A link; `url` is `None` when its scheme is not allowed (the text is still shown).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LinkView {
    pub url: Option<String>,
    pub text: String,
    /// The link as a Markdown autolink (`<https://…>`), characters that would end it encoded.
    pub markdown: String,
}

impl LinkView {
    #[must_use]
    pub fn source(url: &str) -> Self {
        let safe = markdown::is_safe_url(url);
        let encoded: String = url
            .trim()
            .chars()
            .map(|c| match c {
                '<' => "%3C".to_string(),
                '>' => "%3E".to_string(),
                c if c.is_whitespace() || c.is_control() => format!("%{:02X}", u32::from(c) & 0xFF),
                c => c.to_string(),
            })
            .collect();
        LinkView {
            url: safe.then(|| url.trim().to_string()),
            text: url.to_string(),
            markdown: if safe { format!("<{encoded}>") } else { markdown::escape_text(url) },
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ScriptView {
    pub shell: &'static str,
    pub code: String,
    /// A Markdown code fence longer than any run of backticks in the code.
    pub fence: String,
}

#[must_use]
pub fn scripts(defs: &[ScriptDef]) -> Vec<ScriptView> {
    defs.iter()
        .map(|s| {
            let code = s.code.trim_end().to_string();
            let longest = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
            ScriptView { shell: s.shell.keyword(), fence: "`".repeat(longest.max(2) + 1), code }
        })
        .collect()
}

/// A reference to a cause or a fix: its anchor on the guide page, its own page on a site.
#[derive(Debug, Clone, Serialize)]
pub struct ItemRef {
    pub name: String,
    pub title: String,
    /// `#fix-name` on a guide page.
    pub anchor: String,
    /// Its page, on a site.
    pub page: Option<String>,
    /// The probability that goes with it here (a cause's posterior), as a percentage.
    pub percent: Option<String>,
}

/// How a guide links causes and fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// A standalone page: anchors only.
    Anchors,
    /// A page of a site made by [`crate::site`]: anchors, and the items' own pages.
    Site,
}

impl Links {
    fn cause(self, name: &str) -> Option<String> {
        (self == Links::Site).then(|| format!("../{}", site_path("causes", name)))
    }
    fn fix(self, name: &str) -> Option<String> {
        (self == Links::Site).then(|| format!("../{}", site_path("fixes", name)))
    }
}

/// Where an item's page is in a site made by [`crate::site`], from the site's root:
/// `causes/NAME.html`. Pages in a folder link to each other with `../` in front.
#[must_use]
pub fn site_path(folder: &str, name: &str) -> String {
    format!("{folder}/{}.html", file_stem(name))
}

/// A name as a file name: names are identifiers, but nothing breaks if one is not.
#[must_use]
pub fn file_stem(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' })
        .collect()
}

#[must_use]
pub fn anchor(kind: &str, name: &str) -> String {
    format!("{kind}-{}", file_stem(name))
}

#[derive(Debug, Clone, Serialize)]
pub struct SymptomView {
    pub name: String,
    pub title: String,
    pub description: Option<Prose>,
    /// The description's opening, up to its first section in bold: what a short guide shows.
    #[serde(skip)]
    pub lead: Option<Prose>,
    pub aliases: Vec<String>,
    /// The condition that identifies it, as written.
    pub condition: String,
    /// Scripts that tell whether it is still there.
    pub checks: Vec<ScriptView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Expected time to resolution following this guide (questions first when they pay).
    pub expected: String,
    pub expected_seconds: f64,
    /// Expected time when applying the fixes in order without asking anything.
    pub repair_only: String,
    /// Whether answering questions first is quicker.
    pub questions_first: bool,
    /// Chance that one of the fixes solves it.
    pub coverage: String,
    /// Chance that the cause is one this knowledge base does not list.
    pub unlisted: String,
    pub cause_count: usize,
    pub fix_count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct FactView {
    pub name: String,
    pub title: Option<String>,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnswerView {
    pub answer: String,
    pub percent: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct QuestionView {
    pub fact: String,
    pub anchor: String,
    pub title: Option<String>,
    /// The question as the author wrote it (inline Markdown), else the title.
    pub ask: Prose,
    pub description: Option<Prose>,
    /// "on the client", "on the server".
    pub places: Vec<&'static str>,
    pub cost: String,
    /// Expected information, "1.25 bits" (empty for questions from the decision tree only).
    pub gain: Option<String>,
    pub answers: Vec<AnswerView>,
    pub collect: Vec<ScriptView>,
    /// Where the decision tree asks it first ("first", or "if … is …").
    pub in_tree: bool,
}

/// A node of the decision tree.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TreeView {
    Ask {
        fact: String,
        anchor: String,
        question: Prose,
        cost: String,
        expected: String,
        branches: Vec<BranchView>,
    },
    Repair {
        expected: String,
        /// The first fixes to try on this branch.
        first: Vec<ItemRef>,
        /// How many more follow in the repair order.
        more: usize,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct BranchView {
    pub answer: String,
    pub percent: String,
    /// The same as a number, for what a short guide merges.
    #[serde(skip)]
    pub probability: f64,
    pub then: TreeView,
}

#[derive(Debug, Clone, Serialize)]
pub struct CauseView {
    pub name: String,
    pub title: String,
    pub anchor: String,
    pub page: Option<String>,
    pub percent: String,
    /// The same as a number, for choosing what a short guide keeps.
    #[serde(skip)]
    pub posterior: f64,
    pub prior: String,
    pub description: Option<Prose>,
    /// The description's first paragraph, when it has more (short guides).
    #[serde(skip)]
    pub lead: Option<Prose>,
    /// Why it ranks where it does (tailored guides).
    pub reason: Option<Prose>,
    /// Every observation that moved it, in words.
    pub evidence: Vec<Prose>,
    pub fixes: Vec<ItemRef>,
    pub sources: Vec<LinkView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FixView {
    pub rank: usize,
    /// The first fix past the point where escalating is the better bet: the repair order
    /// stops before it, the guide still lists it for when escalating is not an option.
    pub first_beyond_escalation: bool,
    pub name: String,
    pub title: String,
    pub anchor: String,
    pub page: Option<String>,
    pub cost: String,
    pub risk: Option<&'static str>,
    pub needs: Vec<&'static str>,
    /// Chance that this fix is the one (the posterior of the causes it repairs).
    pub probability: String,
    /// Chance it works when its cause is the culprit.
    pub success: String,
    /// Chance the problem is still there when this step is reached.
    pub reached: String,
    pub description: Option<Prose>,
    /// The description's first paragraph, when it has more (short guides).
    #[serde(skip)]
    pub lead: Option<Prose>,
    pub steps: Option<Prose>,
    pub run: Vec<ScriptView>,
    pub verify: Vec<ScriptView>,
    pub undo: Vec<ScriptView>,
    pub causes: Vec<ItemRef>,
    pub sources: Vec<LinkView>,
}

/// Everything a guide page shows.
#[derive(Debug, Clone, Serialize)]
pub struct Guide {
    pub symptom: SymptomView,
    /// For a thin report no symptom matches exactly: what the ranking weighs, in words.
    pub mixture: Option<String>,
    /// Fixes the facts rule out (their `when` is false), with the facts that decide it.
    pub not_offered: Vec<triage_engine::report::NotOfferedReport>,
    /// Facts were given: the ranking is theirs, not the prior one.
    pub tailored: bool,
    pub host: Option<String>,
    pub collected_at: Option<String>,
    pub summary: Summary,
    /// What the fact file says, and what the rules derived from it.
    pub known: Vec<FactView>,
    pub derived: Vec<FactView>,
    pub questions: Vec<QuestionView>,
    /// `None` when answering nothing first is the quickest way.
    pub tree: Option<TreeView>,
    pub causes: Vec<CauseView>,
    /// Causes the facts rule out (tailored guides).
    pub ruled_out: Vec<CauseView>,
    pub fixes: Vec<FixView>,
    /// Every source cited by a cause or a fix, once.
    pub sources: Vec<LinkView>,
    /// Problems tolerated while reading the facts.
    pub warnings: Vec<String>,
    /// The symptom's causes and their fixes drawn as SVG (markup built and escaped in Rust).
    pub graph: String,
    /// A short guide: what it leaves out of the complete reference (`--full`).
    pub short: Option<short::Omitted>,
}

/// How much a guide shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Depth {
    /// What a person follows: the likeliest causes, the first questions, their fixes.
    #[default]
    Short,
    /// The complete reference: every cause, question and fix, the whole decision tree.
    Full,
}

/// A question's cost in the decision tree, saying when most of it is reaching who can answer:
/// "16m, most of it getting the server's administrator on the case".
fn question_cost_words(model: &Model, fact: &str, cost_seconds: f64) -> String {
    let Some(def) = model.fact_id(fact).map(|id| model.fact(id)) else {
        return duration(cost_seconds);
    };
    let own = def.cost_seconds.unwrap_or(triage_engine::question::DEFAULT_QUESTION_COST)
        + triage_engine::cost::TURN_SECONDS;
    if cost_seconds > 2.0 * own {
        format!(
            "{}, most of it getting {} on the case",
            duration(cost_seconds),
            role_words(def.role())
        )
    } else {
        duration(cost_seconds)
    }
}

/// Every source cited by a cause or a fix, once.
fn sources_of(causes: &[CauseView], fixes: &[FixView]) -> Vec<LinkView> {
    let mut sources: Vec<LinkView> = Vec::new();
    for link in causes.iter().flat_map(|c| &c.sources).chain(fixes.iter().flat_map(|f| &f.sources))
    {
        if !sources.contains(link) {
            sources.push(link.clone());
        }
    }
    sources
}

/// How many fixes a leaf of the decision tree names before "then the rest".
const TREE_FIXES: usize = 3;
/// How many of the best questions a guide lists besides those of the decision tree.
const QUESTIONS: usize = 5;

/// Where a fact is found, as a phrase: "on the client", "by asking a person".
#[must_use]
pub fn place_words(place: Place) -> &'static str {
    match place {
        Place::Client => "on the client",
        Place::Server => "on the server",
        Place::Management => "in the management plane (cloud portal, network team)",
        Place::Person => "by asking a person",
    }
}

/// Who a role is, as a phrase: "the server's administrator".
#[must_use]
pub fn role_words(role: triage_rules::ast::Role) -> &'static str {
    match role {
        triage_rules::ast::Role::User => "the person at the client",
        triage_rules::ast::Role::ClientAdmin => "someone with rights on the client",
        triage_rules::ast::Role::ServerAdmin => "the server's administrator",
        triage_rules::ast::Role::NetworkAdmin => "the network's administrator",
    }
}

#[must_use]
pub fn need_words(need: Need) -> &'static str {
    match need {
        Need::Admin => "local administrator rights",
        Need::Server => "access to the server",
        Need::Client => "access to the client",
        Need::Reboot => "a restart",
        Need::DomainAdmin => "domain administrator rights",
        Need::NetworkAdmin => "access to the network or cloud management plane",
        Need::User => "the affected user",
    }
}

fn risk_words(risk: Risk) -> &'static str {
    risk.keyword()
}

impl Guide {
    /// The guide for `symptom` given `facts` (every fact unknown for the prior ranking).
    #[must_use]
    pub fn new(engine: &Engine, facts: &FactSet, symptom: SymptomId, links: Links) -> Guide {
        Guide::new_with(engine, facts, symptom, links, Depth::Full)
    }

    /// [`Guide::new`] at the given depth.
    #[must_use]
    pub fn new_with(
        engine: &Engine,
        facts: &FactSet,
        symptom: SymptomId,
        links: Links,
        depth: Depth,
    ) -> Guide {
        let mut facts = facts.clone();
        // Naming the symptom makes the engine rank its causes whatever the facts show.
        facts.symptom = Some(symptom);
        let mut diagnosis = engine.diagnose(&facts);
        diagnosis.symptoms.retain(|s| s.symptom == symptom);
        Guide::of_diagnosis(engine, &facts, symptom, &diagnosis, links, depth)
    }

    /// The guide the facts lead to when no symptom is named: the symptom they show, else the
    /// mixture over the symptoms they leave possible (a thin report), headed by the likeliest;
    /// `None` when they rule every symptom out.
    #[must_use]
    pub fn for_facts(engine: &Engine, facts: &FactSet, links: Links) -> Option<Guide> {
        Guide::for_facts_with(engine, facts, links, Depth::Full)
    }

    /// [`Guide::for_facts`] at the given depth.
    #[must_use]
    pub fn for_facts_with(
        engine: &Engine,
        facts: &FactSet,
        links: Links,
        depth: Depth,
    ) -> Option<Guide> {
        let mut diagnosis = engine.diagnose(facts);
        diagnosis.symptoms.truncate(1);
        let symptom = diagnosis.symptoms.first()?.symptom;
        Some(Guide::of_diagnosis(engine, facts, symptom, &diagnosis, links, depth))
    }

    fn of_diagnosis(
        engine: &Engine,
        facts: &FactSet,
        symptom: SymptomId,
        diagnosis: &triage_engine::Diagnosis,
        links: Links,
        depth: Depth,
    ) -> Guide {
        let model = engine.model();
        let plan_questions = match depth {
            Depth::Short => short::TREE_QUESTIONS,
            Depth::Full => triage_engine::repair::MAX_QUESTIONS,
        };
        let options = ReportOptions { questions: QUESTIONS, plan_questions, ..ReportOptions::FULL };
        let report = Report::new(engine, facts, diagnosis, options);
        let def = model.symptom(symptom);
        let mixture = diagnosis
            .symptoms
            .first()
            .is_some_and(|s| s.matched_by == triage_engine::infer::MatchedBy::Mixture);
        let symptom_view = symptom_view(def, mixture);
        let known: Vec<FactView> = facts
            .values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                let def = model.facts.get(i)?;
                Some(FactView {
                    name: def.name.clone(),
                    title: def.title.clone(),
                    value: v.as_ref()?.display(&def.ty),
                })
            })
            .collect();
        let derived = diagnosis
            .derived
            .iter()
            .map(|(fact, value)| {
                let def = model.fact(*fact);
                FactView {
                    name: def.name.clone(),
                    title: def.title.clone(),
                    value: value.display(&def.ty),
                }
            })
            .collect();
        let tailored = !known.is_empty();
        let Some(report_symptom) = report.symptoms.first() else {
            // The engine always ranks a named symptom; an empty report means no causes at all.
            return Guide::empty(symptom_view, tailored, &report, known, derived);
        };
        let mut causes = Vec::new();
        let mut ruled_out = Vec::new();
        // A cause that what the symptom itself tests rules out (a cause of another error code)
        // is not part of this symptom's guide at all: listing it as "ruled out" says nothing
        // the reader does not know.
        for cause in report_symptom.causes.iter().filter(|c| !c.ruled_out_by_symptom) {
            let view = cause_view(model, cause, links, tailored);
            if cause.ruled_out { ruled_out.push(view) } else { causes.push(view) }
        }
        let fixes = fix_views(model, report_symptom, links);
        let not_offered = not_offered(report_symptom);
        let questions = question_views(model, report_symptom);
        let tree = match &report_symptom.plan {
            Some(plan @ PlanReport::Ask { .. }) => Some(tree_view(model, plan)),
            _ => None,
        };
        let summary = summary(report_symptom, causes.len(), fixes.len());
        let shown = |views: &[CauseView], name: &str| views.iter().any(|c| c.name == name);
        let cause_href = |name: &str| {
            if shown(&causes, name) || shown(&ruled_out, name) {
                Some(format!("#{}", anchor("cause", name)))
            } else {
                links.cause(name)
            }
        };
        let fix_href = |name: &str| {
            if fixes.iter().any(|f| f.name == name) {
                Some(format!("#{}", anchor("fix", name)))
            } else {
                links.fix(name)
            }
        };
        let graph = crate::site::symptom_graph(model, symptom, &cause_href, &fix_href);
        let sources = sources_of(&causes, &fixes);
        let mut guide = Guide {
            symptom: symptom_view,
            mixture: report_symptom.message.clone(),
            not_offered,
            tailored,
            host: report.host.clone(),
            collected_at: report.collected_at.clone(),
            summary,
            known,
            derived,
            questions,
            tree,
            causes,
            ruled_out,
            fixes,
            sources,
            warnings: report.warnings.clone(),
            graph,
            short: None,
        };
        if depth == Depth::Short {
            short::shorten(&mut guide);
        }
        guide
    }

    fn empty(
        symptom: SymptomView,
        tailored: bool,
        report: &Report,
        known: Vec<FactView>,
        derived: Vec<FactView>,
    ) -> Guide {
        Guide {
            symptom,
            mixture: None,
            not_offered: Vec::new(),
            tailored,
            host: report.host.clone(),
            collected_at: report.collected_at.clone(),
            summary: Summary {
                expected: duration(0.0),
                expected_seconds: 0.0,
                repair_only: duration(0.0),
                questions_first: false,
                coverage: percent(0.0),
                unlisted: percent(1.0),
                cause_count: 0,
                fix_count: 0,
            },
            known,
            derived,
            questions: Vec::new(),
            tree: None,
            causes: Vec::new(),
            ruled_out: Vec::new(),
            fixes: Vec::new(),
            sources: Vec::new(),
            warnings: report.warnings.clone(),
            graph: String::new(),
            short: None,
        }
    }

    /// The guide as Markdown or HTML.
    pub fn render(&self, format: Format, templates: &Templates) -> Result<String, RenderError> {
        self.render_with(format.template(), templates, None)
    }

    /// Renders with a named template; `nav` is the site's navigation (its index page), if any.
    pub fn render_with(
        &self,
        template: &str,
        templates: &Templates,
        nav: Option<&Nav>,
    ) -> Result<String, RenderError> {
        let mut context = tera::Context::new();
        context.insert("guide", self);
        context.insert("nav", &nav);
        context.insert("generator", concat!("triage ", env!("CARGO_PKG_VERSION")));
        templates.render(template, &context)
    }
}

/// Links from a page of a site back to the rest of it.
#[derive(Debug, Clone, Serialize)]
pub struct Nav {
    /// The index page, relative to this page.
    pub index: String,
}

fn summary(report: &SymptomReport, cause_count: usize, fix_count: usize) -> Summary {
    let repair_seconds = report.repair.as_ref().map_or(0.0, |r| r.expected_seconds);
    let expected_seconds = match &report.plan {
        Some(PlanReport::Ask { expected_seconds, .. }) => *expected_seconds,
        Some(PlanReport::Repair(r)) => r.expected_seconds,
        None => repair_seconds,
    };
    Summary {
        expected: duration(expected_seconds),
        expected_seconds,
        repair_only: duration(repair_seconds),
        questions_first: matches!(report.plan, Some(PlanReport::Ask { .. })),
        coverage: percent(report.repair.as_ref().map_or(0.0, |r| r.coverage)),
        unlisted: percent(report.unlisted),
        cause_count,
        fix_count,
    }
}

fn cause_view(
    model: &Model,
    report: &triage_engine::report::CauseReport,
    links: Links,
    tailored: bool,
) -> CauseView {
    let def = model.cause_id(&report.cause).map(|id| model.cause(id));
    let fixes = def
        .map(|d| {
            d.fixes
                .iter()
                .map(|&f| {
                    let fix = model.fix(f);
                    ItemRef {
                        name: fix.name.clone(),
                        title: fix.title.clone(),
                        anchor: anchor("fix", &fix.name),
                        page: links.fix(&fix.name),
                        percent: None,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    CauseView {
        name: report.cause.clone(),
        title: report.title.clone(),
        anchor: anchor("cause", &report.cause),
        page: links.cause(&report.cause),
        percent: percent(report.posterior),
        posterior: report.posterior,
        prior: percent(report.prior),
        description: def.and_then(|d| d.description.as_deref()).map(Prose::block),
        lead: def.and_then(|d| d.description.as_deref()).and_then(Prose::lead),
        reason: if tailored { report.reason.as_deref().map(Prose::inline) } else { None },
        evidence: report
            .evidence
            .iter()
            .filter_map(|e| e.explanation.as_deref())
            .map(Prose::inline)
            .collect(),
        fixes,
        sources: def
            .map(|d| d.sources.iter().map(|s| LinkView::source(s)).collect())
            .unwrap_or_default(),
    }
}

/// The symptom as a guide shows it. A thin report is not yet one symptom: the guide says so
/// rather than borrowing the likeliest symptom's title and description.
fn symptom_view(def: &triage_rules::model::SymptomDef, mixture: bool) -> SymptomView {
    SymptomView {
        name: def.name.clone(),
        title: if mixture {
            "A problem that matches no symptom exactly yet".to_string()
        } else {
            def.title.clone()
        },
        description: if mixture { None } else { def.description.as_deref().map(Prose::block) },
        lead: if mixture {
            None
        } else {
            def.description.as_deref().and_then(|d| {
                let (lead, _) = d.split_once("\n\n**")?;
                Some(Prose::block(lead))
            })
        },
        aliases: def.aliases.clone(),
        condition: def.condition_text.clone(),
        checks: scripts(&def.checks),
    }
}

/// The fixes the facts do not offer, leaving out those a branch of the decision tree tries
/// (those are listed as fixes). Each keeps the fix's anchor, so a link to it lands where the
/// guide says why.
fn not_offered(report: &SymptomReport) -> Vec<triage_engine::report::NotOfferedReport> {
    let in_tree = tree_fixes(report.plan.as_ref());
    report.not_offered.iter().filter(|n| !in_tree.contains(&n.fix)).cloned().collect()
}

/// The fixes some answer of the decision tree leads to: a fix the facts known now do not
/// offer (its precondition needs a fact not yet known) can still be the one a branch tries.
fn tree_fixes(plan: Option<&PlanReport>) -> Vec<String> {
    fn walk(plan: &PlanReport, out: &mut Vec<String>) {
        match plan {
            PlanReport::Repair(repair) => out.extend(repair.steps.iter().map(|s| s.fix.clone())),
            PlanReport::Ask { branches, .. } => {
                for branch in branches {
                    walk(&branch.plan, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    if let Some(plan) = plan {
        walk(plan, &mut out);
    }
    out
}

fn fix_views(model: &Model, report: &SymptomReport, links: Links) -> Vec<FixView> {
    let Some(repair) = &report.repair else { return Vec::new() };
    let in_tree = tree_fixes(report.plan.as_ref());
    // The repair order, then the fixes of causes still possible but too unlikely for it (the
    // engine leaves out steps under `MIN_SOLVE_CHANCE`): the guide lists every cause, so
    // every fix a cause names is on the page, last, as the order would have them.
    let mut steps: Vec<StepReport> = repair.steps.clone();
    for cause in report.causes.iter().filter(|c| !c.ruled_out) {
        let Some(id) = model.cause_id(&cause.cause) else { continue };
        for &fix in &model.cause(id).fixes {
            let def = model.fix(fix);
            // Already in the order, or ruled out by the facts (listed apart, with why).
            if steps.iter().any(|s| s.fix == def.name)
                || (report.not_offered.iter().any(|n| n.fix == def.name)
                    && !in_tree.contains(&def.name))
            {
                continue;
            }
            let success = def.success.unwrap_or(triage_engine::repair::DEFAULT_SUCCESS);
            steps.push(StepReport {
                fix: def.name.clone(),
                title: def.title.clone(),
                probability: cause.posterior,
                success,
                cost_seconds: def.cost_seconds,
                reached: (1.0 - repair.coverage).max(0.0),
                role: triage_engine::cost::fix_role(&def.needs),
                hand_over_seconds: 0.0,
            });
        }
    }
    let in_order = repair.steps.len();
    steps
        .iter()
        .enumerate()
        .filter_map(|(i, step)| {
            let def = model.fix(model.fix_id(&step.fix)?);
            let causes = def
                .fixes
                .iter()
                .filter_map(|&c| {
                    let cause = model.cause(c);
                    let ranked =
                        report.causes.iter().find(|r| r.cause == cause.name && !r.ruled_out)?;
                    Some(ItemRef {
                        name: cause.name.clone(),
                        title: cause.title.clone(),
                        anchor: anchor("cause", &cause.name),
                        page: links.cause(&cause.name),
                        percent: Some(percent(ranked.posterior)),
                    })
                })
                .collect();
            Some(FixView {
                rank: i + 1,
                first_beyond_escalation: i == in_order && i > 0,
                name: def.name.clone(),
                title: def.title.clone(),
                anchor: anchor("fix", &def.name),
                page: links.fix(&def.name),
                cost: duration(def.cost_seconds),
                risk: def.risk.map(risk_words),
                needs: def.needs.iter().map(|n| need_words(*n)).collect(),
                probability: percent(step.probability),
                success: percent(step.success),
                reached: percent(step.reached),
                description: def.description.as_deref().map(Prose::block),
                lead: def.description.as_deref().and_then(Prose::lead),
                steps: def.steps.as_deref().map(Prose::block),
                run: scripts(&def.run),
                verify: scripts(&def.verify),
                undo: scripts(&def.undo),
                causes,
                sources: def.sources.iter().map(|s| LinkView::source(s)).collect(),
            })
        })
        .collect()
}

/// The question text for a fact: its `ask`, else its title, else its name.
fn ask_prose(model: &Model, fact: &str) -> Prose {
    let def = model.fact_id(fact).map(|id| model.fact(id));
    match def.and_then(|d| d.ask.as_deref().or(d.title.as_deref())) {
        Some(text) => Prose::inline(text),
        None => Prose {
            html: markdown::to_inline_html(&markdown::escape_text(fact)),
            markdown: markdown::escape_text(fact),
        },
    }
}

/// The questions in the order the engine would ask them: the decision tree's, breadth first
/// (the root question first), then the best remaining next questions.
fn question_views(model: &Model, report: &SymptomReport) -> Vec<QuestionView> {
    let mut order: Vec<(String, Vec<AnswerView>)> = Vec::new();
    let mut level: Vec<&PlanReport> = report.plan.iter().collect();
    while !level.is_empty() {
        let mut next = Vec::new();
        for node in level {
            if let PlanReport::Ask { fact, branches, .. } = node {
                if !order.iter().any(|(f, _)| f == fact) {
                    let answers = branches
                        .iter()
                        .map(|b| AnswerView {
                            answer: b.text.clone(),
                            percent: percent(b.probability),
                        })
                        .collect();
                    order.push((fact.clone(), answers));
                }
                next.extend(branches.iter().map(|b| &b.plan));
            }
        }
        level = next;
    }
    let in_tree = order.len();
    for q in &report.next_questions {
        if !order.iter().any(|(f, _)| *f == q.fact) {
            order.push((q.fact.clone(), Vec::new()));
        }
    }
    order
        .into_iter()
        .enumerate()
        .filter_map(|(i, (fact, tree_answers))| {
            let def = model.fact(model.fact_id(&fact)?);
            let next = report.next_questions.iter().find(|q| q.fact == fact);
            let answers = match next {
                Some(q) => q
                    .answers
                    .iter()
                    .map(|a| AnswerView { answer: a.text.clone(), percent: percent(a.probability) })
                    .collect(),
                None => tree_answers,
            };
            Some(QuestionView {
                fact: def.name.clone(),
                anchor: anchor("question", &def.name),
                title: def.title.clone(),
                ask: ask_prose(model, &def.name),
                description: def.description.as_deref().map(Prose::block),
                places: def.places.iter().map(|p| place_words(*p)).collect(),
                cost: duration(
                    def.cost_seconds.unwrap_or(triage_engine::question::DEFAULT_QUESTION_COST),
                ),
                gain: next.map(|q| format!("{:.2} bits", q.information_gain_bits)),
                answers,
                collect: scripts(&def.collect),
                in_tree: i < in_tree,
            })
        })
        .collect()
}

fn tree_view(model: &Model, plan: &PlanReport) -> TreeView {
    match plan {
        PlanReport::Ask { fact, cost_seconds, expected_seconds, branches, .. } => TreeView::Ask {
            fact: fact.clone(),
            anchor: anchor("question", fact),
            question: ask_prose(model, fact),
            cost: question_cost_words(model, fact, *cost_seconds),
            expected: duration(*expected_seconds),
            branches: branches
                .iter()
                .map(|b| BranchView {
                    answer: b.text.clone(),
                    percent: percent(b.probability),
                    probability: b.probability,
                    then: tree_view(model, &b.plan),
                })
                .collect(),
        },
        PlanReport::Repair(repair) => TreeView::Repair {
            expected: duration(repair.expected_seconds),
            first: repair
                .steps
                .iter()
                .take(TREE_FIXES)
                .map(|s| ItemRef {
                    name: s.fix.clone(),
                    title: s.title.clone(),
                    anchor: anchor("fix", &s.fix),
                    page: None,
                    percent: Some(percent(s.probability)),
                })
                .collect(),
            more: repair.steps.len().saturating_sub(TREE_FIXES),
        },
    }
}
