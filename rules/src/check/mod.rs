//! The checker: parsed files → [`Model`], with every error and warning DESIGN.md lists.
//!
//! Pass one declares every name (so items may refer to items in later files); pass two binds
//! references, type-checks conditions and fills the model; pass three looks at the whole
//! (priors per symptom, rule cycles, unused facts, causes without fixes…). The model is
//! returned only when there is no error, so nothing downstream sees an unchecked name.

use crate::ast::{
    self, CompareOp, Expr, ExprKind, FieldKind, Ident, ItemKind, Literal, LiteralKind, Script,
    TypeExpr,
};
use crate::diagnostic::{Diagnostic, DiagnosticKind, did_you_mean};
use crate::evidence::{Cuts, NotOneVariable, VariableKey, outcomes_where};
use crate::format::expr_text;
use crate::model::{
    BackgroundDef, CauseDef, CauseId, Condition, FactDef, FactId, FactType, FindingDef, FindingId,
    FixDef, FixId, Model, RuleDef, RuleId, ScriptDef, SymptomDef, SymptomId, TextPattern, Value,
    VariableId,
};
use crate::source::Span;
// FxHash: the keys are names from the knowledge base being loaded, not from fact files.
use rustc_hash::FxHashMap as HashMap;

mod scripts;

/// Checks parsed files. Returns the model when there is no error, and all diagnostics.
#[must_use]
pub fn check(files: &[ast::File]) -> (Option<Model>, Vec<Diagnostic>) {
    check_files(files.to_vec(), true)
}

/// Like [`check`], consuming the trees: each item is dropped as soon as it is resolved, so a
/// large knowledge base never holds its whole syntax tree and its whole model at once.
/// `complete` is false when some items did not parse. Then the checks that judge the
/// knowledge base as a whole (a symptom nobody explains, a fact nobody uses…) are skipped:
/// the missing items would make them wrong.
#[must_use]
pub fn check_files(files: Vec<ast::File>, complete: bool) -> (Option<Model>, Vec<Diagnostic>) {
    let mut checker = Checker::default();
    checker.declare(&files);
    checker.resolve(files);
    checker.bind_evidence();
    checker.check_whole(complete);
    checker.apply_allowed();
    let has_errors = checker.diagnostics.iter().any(Diagnostic::is_error);
    let model = if has_errors { None } else { Some(checker.model) };
    (model, checker.diagnostics)
}

/// A rate given to some outcomes of one variable: (outcomes, rate, where, variable).
type RateStatement = (Vec<u32>, f64, Span, VariableId);

/// A checked background condition whose variable is bound with the findings'.
struct PendingBackground {
    condition: Condition,
    key: VariableKey,
    text: String,
    span: Span,
    probability: f64,
}

#[derive(Default)]
struct Checker {
    model: Model,
    diagnostics: Vec<Diagnostic>,
    /// Spans of the names, for "first defined here" and for warnings.
    symptom_name_spans: Vec<Span>,
    cause_name_spans: Vec<Span>,
    fix_name_spans: Vec<Span>,
    fact_name_spans: Vec<Span>,
    finding_index: FindingIndex,
    /// The variable each finding reads (by finding id), bound once all are known.
    finding_keys: Vec<VariableKey>,
    /// Backgrounds as written: the knowledge base's (`None`) and each symptom's.
    backgrounds: Vec<(Option<SymptomId>, PendingBackground)>,
    /// Per cause: where each of its findings is written (the finding's own span is where the
    /// first cause wrote it).
    cause_finding_spans: HashMap<CauseId, Vec<Span>>,
    /// Per item (by its span): the warnings its author allowed.
    allowed: Vec<(Span, Vec<String>)>,
    fact_used: Vec<bool>,
    /// The fact names used but never declared, once per use: a misspelt declaration shows as
    /// every use naming the same undeclared fact.
    unknown_fact_uses: Vec<String>,
    /// Per fact: its enum or set values → index (empty for other types).
    enum_index: Vec<HashMap<String, u32>>,
}

/// Fields that may appear once per item.
const SINGLE_FIELDS: [&str; 15] = [
    "default",
    "from",
    "frequency",
    "who",
    "title",
    "description",
    "ask",
    "cost",
    "unlisted",
    "prior",
    "risk",
    "success",
    "steps",
    "when",
    "check",
];

impl Checker {
    fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn declare(&mut self, files: &[ast::File]) {
        for file in files {
            for item in &file.items {
                match &item.kind {
                    ItemKind::Fact(fact) => self.declare_fact(fact),
                    ItemKind::Symptom(block) => declare(
                        &mut self.diagnostics,
                        "symptom",
                        &block.name,
                        (
                            &mut self.model.symptom_index,
                            &mut self.symptom_name_spans,
                            &mut self.model.symptoms,
                        ),
                        SymptomId,
                        declared_symptom,
                    ),
                    ItemKind::Cause(block) => declare(
                        &mut self.diagnostics,
                        "cause",
                        &block.name,
                        (
                            &mut self.model.cause_index,
                            &mut self.cause_name_spans,
                            &mut self.model.causes,
                        ),
                        CauseId,
                        declared_cause,
                    ),
                    ItemKind::Fix(block) => declare(
                        &mut self.diagnostics,
                        "fix",
                        &block.name,
                        (
                            &mut self.model.fix_index,
                            &mut self.fix_name_spans,
                            &mut self.model.fixes,
                        ),
                        FixId,
                        declared_fix,
                    ),
                    ItemKind::Rule(_)
                    | ItemKind::Background(_)
                    | ItemKind::Parameter(_)
                    | ItemKind::Prelude(_) => {}
                }
            }
        }
        self.fact_used = vec![false; self.model.facts.len()];
    }

    fn declare_fact(&mut self, fact: &ast::Fact) {
        if !is_new(
            &mut self.diagnostics,
            "fact",
            &fact.name,
            &self.model.fact_index,
            &self.fact_name_spans,
        ) {
            return;
        }
        // Value name → index, so literals resolve in constant time (an error-code enum can
        // have thousands of values).
        let mut index: HashMap<String, u32> = HashMap::default();
        let ty = match &fact.ty {
            TypeExpr::Bool => FactType::Bool,
            TypeExpr::Int => FactType::Int,
            TypeExpr::Number => FactType::Number,
            TypeExpr::String => FactType::String,
            TypeExpr::Version => FactType::Version,
            TypeExpr::Enum(values) | TypeExpr::Set(values) => {
                let mut names: Vec<String> = Vec::new();
                for value in values {
                    if index.contains_key(&value.name) {
                        self.error(
                            Diagnostic::new(
                                DiagnosticKind::DuplicateEnumValue { value: value.name.clone() },
                                value.span,
                            )
                            .with_label("listed again here"),
                        );
                    } else {
                        index.insert(value.name.clone(), names.len() as u32);
                        names.push(value.name.clone());
                    }
                }
                if matches!(fact.ty, TypeExpr::Enum(_)) {
                    FactType::Enum(names)
                } else {
                    FactType::Set(names)
                }
            }
        };
        let id = FactId(self.model.facts.len() as u32);
        self.model.fact_index.insert(fact.name.name.clone(), id);
        self.fact_name_spans.push(fact.name.span);
        let mut def = FactDef {
            name: fact.name.name.clone(),
            title: None,
            description: None,
            ty,
            ask: None,
            collect: Vec::new(),
            cost_seconds: None,
            places: Vec::new(),
            who: None,
            patterns: Vec::new(),
            unknown_values: Vec::new(),
            value_labels: Vec::new(),
            derived: false,
            used_by: Vec::new(),
            hex: false,
            span: fact.name.span,
        };
        let mut seen = FieldSeen::default();
        for field in &fact.body.fields {
            self.once(&mut seen, field);
            match &field.kind {
                FieldKind::Title(t) => def.title = Some(t.value.clone()),
                FieldKind::Description(t) => def.description = Some(t.value.clone()),
                FieldKind::Ask(t) => def.ask = Some(t.value.clone()),
                FieldKind::Collect(s) => self.push_script(&mut def.collect, s, "collect"),
                FieldKind::Cost(d) => def.cost_seconds = Some(d.seconds()),
                FieldKind::Where(places) => {
                    for (place, _) in places {
                        if !def.places.contains(place) {
                            def.places.push(*place);
                        }
                    }
                }
                FieldKind::Who(role, _) => def.who = Some(*role),
                FieldKind::Pattern { value, regex } => {
                    self.pattern(&mut def, value.as_ref(), regex, &index);
                }
                FieldKind::Unknown(values) => self.unknown_values(&mut def, values, &index),
                FieldKind::Label { value, text } => {
                    self.value_label(&mut def, value, &text.value, field.span, &index);
                }
                FieldKind::UsedBy(uses) => self.used_by(&mut def, uses),
                FieldKind::Allow(names) => self.allow(fact.name.span, names),
                _ => {}
            }
        }
        self.enum_index.push(index);
        self.model.facts.push(def);
    }

    /// `used_by guide, collector`: a fact only people or scripts read.
    fn used_by(&mut self, def: &mut FactDef, uses: &[Ident]) {
        const USES: [&str; 3] = ["guide", "collector", "plan"];
        for used in uses {
            if USES.contains(&used.name.as_str()) {
                if !def.used_by.contains(&used.name) {
                    def.used_by.push(used.name.clone());
                }
                continue;
            }
            self.unknown_reader(
                used,
                &USES,
                "`guide`, `collector` or `plan`",
                "write `used_by guide`, `used_by collector` or `used_by plan`",
            );
        }
    }

    /// A `used_by` name that is not one of `allowed`: a syntax error with a did-you-mean, or
    /// `otherwise` as the hint.
    fn unknown_reader(&mut self, used: &Ident, allowed: &[&str], expected: &str, otherwise: &str) {
        let hint = did_you_mean(&used.name, allowed.iter().copied())
            .map_or_else(|| otherwise.to_string(), |c| format!("did you mean `{c}`?"));
        self.error(
            Diagnostic::new(
                DiagnosticKind::Syntax {
                    expected: vec![expected.into()],
                    found: format!("`{}`", used.name),
                },
                used.span,
            )
            .with_hint(hint),
        );
    }

    /// `allow unused_fact, …`: warnings accepted for the item named at `item`.
    fn allow(&mut self, item: Span, names: &[Ident]) {
        let mut codes = Vec::new();
        for name in names {
            let code = name.name.replace('_', "-");
            if crate::diagnostic::WARNING_CODES.contains(&code.as_str()) {
                codes.push(code);
                continue;
            }
            let candidates: Vec<String> =
                crate::diagnostic::WARNING_CODES.iter().map(|c| c.replace('-', "_")).collect();
            let mut diagnostic = Diagnostic::new(
                DiagnosticKind::UnknownWarning { name: name.name.clone() },
                name.span,
            );
            diagnostic = match did_you_mean(&name.name, candidates.iter().map(String::as_str)) {
                Some(close) => diagnostic.with_hint(format!("did you mean `{close}`?")),
                None => diagnostic.with_hint(format!("warnings: {}", candidates.join(", "))),
            };
            self.error(diagnostic);
        }
        self.allowed.push((item, codes));
    }

    /// Drops the warnings an item allowed: those reported at its name.
    fn apply_allowed(&mut self) {
        if self.allowed.is_empty() {
            return;
        }
        let allowed = std::mem::take(&mut self.allowed);
        self.diagnostics.retain(|d| {
            d.is_error()
                || !d.span.is_some_and(|span| {
                    allowed.iter().any(|(at, codes)| {
                        at.same_place(span) && codes.iter().any(|c| c == d.kind.code())
                    })
                })
        });
    }

    /// `unknown v1, v2`: the values of an enum or set fact that mean "not known".
    fn unknown_values(
        &mut self,
        def: &mut FactDef,
        values: &[Ident],
        index: &HashMap<String, u32>,
    ) {
        for value in values {
            match index.get(&value.name) {
                Some(i) => {
                    if !def.unknown_values.contains(i) {
                        def.unknown_values.push(*i);
                    }
                }
                None => self.undeclared_value(
                    def,
                    value,
                    index,
                    "`unknown` lists values of an enum or set fact that mean \"not known\"",
                ),
            }
        }
    }

    /// `value` is not declared by the enum or set `def`: with a "did you mean", or `hint` when
    /// the fact has no values at all (it is not an enum or set).
    fn undeclared_value(
        &mut self,
        def: &FactDef,
        value: &Ident,
        index: &HashMap<String, u32>,
        hint: &str,
    ) {
        let diagnostic = Diagnostic::new(
            DiagnosticKind::UnknownEnumValue { fact: def.name.clone(), value: value.name.clone() },
            value.span,
        )
        .with_label("not a declared value");
        let diagnostic = match did_you_mean(&value.name, index.keys().map(String::as_str)) {
            Some(close) => diagnostic.with_hint(format!("did you mean `{close}`?")),
            None if index.is_empty() => diagnostic.with_hint(hint.to_string()),
            None => diagnostic,
        };
        self.error(diagnostic);
    }

    /// `label VALUE "text"`: how a person reads one value of an enum or set fact.
    fn value_label(
        &mut self,
        def: &mut FactDef,
        value: &Ident,
        text: &str,
        span: Span,
        index: &HashMap<String, u32>,
    ) {
        let Some(&i) = index.get(&value.name) else {
            self.undeclared_value(
                def,
                value,
                index,
                "`label` names a value of an enum or set fact",
            );
            return;
        };
        if def.value_labels.iter().any(|(j, _)| *j == i) {
            self.error(
                Diagnostic::new(DiagnosticKind::DuplicateField { field: "label" }, span)
                    .with_label("a second label for this value"),
            );
            return;
        }
        def.value_labels.push((i, text.to_string()));
    }

    /// `pattern [VALUE] "regex"`: a regular expression of the `regex` crate; a value for an
    /// enum or set fact, a capture group for the value otherwise. It is parsed with that
    /// crate's parser, the same syntax and errors, not compiled: compiling is for the readers
    /// of free text (`triage_engine::extract`), not for every load.
    fn pattern(
        &mut self,
        def: &mut FactDef,
        value: Option<&Ident>,
        regex: &ast::Text,
        index: &HashMap<String, u32>,
    ) {
        let parsed =
            regex_syntax::ParserBuilder::new().case_insensitive(true).build().parse(&regex.value);
        let hir = match parsed {
            Ok(hir) => hir,
            Err(e) => {
                let message = e.to_string();
                let last = message.lines().last().unwrap_or_default().trim();
                let last = last.strip_prefix("error: ").unwrap_or(last).to_string();
                self.error(
                    Diagnostic::new(DiagnosticKind::InvalidPattern { message: last }, regex.span)
                        .with_hint("the syntax is that of the Rust `regex` crate (no look-around, no back-references)"),
                );
                return;
            }
        };
        let by_value = matches!(def.ty, FactType::Enum(_) | FactType::Set(_));
        match (value, by_value) {
            (Some(value), true) => {
                let Some(&i) = index.get(&value.name) else {
                    self.undeclared_value(def, value, index, "`pattern` names a value of an enum or set fact");
                    return;
                };
                def.patterns.push(TextPattern { value: Some(i), regex: regex.value.clone(), span: regex.span });
            }
            (None, false) if hir.properties().explicit_captures_len() > 0 => def.patterns.push(TextPattern { value: None, regex: regex.value.clone(), span: regex.span }),
            (None, false) => self.error(
                Diagnostic::new(
                    DiagnosticKind::InvalidPattern { message: "it has no capture group for the value".into() },
                    regex.span,
                )
                .with_hint("put the value in parentheses: `pattern \"\"\"extended error code:? *(0x[0-9a-f]+)\"\"\"`"),
            ),
            (None, true) => self.error(
                Diagnostic::new(
                    DiagnosticKind::InvalidPattern { message: "a pattern of an enum or set fact names the value it means".into() },
                    regex.span,
                )
                .with_hint(format!("write `pattern {} \"…\"`", def.ty.values().first().map_or("VALUE", String::as_str))),
            ),
            (Some(value), false) => self.error(
                Diagnostic::new(
                    DiagnosticKind::InvalidPattern { message: "only a pattern of an enum or set fact names a value".into() },
                    value.span,
                )
                .with_hint("drop the value: the first capture group of the pattern is the value"),
            ),
        }
    }

    /// Reports a second `title` (etc.) in one item.
    fn once(&mut self, seen: &mut FieldSeen, field: &ast::Field) {
        let kw = field.kind.keyword();
        let single = SINGLE_FIELDS.contains(&kw)
            && !matches!(field.kind, FieldKind::Finding { .. } | FieldKind::Check(_));
        if !single {
            return;
        }
        if let Some(first) = seen.0.get(kw) {
            let first = *first;
            self.error(
                Diagnostic::new(DiagnosticKind::DuplicateField { field: kw }, field.span)
                    .with_label("given again here")
                    .with_related(first, "first given here"),
            );
        } else {
            seen.0.insert(kw, field.span);
        }
    }

    /// Adds a script, reporting a second script for the same shell.
    fn push_script(&mut self, scripts: &mut Vec<ScriptDef>, script: &Script, field: &'static str) {
        if scripts.iter().any(|s| s.shell == script.shell) {
            self.error(
                Diagnostic::new(DiagnosticKind::DuplicateField { field }, script.shell_span)
                    .with_label(format!("a second `{field}` for {}", script.shell.keyword()))
                    .with_hint("write one script per shell"),
            );
            return;
        }
        scripts.push(ScriptDef { shell: script.shell, code: script.text.value.clone() });
    }

    fn resolve(&mut self, files: Vec<ast::File>) {
        // Backgrounds first, so findings created while resolving causes can pick them up.
        for file in &files {
            for item in &file.items {
                if let ItemKind::Background(background) = &item.kind {
                    self.resolve_background(background);
                }
            }
        }
        for file in files {
            for item in file.items {
                match &item.kind {
                    ItemKind::Fact(_) | ItemKind::Background(_) => {}
                    ItemKind::Symptom(block) => self.resolve_symptom(block, item.span),
                    ItemKind::Cause(block) => self.resolve_cause(block, item.span),
                    ItemKind::Fix(block) => self.resolve_fix(block, item.span),
                    ItemKind::Rule(rule) => self.resolve_rule(rule, item.span),
                    ItemKind::Parameter(block) => self.resolve_parameter(block, item.span),
                    ItemKind::Prelude(block) => self.resolve_prelude(block, item.span),
                }
            }
        }
    }

    fn resolve_background(&mut self, background: &ast::Background) {
        if let Some(pending) = self.background(&background.condition, &background.frequency) {
            self.push_background(None, pending);
        }
    }

    /// Adds a checked background for the knowledge base (`None`) or a symptom, reporting a
    /// second one with the same condition for the same owner.
    fn push_background(&mut self, owner: Option<SymptomId>, pending: PendingBackground) {
        if let Some((_, first)) =
            self.backgrounds.iter().find(|(o, b)| *o == owner && b.text == pending.text)
        {
            let first = first.span;
            let span = pending.span;
            self.error(
                Diagnostic::new(
                    DiagnosticKind::DuplicateName { kind: "background for", name: pending.text },
                    span,
                )
                .with_related(first, "first given here"),
            );
            return;
        }
        self.backgrounds.push((owner, pending));
    }

    /// A background condition: checked, and about one variable.
    fn background(
        &mut self,
        condition: &Expr,
        frequency: &ast::Frequency,
    ) -> Option<PendingBackground> {
        let checked = self.condition(condition);
        let probability =
            self.probability(frequency.probability(), frequency.span, "the background rate");
        let checked = checked?;
        let key = self.evidence_key(&checked, condition.span)?;
        Some(PendingBackground {
            condition: checked,
            key,
            text: expr_text(condition),
            span: condition.span,
            probability,
        })
    }

    /// The variable a finding or background reads, or an error saying why it reads none.
    fn evidence_key(&mut self, condition: &Condition, span: Span) -> Option<VariableKey> {
        match crate::evidence::variable_key(condition, &self.model) {
            Ok(key) => Some(key),
            Err(why) => {
                let diagnostic = match why {
                    NotOneVariable::Several(reads) => {
                        Diagnostic::new(DiagnosticKind::EvidenceNotOneFact { reads }, span)
                            .with_hint("declare a bool fact for the combination and set it with a rule, then give evidence on it: `fact both: bool`, `rule both = true when a == x and b == y else false`, `when both == true : usually`")
                    }
                    NotOneVariable::Knownness { fact } => {
                        Diagnostic::new(DiagnosticKind::EvidenceOnKnownness { fact }, span)
                            .with_hint("leave the fact out: a fact nobody knows does not move any cause")
                    }
                };
                self.error(diagnostic);
                None
            }
        }
    }

    fn resolve_symptom(&mut self, block: &ast::Block, item_span: Span) {
        let Some(id) = self.model.symptom_id(&block.name.name) else { return };
        if !self.symptom_name_spans[id.index()].same_place(block.name.span) {
            return; // a duplicate, already reported
        }
        let mut seen = FieldSeen::default();
        let mut def = self.model.symptoms[id.index()].clone();
        let mut has_when = false;
        let mut has_title = false;
        for field in &block.body.fields {
            self.once(&mut seen, field);
            match &field.kind {
                FieldKind::Title(t) => {
                    has_title = true;
                    def.title.clone_from(&t.value);
                }
                FieldKind::Description(t) => def.description = Some(t.value.clone()),
                FieldKind::When(e) => {
                    has_when = true;
                    def.condition_text = expr_text(e);
                    if let Some(c) = self.condition(e) {
                        def.condition = c;
                    }
                }
                FieldKind::Aliases(texts) => {
                    def.aliases.extend(texts.iter().map(|t| t.value.clone()));
                }
                FieldKind::Check(s) => self.push_script(&mut def.checks, s, "check"),
                FieldKind::Unlisted(p) => {
                    def.unlisted_floor =
                        Some(self.probability(p.number.value, p.span, "the unlisted floor"));
                }
                FieldKind::Frequency(p) => {
                    def.frequency =
                        Some(self.probability(p.number.value, p.span, "the symptom's frequency"));
                }
                FieldKind::Background { condition, frequency } => {
                    if let Some(pending) = self.background(condition, frequency) {
                        self.push_background(Some(id), pending);
                    }
                }
                FieldKind::Allow(names) => self.allow(block.name.span, names),
                _ => {}
            }
        }
        self.require(has_title, "symptom", &block.name, "title", item_span);
        self.require(has_when, "symptom", &block.name, "when", item_span);
        if def.title.is_empty() {
            def.title.clone_from(&def.name);
        }
        self.model.symptoms[id.index()] = def;
    }

    fn require(
        &mut self,
        present: bool,
        item: &'static str,
        name: &Ident,
        field: &'static str,
        _item_span: Span,
    ) {
        if !present {
            let example = match field {
                "title" => "title \"What the person sees\"",
                "when" => "when error_code == 0x904",
                "cost" => "cost 5m",
                _ => "",
            };
            self.error(
                Diagnostic::new(
                    DiagnosticKind::MissingField { item, name: name.name.clone(), field },
                    name.span,
                )
                .with_hint(format!("add a line such as `{example}` inside the block")),
            );
        }
    }

    fn resolve_cause(&mut self, block: &ast::Block, item_span: Span) {
        let Some(id) = self.model.cause_id(&block.name.name) else { return };
        if !self.cause_name_spans[id.index()].same_place(block.name.span) {
            return;
        }
        let mut seen = FieldSeen::default();
        let mut def = self.model.causes[id.index()].clone();
        let mut default_prior = None;
        let mut explained: Vec<(Ident, Option<(f64, Span)>)> = Vec::new();
        let mut has_title = false;
        for field in &block.body.fields {
            self.once(&mut seen, field);
            match &field.kind {
                FieldKind::Title(t) => {
                    has_title = true;
                    def.title.clone_from(&t.value);
                }
                FieldKind::Description(t) => def.description = Some(t.value.clone()),
                FieldKind::Source(t) => def.sources.push(t.value.clone()),
                FieldKind::Prior(p) => {
                    default_prior =
                        Some((self.probability(p.number.value, p.span, "the prior"), p.span));
                }
                FieldKind::Explains(list) => {
                    for e in list {
                        let prior = e.prior.as_ref().map(|p| {
                            (self.probability(p.number.value, p.span, "the prior"), p.span)
                        });
                        if explained.iter().any(|(s, _)| s.name == e.symptom.name) {
                            self.error(
                                Diagnostic::new(
                                    DiagnosticKind::DuplicateExplains {
                                        symptom: e.symptom.name.clone(),
                                    },
                                    e.symptom.span,
                                )
                                .with_label("explained again here"),
                            );
                            continue;
                        }
                        explained.push((e.symptom.clone(), prior));
                    }
                }
                FieldKind::Finding { condition, frequency } => {
                    let p =
                        self.probability(frequency.probability(), frequency.span, "the frequency");
                    if let Some(finding) = self.finding(condition) {
                        if def.findings.iter().any(|(f, _)| *f == finding) {
                            self.error(
                                Diagnostic::new(
                                    DiagnosticKind::DuplicateField { field: "when" },
                                    condition.span,
                                )
                                .with_label("this condition is already a finding of this cause"),
                            );
                        } else {
                            def.findings.push((finding, p));
                            self.cause_finding_spans.entry(id).or_default().push(condition.span);
                        }
                    }
                }
                FieldKind::Allow(names) => self.allow(block.name.span, names),
                _ => {}
            }
        }
        self.require(has_title, "cause", &block.name, "title", item_span);
        if def.title.is_empty() {
            def.title.clone_from(&def.name);
        }
        if explained.is_empty() {
            self.error(
                Diagnostic::new(
                    DiagnosticKind::CauseExplainsNothing { cause: def.name.clone() },
                    block.name.span,
                )
                .with_hint("add `explains SYMPTOM` with the symptom this cause produces"),
            );
        }
        for (symptom, prior) in explained {
            let Some(symptom_id) = self.lookup_symptom(&symptom) else { continue };
            let Some((prior, _)) = prior.or(default_prior) else {
                self.error(
                    Diagnostic::new(
                        DiagnosticKind::NoPrior {
                            cause: def.name.clone(),
                            symptom: symptom.name.clone(),
                        },
                        symptom.span,
                    )
                    .with_hint(format!(
                        "write `explains {}: 0.1` or add a `prior 0.1` line for all its symptoms",
                        symptom.name
                    )),
                );
                continue;
            };
            def.explains.push((symptom_id, prior));
            self.model.symptoms[symptom_id.index()].causes.push((id, prior));
        }
        self.model.causes[id.index()] = def;
    }

    fn resolve_fix(&mut self, block: &ast::Block, item_span: Span) {
        let Some(id) = self.model.fix_id(&block.name.name) else { return };
        if !self.fix_name_spans[id.index()].same_place(block.name.span) {
            return;
        }
        let mut seen = FieldSeen::default();
        let mut def = self.model.fixes[id.index()].clone();
        let (mut has_title, mut has_cost) = (false, false);
        for field in &block.body.fields {
            self.once(&mut seen, field);
            match &field.kind {
                FieldKind::Title(t) => {
                    has_title = true;
                    def.title.clone_from(&t.value);
                }
                FieldKind::Description(t) => def.description = Some(t.value.clone()),
                FieldKind::Source(t) => def.sources.push(t.value.clone()),
                FieldKind::Fixes(causes) => {
                    for cause in causes {
                        if let Some(cause_id) = self.lookup_cause(cause)
                            && !def.fixes.contains(&cause_id)
                        {
                            def.fixes.push(cause_id);
                            self.model.causes[cause_id.index()].fixes.push(id);
                        }
                    }
                }
                FieldKind::Cost(d) => {
                    has_cost = true;
                    def.cost_seconds = d.seconds();
                }
                FieldKind::Risk(r, _) => def.risk = Some(*r),
                FieldKind::Needs(needs) => {
                    for (need, _) in needs {
                        if !def.needs.contains(need) {
                            def.needs.push(*need);
                        }
                    }
                }
                FieldKind::Success(f) => {
                    def.success =
                        Some(self.probability(f.probability(), f.span, "the success rate"));
                }
                FieldKind::Steps(t) => def.steps = Some(t.value.clone()),
                FieldKind::Run(s) => self.push_script(&mut def.run, s, "run"),
                FieldKind::Verify(s) => self.push_script(&mut def.verify, s, "verify"),
                FieldKind::Undo(s) => self.push_script(&mut def.undo, s, "undo"),
                FieldKind::When(e) => {
                    def.precondition_text = Some(expr_text(e));
                    def.precondition = self.condition(e);
                }
                FieldKind::Allow(names) => self.allow(block.name.span, names),
                _ => {}
            }
        }
        self.require(has_title, "fix", &block.name, "title", item_span);
        self.require(has_cost, "fix", &block.name, "cost", item_span);
        if def.title.is_empty() {
            def.title.clone_from(&def.name);
        }
        let names_a_cause = block
            .body
            .fields
            .iter()
            .any(|f| matches!(&f.kind, FieldKind::Fixes(c) if !c.is_empty()));
        if !names_a_cause {
            self.error(
                Diagnostic::new(
                    DiagnosticKind::FixFixesNothing { fix: def.name.clone() },
                    block.name.span,
                )
                .with_hint("add `fixes CAUSE` naming the cause this fix repairs"),
            );
        }
        self.script_warnings(&def, block.name.span);
        self.model.fixes[id.index()] = def;
    }

    /// Warnings about a fix's scripts: no verify, an undo without a run, a run without undo.
    fn script_warnings(&mut self, def: &FixDef, span: Span) {
        if def.verify.is_empty() && !def.run.is_empty() {
            self.diagnostics.push(
                Diagnostic::new(DiagnosticKind::FixWithoutVerify { fix: def.name.clone() }, span)
                    .with_hint(format!(
                        "add `verify {} \"\"\"…\"\"\"` that exits 0 when the fix took",
                        def.run[0].shell.keyword()
                    )),
            );
        }
        for undo in &def.undo {
            if !def.run.iter().any(|r| r.shell == undo.shell) {
                self.diagnostics.push(Diagnostic::new(
                    DiagnosticKind::UndoWithoutRun { fix: def.name.clone() },
                    span,
                ));
            }
        }
        for run in &def.run {
            if !def.undo.iter().any(|u| u.shell == run.shell) {
                self.diagnostics.push(
                    Diagnostic::new(DiagnosticKind::NoUndo { fix: def.name.clone() }, span)
                        .with_hint(format!(
                            "add `undo {} \"\"\"…\"\"\"` so a plan can roll back a failed attempt",
                            run.shell.keyword()
                        )),
                );
            }
        }
    }

    fn resolve_rule(&mut self, rule: &ast::Rule, item_span: Span) {
        let target = self.lookup_fact(&rule.target);
        let condition = self.condition(&rule.condition);
        let Some(target) = target else { return };
        self.fact_used[target.index()] = true;
        let value = self.value(target, &rule.target, &rule.value, SET_TO);
        let otherwise =
            rule.otherwise.as_ref().map(|o| self.value(target, &rule.target, o, SET_TO));
        self.model.facts[target.index()].derived = true;
        if let (Some(condition), Some(value)) = (condition, value) {
            let otherwise = match otherwise {
                Some(None) => return,
                Some(Some(v)) => Some(v),
                None => None,
            };
            self.model.rules.push(RuleDef { target, value, condition, otherwise, span: item_span });
        }
    }

    /// The finding for a condition, shared by every cause that writes the same condition.
    fn finding(&mut self, expr: &Expr) -> Option<FindingId> {
        let condition = self.condition(expr)?;
        let text = expr_text(expr);
        if let Some(id) = self.finding_index.get(&text, &self.model.findings) {
            return Some(id);
        }
        let key = self.evidence_key(&condition, expr.span)?;
        let id = FindingId(self.model.findings.len() as u32);
        self.finding_index.insert(&text, id, &self.model.findings);
        // The variable is bound in `bind_evidence`, once every condition on it is known.
        self.model.findings.push(FindingDef {
            condition,
            text,
            variable: VariableId(0),
            outcomes: Vec::new(),
            span: expr.span,
        });
        self.finding_keys.push(key);
        Some(id)
    }

    fn probability(&mut self, value: f64, span: Span, what: &'static str) -> f64 {
        if (0.0..=1.0).contains(&value) {
            value
        } else {
            self.error(
                Diagnostic::new(DiagnosticKind::ProbabilityOutOfRange { what, value }, span)
                    .with_label("not between 0 and 1")
                    .with_hint("write a probability such as 0.15, or a word: always, usually, often, sometimes, rarely, never"),
            );
            value.clamp(0.0, 1.0)
        }
    }

    fn lookup_fact(&mut self, name: &Ident) -> Option<FactId> {
        if let Some(id) = self.model.fact_id(&name.name) {
            return Some(id);
        }
        let candidates: Vec<&str> = self.model.facts.iter().map(|f| f.name.as_str()).collect();
        let hint = did_you_mean(&name.name, candidates).map(|c| format!("did you mean `{c}`?"));
        self.unknown("fact", name, hint, "declare it with `fact NAME: TYPE`");
        self.unknown_fact_uses.push(name.name.clone());
        None
    }

    fn lookup_symptom(&mut self, name: &Ident) -> Option<SymptomId> {
        if let Some(id) = self.model.symptom_id(&name.name) {
            return Some(id);
        }
        let candidates: Vec<&str> = self.model.symptoms.iter().map(|f| f.name.as_str()).collect();
        let hint = did_you_mean(&name.name, candidates).map(|c| format!("did you mean `{c}`?"));
        self.unknown("symptom", name, hint, "declare it with `symptom NAME { … }`");
        None
    }

    fn lookup_cause(&mut self, name: &Ident) -> Option<CauseId> {
        if let Some(id) = self.model.cause_id(&name.name) {
            return Some(id);
        }
        let candidates: Vec<&str> = self.model.causes.iter().map(|f| f.name.as_str()).collect();
        let hint = did_you_mean(&name.name, candidates).map(|c| format!("did you mean `{c}`?"));
        self.unknown("cause", name, hint, "declare it with `cause NAME { … }`");
        None
    }

    fn unknown(&mut self, kind: &'static str, name: &Ident, hint: Option<String>, otherwise: &str) {
        let label = format!("no {kind} has this name");
        let diagnostic = Diagnostic::new(
            DiagnosticKind::UnknownName { kind, name: name.name.clone() },
            name.span,
        )
        .with_label(label)
        .with_hint(hint.unwrap_or_else(|| otherwise.to_string()));
        self.error(diagnostic);
    }

    /// Type-checks a condition. `None` when it has errors (already reported).
    fn condition(&mut self, expr: &Expr) -> Option<Condition> {
        match &expr.kind {
            ExprKind::And(ops) | ExprKind::Or(ops) => {
                let mut out = Vec::with_capacity(ops.len());
                let mut ok = true;
                for op in ops {
                    match self.condition(op) {
                        Some(c) => out.push(c),
                        None => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                Some(if matches!(expr.kind, ExprKind::And(_)) {
                    Condition::All(out)
                } else {
                    Condition::Any(out)
                })
            }
            ExprKind::Not(inner) => self.condition(inner).map(|c| Condition::Not(Box::new(c))),
            ExprKind::Fact(name) => {
                let id = self.lookup_fact(name)?;
                self.fact_used[id.index()] = true;
                let fact = &self.model.facts[id.index()];
                if fact.ty == FactType::Bool {
                    return Some(Condition::IsTrue(id));
                }
                let diagnostic = Diagnostic::new(
                    DiagnosticKind::NotABool {
                        fact: fact.name.clone(),
                        fact_type: fact.ty.describe(),
                    },
                    name.span,
                )
                .with_label("only a bool fact can stand alone")
                .with_hint(format!("compare it: `{} == …`", fact.name));
                self.error(diagnostic);
                None
            }
            ExprKind::Known { fact, known } => {
                let id = self.lookup_fact(fact)?;
                self.fact_used[id.index()] = true;
                let unknown = Condition::Unknown(id);
                Some(if *known { Condition::Not(Box::new(unknown)) } else { unknown })
            }
            ExprKind::Compare { fact, op, op_span, value } => {
                let id = self.lookup_fact(fact)?;
                self.fact_used[id.index()] = true;
                let def = &self.model.facts[id.index()];
                if !operator_allowed(&def.ty, *op) {
                    let diagnostic = Box::new(
                        Diagnostic::new(
                            DiagnosticKind::OperatorNotAllowed {
                                op: op.symbol(),
                                fact: def.name.clone(),
                                fact_type: def.ty.describe(),
                                allowed: allowed_operators(&def.ty).into(),
                            },
                            *op_span,
                        )
                        .with_label("not defined for this type"),
                    );
                    self.error(*diagnostic);
                    return None;
                }
                let value = self.value(id, fact, value, COMPARED_WITH)?;
                Some(Condition::Compare { fact: id, op: *op, value })
            }
            ExprKind::In { fact, values } => {
                let id = self.lookup_fact(fact)?;
                self.fact_used[id.index()] = true;
                let def = &self.model.facts[id.index()];
                if matches!(def.ty, FactType::Bool | FactType::Set(_)) {
                    let diagnostic = Box::new(
                        Diagnostic::new(
                            DiagnosticKind::OperatorNotAllowed {
                                op: "in",
                                fact: def.name.clone(),
                                fact_type: def.ty.describe(),
                                allowed: allowed_operators(&def.ty).into(),
                            },
                            expr.span,
                        )
                        .with_label("not defined for this type"),
                    );
                    self.error(*diagnostic);
                    return None;
                }
                let mut out = Vec::new();
                let mut ok = true;
                for v in values {
                    match self.value(id, fact, v, COMPARED_WITH) {
                        Some(v) => out.push(v),
                        None => ok = false,
                    }
                }
                ok.then_some(Condition::OneOf { fact: id, values: out })
            }
        }
    }

    /// Checks a literal against the fact's type and converts it.
    fn value(
        &mut self,
        fact: FactId,
        name: &Ident,
        literal: &Literal,
        verb: &'static str,
    ) -> Option<Value> {
        if matches!(literal.kind, LiteralKind::Int { hex: true, .. }) {
            self.model.facts[fact.index()].hex = true;
        }
        let values = &self.enum_index[fact.index()];
        match convert_literal(&self.model.facts[fact.index()], values, name, literal, verb) {
            Ok(value) => Some(value),
            Err(diagnostic) => {
                self.error(*diagnostic);
                None
            }
        }
    }

    /// Binds every finding and background to its variable — with the int ranges all their
    /// conditions tell apart — then checks the rates each cause and each background gives
    /// one variable: no outcome twice, at most 1 in all, exactly 1 when every outcome is given.
    fn bind_evidence(&mut self) {
        let mut keys: Vec<VariableKey> = Vec::new();
        let mut index: HashMap<VariableKey, VariableId> = HashMap::default();
        let mut intern = |key: VariableKey| {
            *index.entry(key).or_insert_with(|| {
                keys.push(key);
                VariableId(keys.len() as u32 - 1)
            })
        };
        let finding_vars: Vec<VariableId> = self.finding_keys.iter().map(|k| intern(*k)).collect();
        let background_vars: Vec<VariableId> =
            self.backgrounds.iter().map(|(_, b)| intern(b.key)).collect();
        let mut starts: Vec<Cuts> = vec![Cuts::default(); keys.len()];
        for (finding, var) in self.model.findings.iter().zip(&finding_vars) {
            starts[var.index()].add(&finding.condition);
        }
        for ((_, background), var) in self.backgrounds.iter().zip(&background_vars) {
            starts[var.index()].add(&background.condition);
        }
        let variables = keys
            .iter()
            .zip(starts)
            .map(|(key, starts)| crate::evidence::variable(&self.model, *key, starts))
            .collect();
        self.model.variables = variables;
        for (finding, var) in self.model.findings.iter_mut().zip(&finding_vars) {
            finding.variable = *var;
            finding.outcomes =
                outcomes_where(&finding.condition, &self.model.variables[var.index()]);
        }
        let pending = std::mem::take(&mut self.backgrounds);
        for ((owner, background), var) in pending.into_iter().zip(background_vars) {
            let def = BackgroundDef {
                variable: var,
                outcomes: outcomes_where(&background.condition, &self.model.variables[var.index()]),
                probability: background.probability,
                text: background.text,
                span: background.span,
            };
            match owner {
                None => self.model.backgrounds.push(def),
                Some(symptom) => self.model.symptoms[symptom.index()].backgrounds.push(def),
            }
        }
        let mut groups: Vec<Vec<RateStatement>> = Vec::new();
        for (i, cause) in self.model.causes.iter().enumerate() {
            let spans = self.cause_finding_spans.get(&CauseId(i as u32));
            groups.push(
                cause
                    .findings
                    .iter()
                    .enumerate()
                    .map(|(k, &(f, p))| {
                        let f = &self.model.findings[f.index()];
                        let span = spans.and_then(|s| s.get(k)).copied().unwrap_or(f.span);
                        (f.outcomes.clone(), p, span, f.variable)
                    })
                    .collect(),
            );
        }
        let backgrounds = |list: &[BackgroundDef]| {
            list.iter().map(|b| (b.outcomes.clone(), b.probability, b.span, b.variable)).collect()
        };
        groups.push(backgrounds(&self.model.backgrounds));
        for symptom in &self.model.symptoms {
            groups.push(backgrounds(&symptom.backgrounds));
        }
        for group in groups {
            self.check_rates(&group);
        }
    }

    /// The rates one cause (or one background list) gives, checked per variable.
    fn check_rates(&mut self, statements: &[RateStatement]) {
        let mut variables: Vec<VariableId> = statements.iter().map(|s| s.3).collect();
        variables.sort_unstable();
        variables.dedup();
        'variables: for var in variables {
            let def = &self.model.variables[var.index()];
            let fact = self.model.facts[def.fact.index()].name.clone();
            let mut covered: Vec<Option<Span>> = vec![None; def.outcomes.len()];
            let mut total = 0.0;
            let mut last = None;
            for (outcomes, p, span, _) in statements.iter().filter(|s| s.3 == var) {
                if outcomes.is_empty() {
                    self.diagnostics.push(
                        Diagnostic::new(DiagnosticKind::EvidenceNoOutcome { fact: fact.clone() }, *span)
                            .with_hint("a value declared `unknown` or an empty range is never observed; give the rate to an outcome that can be, or remove the line"),
                    );
                    continue 'variables;
                }
                for &o in outcomes {
                    if let Some(first) = covered[o as usize] {
                        let outcome = def.outcomes[o as usize].clone();
                        self.diagnostics.push(
                            Diagnostic::new(
                                DiagnosticKind::EvidenceOverlap { fact: fact.clone(), outcome },
                                *span,
                            )
                            .with_related(first, "also given here")
                            .with_hint("give each outcome once: one variable has one distribution"),
                        );
                        continue 'variables;
                    }
                    covered[o as usize] = Some(*span);
                }
                total += p;
                last = Some(*span);
            }
            let Some(last) = last else { continue };
            let total = (total * 1e6).round() / 1e6;
            if total > 1.0 + 1e-9 {
                self.diagnostics.push(
                    Diagnostic::new(DiagnosticKind::EvidenceExceedsOne { fact, total }, last)
                        .with_hint("the rates are shares of one distribution over the fact's outcomes: lower them"),
                );
            } else if covered.iter().all(Option::is_some) && (total - 1.0).abs() > 1e-6 {
                let some = def.outcomes.first().cloned().unwrap_or_default();
                self.diagnostics.push(
                    Diagnostic::new(DiagnosticKind::EvidenceIncomplete { fact: fact.clone(), total }, last)
                        .with_hint(format!(
                            "give all but one outcome and the last gets the rest; for a bool, one line such as `{fact} == {some} : usually` is enough"
                        )),
                );
            }
        }
    }

    /// A fact no condition uses, whose name is close to a name that two or more uses give and
    /// nothing declares: the declaration is the typo, not the uses. Said once, at the
    /// declaration (each use keeps its own error and did-you-mean).
    fn misspelt_declarations(&mut self) {
        let mut names: Vec<(String, usize)> = Vec::new();
        for name in &self.unknown_fact_uses {
            match names.iter_mut().find(|(n, _)| n == name) {
                Some((_, count)) => *count += 1,
                None => names.push((name.clone(), 1)),
            }
        }
        // One use against one declaration says nothing about which is the typo; two uses that
        // agree against a declaration nothing uses do.
        for (used, uses) in names.into_iter().filter(|(_, uses)| *uses >= 2) {
            let unused = self
                .model
                .facts
                .iter()
                .enumerate()
                .filter(|(i, _)| !self.fact_used[*i])
                .map(|(_, f)| f.name.as_str());
            let Some(declared) = did_you_mean(&used, unused).map(str::to_string) else { continue };
            let Some(id) = self.model.fact_id(&declared) else { continue };
            let plural = if uses == 1 { "" } else { "s" };
            self.error(
                Diagnostic::new(
                    DiagnosticKind::MisspeltDeclaration {
                        declared: declared.clone(),
                        used: used.clone(),
                        uses,
                    },
                    self.fact_name_spans[id.index()],
                )
                .with_label(format!("{uses} use{plural} name `{used}`, none this one"))
                .with_hint(format!("if the uses are right, rename the declaration: `fact {used}`")),
            );
        }
    }

    /// `value-without-label`: the values a menu would show a person by their bare names.
    fn check_value_labels(&mut self) {
        for (i, fact) in self.model.facts.iter().enumerate() {
            // A menu shows the values of a fact a person is asked.
            let (FactType::Enum(values) | FactType::Set(values)) = &fact.ty else { continue };
            if fact.ask.is_none() {
                continue;
            }
            // Marked in one pass: an error-code enum can have thousands of values and labels.
            let mut named = vec![false; values.len()];
            for &j in fact.value_labels.iter().map(|(j, _)| j).chain(&fact.unknown_values) {
                named[j as usize] = true;
            }
            let unlabelled: Vec<String> =
                values.iter().zip(&named).filter(|(_, n)| !**n).map(|(v, _)| v.clone()).collect();
            if unlabelled.is_empty() {
                continue;
            }
            let example = format!("label {} \"how a person reads it\"", unlabelled[0]);
            self.diagnostics.push(
                Diagnostic::new(
                    DiagnosticKind::ValueWithoutLabel {
                        fact: fact.name.clone(),
                        values: unlabelled,
                    },
                    self.fact_name_spans[i],
                )
                .with_hint(format!(
                    "give each value the words a menu shows: `{example}` in the fact's block (or `allow value_without_label`)"
                )),
            );
        }
    }

    fn check_whole(&mut self, complete: bool) {
        self.check_priors();
        self.check_rule_cycles();
        self.misspelt_declarations();
        // What follows judges the whole; errors so far (or items that did not parse) would
        // make these findings echoes of them — a symptom whose only cause failed to resolve
        // is not "without cause".
        if !complete || self.diagnostics.iter().any(Diagnostic::is_error) {
            return;
        }
        if self.model.symptoms.is_empty() {
            self.diagnostics.push(
                Diagnostic::global(DiagnosticKind::NoSymptom)
                    .with_hint("add `symptom NAME { title \"…\" when … }`, or check the whole knowledge base folder rather than one file"),
            );
        }
        self.unused_parameters();
        for (i, symptom) in self.model.symptoms.iter().enumerate() {
            if symptom.causes.is_empty() {
                self.diagnostics.push(
                    Diagnostic::new(
                        DiagnosticKind::SymptomWithoutCause { symptom: symptom.name.clone() },
                        self.symptom_name_spans[i],
                    )
                    .with_hint(format!(
                        "add `explains {}` to the causes that produce it",
                        symptom.name
                    )),
                );
            }
        }
        for (i, cause) in self.model.causes.iter().enumerate() {
            if cause.findings.is_empty() {
                self.diagnostics.push(
                    Diagnostic::new(
                        DiagnosticKind::CauseWithoutEvidence { cause: cause.name.clone() },
                        self.cause_name_spans[i],
                    )
                    .with_hint("add findings: `when FACT == VALUE : usually`"),
                );
            }
            if cause.fixes.is_empty() && !self.model.fixes.is_empty() {
                self.diagnostics.push(
                    Diagnostic::new(
                        DiagnosticKind::CauseWithoutFix { cause: cause.name.clone() },
                        self.cause_name_spans[i],
                    )
                    .with_hint(format!("add a `fix` with `fixes {}`", cause.name)),
                );
            }
        }
        for (i, used) in self.fact_used.iter().enumerate() {
            if !used && self.model.facts[i].used_by.is_empty() {
                let fact = &self.model.facts[i];
                self.diagnostics.push(
                    Diagnostic::new(
                        DiagnosticKind::UnusedFact { fact: fact.name.clone() },
                        self.fact_name_spans[i],
                    )
                    .with_hint("use it in a symptom, finding or rule, declare what reads it (`used_by guide`, `collector` or `plan`), or remove it"),
                );
            }
        }
        self.check_value_labels();
        let evidenced: std::collections::HashSet<VariableId> =
            self.model.findings.iter().map(|f| f.variable).collect();
        let unused: Vec<Span> = self
            .model
            .backgrounds
            .iter()
            .chain(self.model.symptoms.iter().flat_map(|s| &s.backgrounds))
            .filter(|b| !evidenced.contains(&b.variable))
            .map(|b| b.span)
            .collect();
        for span in unused {
            self.diagnostics.push(Diagnostic::new(DiagnosticKind::UnusedBackground, span).with_hint(
                "a background rate weighs the evidence causes give on the same fact: give some cause a finding on it, or remove it",
            ));
        }
    }

    fn check_priors(&mut self) {
        for (i, symptom) in self.model.symptoms.iter().enumerate() {
            let listed: f64 = symptom.causes.iter().map(|(_, p)| p).sum();
            let floor = symptom.unlisted_floor.unwrap_or(0.0);
            if listed + floor > 1.0 + 1e-9 {
                let mut diagnostic = Diagnostic::new(
                    DiagnosticKind::PriorsExceedOne {
                        symptom: symptom.name.clone(),
                        total: listed + floor,
                    },
                    self.symptom_name_spans[i],
                );
                let mut causes = symptom.causes.clone();
                causes.sort_by(|a, b| b.1.total_cmp(&a.1));
                for (cause, prior) in causes.iter().take(5) {
                    diagnostic = diagnostic.with_related(
                        self.cause_name_spans[cause.index()],
                        format!("prior {prior}"),
                    );
                }
                if floor > 0.0 {
                    diagnostic = diagnostic
                        .with_hint(format!("this includes the unlisted floor of {floor}"));
                }
                diagnostic = diagnostic.with_hint(
                    "the priors are the share of cases each cause accounts for among cases of this symptom; lower them so they add up to at most 1",
                );
                self.diagnostics.push(diagnostic);
            }
        }
    }

    fn check_rule_cycles(&mut self) {
        match crate::graph::rule_order(&self.model) {
            Ok(order) => self.model.rule_order = order,
            Err(cycles) => {
                for cycle in cycles {
                    // `rule_order` gives the cycle in "feeds" order (each rule's fact is read
                    // by the next); reverse it so it reads "`a` reads `b`, which reads …".
                    let cycle: Vec<RuleId> =
                        cycle[..1].iter().chain(cycle[1..].iter().rev()).copied().collect();
                    let facts: Vec<String> = cycle
                        .iter()
                        .map(|r| {
                            self.model.facts[self.model.rules[r.index()].target.index()]
                                .name
                                .clone()
                        })
                        .collect();
                    let first = self.model.rules[cycle[0].index()].span;
                    let mut diagnostic =
                        Diagnostic::new(DiagnosticKind::RuleCycle { facts }, first)
                            .with_label("this rule is on the cycle");
                    for r in &cycle[1..] {
                        diagnostic = diagnostic
                            .with_related(self.model.rules[r.index()].span, "then this rule");
                    }
                    diagnostic = diagnostic.with_hint("a derived fact cannot depend on itself; break the cycle by reading a collected fact instead");
                    self.diagnostics.push(diagnostic);
                }
            }
        }
    }
}

/// Reports a duplicate and returns false when `name` is already declared in its namespace
/// (`index` and the name `spans` of that kind of item).
fn is_new<Id: Copy + Into<u32>>(
    diagnostics: &mut Vec<Diagnostic>,
    kind: &'static str,
    name: &Ident,
    index: &HashMap<String, Id>,
    spans: &[Span],
) -> bool {
    let Some(existing) = index.get(&name.name).copied() else { return true };
    diagnostics.push(duplicate_name(kind, name, spans[existing.into() as usize]));
    false
}

/// A second item of `kind` named `name`, the first being at `first`.
fn duplicate_name(kind: &'static str, name: &Ident, first: Span) -> Diagnostic {
    Diagnostic::new(DiagnosticKind::DuplicateName { kind, name: name.name.clone() }, name.span)
        .with_label("defined again here")
        .with_related(first, "first defined here")
        .with_hint(format!(
            "rename one of them or remove the copy; {kind} names are shared by all files of a knowledge base"
        ))
}

/// Declares a symptom, cause or fix in pass one: its id, its name's span and a placeholder
/// definition that pass two fills in. A duplicate is reported and not declared.
fn declare<Id: Copy + Into<u32>, Def>(
    diagnostics: &mut Vec<Diagnostic>,
    kind: &'static str,
    name: &Ident,
    (index, spans, defs): (&mut HashMap<String, Id>, &mut Vec<Span>, &mut Vec<Def>),
    make_id: fn(u32) -> Id,
    make_def: fn(&Ident) -> Def,
) {
    if is_new(diagnostics, kind, name, index, spans) {
        index.insert(name.name.clone(), make_id(defs.len() as u32));
        spans.push(name.span);
        defs.push(make_def(name));
    }
}

/// A symptom as declared in pass one; pass two fills it in.
fn declared_symptom(name: &Ident) -> SymptomDef {
    SymptomDef {
        name: name.name.clone(),
        title: String::new(),
        description: None,
        condition: Condition::All(Vec::new()),
        condition_text: String::new(),
        aliases: Vec::new(),
        checks: Vec::new(),
        unlisted_floor: None,
        frequency: None,
        backgrounds: Vec::new(),
        causes: Vec::new(),
        span: name.span,
    }
}

fn declared_cause(name: &Ident) -> CauseDef {
    CauseDef {
        name: name.name.clone(),
        title: String::new(),
        description: None,
        explains: Vec::new(),
        findings: Vec::new(),
        sources: Vec::new(),
        fixes: Vec::new(),
        span: name.span,
    }
}

fn declared_fix(name: &Ident) -> FixDef {
    FixDef {
        name: name.name.clone(),
        title: String::new(),
        description: None,
        fixes: Vec::new(),
        cost_seconds: 0.0,
        risk: None,
        needs: Vec::new(),
        success: None,
        steps: None,
        run: Vec::new(),
        verify: Vec::new(),
        undo: Vec::new(),
        sources: Vec::new(),
        precondition: None,
        precondition_text: None,
        span: name.span,
    }
}

const COMPARED_WITH: &str = "is compared with";
const SET_TO: &str = "is set to";

/// Findings by the text of their condition, without a second copy of every text: a hash
/// leads to the finding, whose own text settles it; the rare colliding texts go to `overflow`.
#[derive(Default)]
struct FindingIndex {
    by_hash: HashMap<u64, FindingId>,
    overflow: HashMap<String, FindingId>,
}

impl FindingIndex {
    fn hash(text: &str) -> u64 {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        BuildHasherDefault::<DefaultHasher>::default().hash_one(text)
    }

    fn get(&self, text: &str, findings: &[FindingDef]) -> Option<FindingId> {
        let id = *self.by_hash.get(&Self::hash(text))?;
        if findings[id.index()].text == text { Some(id) } else { self.overflow.get(text).copied() }
    }

    /// Adds a finding not yet in the index (`findings` does not hold it yet).
    fn insert(&mut self, text: &str, id: FindingId, findings: &[FindingDef]) {
        match self.by_hash.entry(Self::hash(text)) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(id);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                debug_assert!(findings.iter().all(|f| f.text != text));
                self.overflow.insert(text.to_string(), id);
            }
        }
    }
}

#[derive(Default)]
struct FieldSeen(HashMap<&'static str, Span>);

fn operator_allowed(ty: &FactType, op: CompareOp) -> bool {
    match ty {
        FactType::Bool | FactType::String | FactType::Enum(_) => {
            matches!(op, CompareOp::Eq | CompareOp::Ne)
        }
        FactType::Int | FactType::Number | FactType::Version => op != CompareOp::Has,
        FactType::Set(_) => op == CompareOp::Has,
    }
}

fn allowed_operators(ty: &FactType) -> &'static str {
    match ty {
        FactType::Bool => "`==`, `!=` or the bare fact",
        FactType::String | FactType::Enum(_) => "`==`, `!=` or `in [..]`",
        FactType::Int | FactType::Number | FactType::Version => {
            "`==`, `!=`, `<`, `<=`, `>`, `>=` or `in [..]`"
        }
        FactType::Set(_) => "`has`",
    }
}

fn expected_literal(ty: &FactType) -> String {
    match ty {
        FactType::Bool => "`true` or `false`".into(),
        FactType::Int => "an int such as 3 or 0x904".into(),
        FactType::Number => "a number such as 0.5".into(),
        FactType::String => "a string in double quotes".into(),
        FactType::Version => "a version such as 10.0.26100".into(),
        FactType::Enum(values) | FactType::Set(values) => {
            let shown: Vec<&str> = values.iter().take(8).map(String::as_str).collect();
            let more = if values.len() > 8 { ", …" } else { "" };
            format!("one of {}{more}", shown.join(", "))
        }
    }
}

impl From<FactId> for u32 {
    fn from(id: FactId) -> u32 {
        id.0
    }
}
impl From<SymptomId> for u32 {
    fn from(id: SymptomId) -> u32 {
        id.0
    }
}
impl From<CauseId> for u32 {
    fn from(id: CauseId) -> u32 {
        id.0
    }
}
impl From<FixId> for u32 {
    fn from(id: FixId) -> u32 {
        id.0
    }
}
impl From<RuleId> for u32 {
    fn from(id: RuleId) -> u32 {
        id.0
    }
}

/// Checks a literal against the fact's type and converts it.
fn convert_literal(
    fact: &FactDef,
    enum_index: &HashMap<String, u32>,
    name: &Ident,
    literal: &Literal,
    verb: &'static str,
) -> Result<Value, Box<Diagnostic>> {
    let converted = match (&fact.ty, &literal.kind) {
        (FactType::Bool, LiteralKind::Bool(b)) => Some(Value::Bool(*b)),
        (FactType::Int, LiteralKind::Int { value, .. }) => Some(Value::Int(*value)),
        #[allow(clippy::cast_precision_loss)] // ints compared with number facts are small
        (FactType::Number, LiteralKind::Int { value, hex: false }) => {
            Some(Value::Number(*value as f64))
        }
        (FactType::Number, LiteralKind::Number(n)) => Some(Value::Number(n.value)),
        (FactType::String, LiteralKind::Str(s)) => Some(Value::Str(s.clone())),
        (FactType::Version, LiteralKind::Version(parts)) => Some(Value::Version(parts.clone())),
        (FactType::Version, LiteralKind::Number(n)) => {
            let parts: Option<Vec<u64>> = n.text.split('.').map(|p| p.parse().ok()).collect();
            parts.map(Value::Version)
        }
        (FactType::Version, LiteralKind::Int { value, hex: false }) => {
            u64::try_from(*value).ok().map(|v| Value::Version(vec![v]))
        }
        (
            FactType::Enum(values) | FactType::Set(values),
            LiteralKind::Name(v) | LiteralKind::Str(v),
        ) => {
            if let Some(index) = enum_index.get(v) {
                Some(Value::Enum(*index))
            } else {
                let mut diagnostic = Diagnostic::new(
                    DiagnosticKind::UnknownEnumValue { fact: fact.name.clone(), value: v.clone() },
                    literal.span,
                )
                .with_label("not a declared value")
                .with_related(fact.span, "declared here");
                diagnostic = match did_you_mean(v, values.iter().map(String::as_str)) {
                    Some(close) => diagnostic.with_hint(format!("did you mean `{close}`?")),
                    None => diagnostic.with_hint(format!("the values are: {}", values.join(", "))),
                };
                return Err(Box::new(diagnostic));
            }
        }
        _ => None,
    };
    converted.ok_or_else(|| {
        Box::new(
            Diagnostic::new(
                DiagnosticKind::TypeMismatch {
                    fact: name.name.clone(),
                    fact_type: fact.ty.describe(),
                    verb,
                    found: literal.kind.describe(),
                    expected: expected_literal(&fact.ty),
                },
                literal.span,
            )
            .with_label(format!("expected {}", expected_literal(&fact.ty)))
            .with_related(fact.span, format!("`{}` is declared here", fact.name)),
        )
    })
}
