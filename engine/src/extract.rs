//! Facts from free text: a pasted error dialog, a log excerpt, a ticket, a search query.
//!
//! What a fact looks like in text is declared in the knowledge base, never here: a fact's
//! `pattern "regex"` (its first capture group is the value, read as a fact file reads it:
//! `0x904`, `2308`, `yes`), an enum or set fact's `pattern VALUE "regex"`, and the value labels
//! (`label VALUE "text"`, the dialog messages), which match as they are written or slightly
//! reworded. Every fact found keeps the words it came from, so a person can check it.
//!
//! When matches overlap, the longest wins ("extended error code 0x7" is the extended code, not
//! the error code "0x7" inside it); a fact gets the first value that survives (a set collects
//! its members).

use crate::facts::{FactReader, FactSet};
use serde::Serialize;
use std::sync::OnceLock;
use triage_rules::diagnostic::{Diagnostic, DiagnosticKind};
use triage_rules::model::{FactId, FactType, Model};

/// Words a label needs besides stop words before it is read from text at all.
const LABEL_MIN_WORDS: usize = 3;
/// Words a label needs besides stop words before a reworded match is trusted.
const REWORDED_MIN_WORDS: usize = 4;
/// The share of a label's words a reworded match must have, in a window no longer than the
/// label by more than half: 17 of every 20 (85 %).
const REWORDED_SHARE: (usize, usize) = (17, 20);

const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "has", "have", "in", "is", "it", "of",
    "on", "or", "the", "this", "to", "was", "were", "with",
];

/// One fact read from text.
#[derive(Debug, Clone, Serialize)]
pub struct Extracted {
    #[serde(skip)]
    pub fact: FactId,
    /// The fact's name.
    pub name: String,
    /// The value as a fact file writes it (`0x904`, `internal_error`).
    pub value: String,
    /// The words it was read from, as they are in the text.
    pub quote: String,
    /// Byte offsets of the quote in the text.
    pub start: usize,
    pub end: usize,
}

/// A knowledge base's patterns and labels, ready to read text with; owns nothing of the
/// model, so an [`crate::Engine`] keeps one for its whole life ([`crate::Engine::text_reader`]).
///
/// Building it compiles one [`regex::RegexSet`] of every pattern, which says which patterns
/// match a text; a pattern's own expression, which gives the quote and the captured value, is
/// compiled the first time a text matches it, and kept. Most texts match few patterns, so
/// reading one text costs a fraction of compiling them all (a knowledge base has hundreds).
#[derive(Debug)]
pub struct TextPatterns {
    /// Every pattern of `patterns`, in order; `None` when the set cannot be built (a pattern
    /// beyond the regex crate's size limit), and then every pattern is tried on its own.
    set: Option<regex::RegexSet>,
    patterns: Vec<Pattern>,
    /// (fact, value, the label's words), for label matches.
    labels: Vec<(FactId, u32, Vec<String>)>,
}

#[derive(Debug)]
struct Pattern {
    fact: FactId,
    /// The value a match means, or `None` for the capture group.
    value: Option<u32>,
    source: String,
    /// The expression, compiled when a text first matches it; `None` when the regex crate
    /// refuses it (the checker parsed it; only its size limit is left), and then it reads
    /// nothing.
    compiled: OnceLock<Option<regex::Regex>>,
}

impl Pattern {
    fn regex(&self) -> Option<&regex::Regex> {
        self.compiled
            .get_or_init(|| {
                regex::RegexBuilder::new(&self.source).case_insensitive(true).build().ok()
            })
            .as_ref()
    }
}

impl TextPatterns {
    #[must_use]
    pub fn new(model: &Model) -> Self {
        let mut patterns = Vec::new();
        let mut labels = Vec::new();
        for (i, def) in model.facts.iter().enumerate() {
            let fact = FactId(i as u32);
            for pattern in &def.patterns {
                patterns.push(Pattern {
                    fact,
                    value: pattern.value,
                    source: pattern.regex.clone(),
                    compiled: OnceLock::new(),
                });
            }
            for (value, label) in &def.value_labels {
                labels.push((fact, *value, words(label).into_iter().map(|(w, _, _)| w).collect()));
            }
        }
        let set = regex::RegexSetBuilder::new(patterns.iter().map(|p| &p.source))
            .case_insensitive(true)
            .build()
            .ok();
        TextPatterns { set, patterns, labels }
    }

    /// The patterns that match `text`, in declaration order.
    fn matching<'a>(&'a self, text: &str) -> Vec<&'a Pattern> {
        match &self.set {
            Some(set) => set.matches(text).into_iter().map(|i| &self.patterns[i]).collect(),
            None => self.patterns.iter().collect(),
        }
    }
}

/// The patterns the regex crate refuses although the checker parsed them (beyond its size
/// limit: they would read nothing), as errors where they are written. Loading a knowledge base
/// only parses patterns; `triage check` compiles them all with this.
#[must_use]
pub fn compile_problems(model: &Model) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for def in &model.facts {
        for pattern in &def.patterns {
            if let Err(e) = regex::RegexBuilder::new(&pattern.regex).case_insensitive(true).build()
            {
                let message = match e {
                    regex::Error::CompiledTooBig(limit) => {
                        format!("it compiles to more than the regex crate's limit of {limit} bytes")
                    }
                    other => other.to_string(),
                };
                problems.push(
                    Diagnostic::new(DiagnosticKind::InvalidPattern { message }, pattern.span)
                        .with_hint(
                            "make it smaller: fewer or smaller counted repetitions (`{n}`), ASCII classes \
                         (`[0-9]`, `(?-u:\\w)`) instead of Unicode ones",
                        ),
                );
            }
        }
    }
    problems
}

/// Reads facts from text with a knowledge base's [`TextPatterns`], its own or an engine's.
#[derive(Debug)]
pub struct TextReader<'m> {
    model: &'m Model,
    patterns: Patterns<'m>,
}

#[derive(Debug)]
enum Patterns<'m> {
    Own(TextPatterns),
    Shared(&'m TextPatterns),
}

/// A candidate before overlaps are settled.
struct Candidate {
    fact: FactId,
    /// The value's text, as `--fact` takes it.
    value: String,
    start: usize,
    end: usize,
}

impl<'m> TextReader<'m> {
    /// A reader with patterns of its own, for one text or a few; an [`crate::Engine`]'s
    /// [`crate::Engine::text_reader`] shares one set for every text it reads.
    #[must_use]
    pub fn new(model: &'m Model) -> Self {
        TextReader { model, patterns: Patterns::Own(TextPatterns::new(model)) }
    }

    /// A reader of `model` with patterns built from it.
    #[must_use]
    pub fn with_patterns(model: &'m Model, patterns: &'m TextPatterns) -> Self {
        TextReader { model, patterns: Patterns::Shared(patterns) }
    }

    fn patterns(&self) -> &TextPatterns {
        match &self.patterns {
            Patterns::Own(own) => own,
            Patterns::Shared(shared) => shared,
        }
    }

    /// The facts `text` states, and where each came from. Values that do not fit their fact
    /// (a capture that is not an int) are left out.
    #[must_use]
    pub fn read(&self, text: &str) -> (FactSet, Vec<Extracted>) {
        let mut candidates = Vec::new();
        let patterns = self.patterns();
        for pattern in patterns.matching(text) {
            let Some(regex) = pattern.regex() else { continue };
            let fact = &pattern.fact;
            for captures in regex.captures_iter(text) {
                let Some(whole) = captures.get(0) else { continue };
                let value = match pattern.value {
                    Some(v) => self.value_name(*fact, v),
                    None => match captures.get(1) {
                        Some(group) => group.as_str().to_string(),
                        None => continue,
                    },
                };
                candidates.push(Candidate {
                    fact: *fact,
                    value,
                    start: whole.start(),
                    end: whole.end(),
                });
            }
        }
        let text_words = words(text);
        for (fact, value, label) in &patterns.labels {
            if let Some((start, end)) = label_match(&text_words, label) {
                candidates.push(Candidate {
                    fact: *fact,
                    value: self.value_name(*fact, *value),
                    start,
                    end,
                });
            }
        }
        // Longest first; then the earlier declaration.
        candidates.sort_by(|a, b| {
            (b.end - b.start)
                .cmp(&(a.end - a.start))
                .then(a.fact.cmp(&b.fact))
                .then(a.start.cmp(&b.start))
        });
        let reader = FactReader::new(self.model);
        let mut facts = FactSet::unknown(self.model);
        let mut taken: Vec<(usize, usize)> = Vec::new();
        let mut found: Vec<Extracted> = Vec::new();
        let mut members: Vec<(FactId, Vec<String>)> = Vec::new();
        for candidate in candidates {
            if taken.iter().any(|&(s, e)| candidate.start < e && s < candidate.end) {
                continue;
            }
            let is_set = matches!(self.model.fact(candidate.fact).ty, FactType::Set(_));
            if !is_set && found.iter().any(|f| f.fact == candidate.fact) {
                continue;
            }
            let value_text = if is_set {
                let position = match members.iter().position(|(f, _)| *f == candidate.fact) {
                    Some(position) => position,
                    None => {
                        members.push((candidate.fact, Vec::new()));
                        members.len() - 1
                    }
                };
                let entry = &mut members[position].1;
                if entry.contains(&candidate.value) {
                    continue;
                }
                entry.push(candidate.value.clone());
                entry.join(",")
            } else {
                candidate.value.clone()
            };
            let name = &self.model.fact(candidate.fact).name;
            if reader.set_from_text(&mut facts, name, &value_text).is_err() {
                continue;
            }
            taken.push((candidate.start, candidate.end));
            found.push(Extracted {
                fact: candidate.fact,
                name: name.clone(),
                value: candidate.value,
                quote: text[candidate.start..candidate.end].to_string(),
                start: candidate.start,
                end: candidate.end,
            });
        }
        found.sort_by_key(|f| f.start);
        (facts, found)
    }

    fn value_name(&self, fact: FactId, value: u32) -> String {
        self.model.fact(fact).ty.values().get(value as usize).cloned().unwrap_or_default()
    }
}

/// The words of a text, lower-cased, without stop words, with their byte ranges. An
/// apostrophe inside a word is dropped ("can't" is "cant").
fn words(text: &str) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        if c.is_alphanumeric() {
            if current.is_empty() {
                start = i;
            }
            current.extend(c.to_lowercase());
        } else if (c == '\'' || c == '’') && !current.is_empty() {
            // inside a word: skip
        } else if !current.is_empty() {
            if !STOP_WORDS.contains(&current.as_str()) {
                out.push((std::mem::take(&mut current), start, i));
            }
            current.clear();
        }
    }
    out
}

/// Where the label's words stand in the text: for a label of [`LABEL_MIN_WORDS`] words or more,
/// all of them as written; from [`REWORDED_MIN_WORDS`] words, [`REWORDED_SHARE`] of them in a
/// window not much longer than the label.
fn label_match(text: &[(String, usize, usize)], label: &[String]) -> Option<(usize, usize)> {
    // Two words ("Windows 10") say too little in free text to be a fact: such values need a
    // `pattern` of their own.
    if label.len() < LABEL_MIN_WORDS || text.is_empty() {
        return None;
    }
    // A short label must appear as written, word for word.
    if label.len() < REWORDED_MIN_WORDS {
        return text.windows(label.len()).find_map(|w| {
            w.iter()
                .zip(label)
                .all(|((word, _, _), l)| word == l)
                .then(|| (w[0].1, w[w.len() - 1].2))
        });
    }
    let window = label.len() + label.len() / 2;
    let needed = if label.len() >= REWORDED_MIN_WORDS {
        (label.len() * REWORDED_SHARE.0).div_ceil(REWORDED_SHARE.1)
    } else {
        label.len()
    };
    let mut best: Option<(usize, usize, usize)> = None;
    for first in 0..text.len() {
        if !label.contains(&text[first].0) {
            continue;
        }
        let last = (first + window).min(text.len());
        let mut matched = 0;
        let mut used = vec![false; label.len()];
        let mut end = first;
        for (j, (word, _, _)) in text[first..last].iter().enumerate() {
            if let Some(k) = label.iter().enumerate().position(|(k, l)| !used[k] && l == word) {
                used[k] = true;
                matched += 1;
                end = first + j;
                if matched == label.len() {
                    break;
                }
            }
        }
        if matched >= needed && best.is_none_or(|(m, _, _)| matched > m) {
            best = Some((matched, text[first].1, text[end].2));
        }
    }
    // An exact run of short labels must be the label itself, in order.
    best.map(|(_, start, end)| (start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KB: &str = r#"
fact error_code: int {
  pattern """(?:error code|code)\s*:?\s*(0x[0-9a-f]+|\d+)"""
  pattern """\b(0x[0-9a-f]{3,})\b"""
}
fact extended_error_code: int { pattern """extended error code\s*:?\s*(0x[0-9a-f]+|\d+)""" }
fact message: enum [internal, other] {
  label internal "An internal error has occurred"
  pattern internal """Ein interner Fehler ist aufgetreten"""
}
fact change: set [client_update, upgrade] {
  pattern client_update """after (?:the|an|a) (?:windows )?update"""
  pattern upgrade """upgraded? to windows 11"""
}
symptom s { title "S" when error_code == 0x904 or message == internal }
cause c { title "C" explains s: 0.5 when extended_error_code == 7 : often when change has upgrade : often }
"#;

    fn model() -> Model {
        let kb = triage_rules::load_text("kb.kb", KB);
        kb.model.unwrap_or_else(|| panic!("{:#?}", kb.diagnostics))
    }

    fn found(text: &str) -> Vec<(String, String, String)> {
        let model = model();
        let (_, found) = TextReader::new(&model).read(text);
        found.into_iter().map(|f| (f.name, f.value, f.quote)).collect()
    }

    #[test]
    fn a_dialog_gives_its_code_its_extended_code_and_its_message() {
        let text = "An internal error has occurred.\nError code: 0x904\nExtended error code: 0x7";
        let got = found(text);
        assert!(
            got.contains(&(
                "message".into(),
                "internal".into(),
                "internal error has occurred".into()
            )),
            "{got:?}"
        );
        assert!(
            got.contains(&("error_code".into(), "0x904".into(), "Error code: 0x904".into())),
            "{got:?}"
        );
        assert!(
            got.contains(&(
                "extended_error_code".into(),
                "0x7".into(),
                "Extended error code: 0x7".into()
            )),
            "{got:?}"
        );
        assert_eq!(got.len(), 3, "the code inside the extended code is not read twice: {got:?}");
    }

    #[test]
    fn reworded_and_localised_messages_and_changes_are_read() {
        let got =
            found("since we upgraded to Windows 11 after the update: an internal error occurred");
        let names: Vec<&str> = got
            .iter()
            .map(|(n, v, _)| if n == "change" { v.as_str() } else { n.as_str() })
            .collect();
        assert!(names.contains(&"upgrade") && names.contains(&"client_update"), "{got:?}");
        assert!(names.contains(&"message"), "reworded: {got:?}");
        assert_eq!(found("Ein interner Fehler ist aufgetreten")[0].1, "internal");
        let model = model();
        let (facts, _) = TextReader::new(&model).read("after the update, upgraded to Windows 11");
        let change = model.fact_id("change").expect("fact");
        assert!(facts.values[change.index()].is_some(), "both members land in one set");
    }

    #[test]
    fn short_labels_are_not_read_from_free_text() {
        const SHORT: &str = r#"
fact os: enum [w10, ws2019] { label w10 "Windows 10" label ws2019 "Windows Server 2019" }
symptom s { title "S" when os == w10 }
cause c { title "C" explains s: 0.5 when os == ws2019 : often }
"#;
        let kb = triage_rules::load_text("kb.kb", SHORT);
        let model = kb.model.unwrap_or_else(|| panic!("{:#?}", kb.diagnostics));
        let reader = TextReader::new(&model);
        assert!(reader.read("I use Windows 10 at home").1.is_empty(), "two words say too little");
        let (_, found) = reader.read("the host runs Windows Server 2019");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].quote, "Windows Server 2019");
        assert!(reader.read("Server 2019 on Windows").1.is_empty(), "a short label as written");
    }

    #[test]
    fn text_without_facts_gives_none_and_hostile_text_is_only_text() {
        assert!(found("the printer is jammed").is_empty());
        assert!(found("").is_empty());
        let got = found("error code: 0x904\"; rm -rf / #");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].1, "0x904");
    }

    #[test]
    fn an_engine_reads_with_one_set_of_patterns_what_a_reader_of_its_own_reads() {
        let engine = crate::Engine::new(model());
        let texts = [
            "An internal error has occurred.\nError code: 0x904\nExtended error code: 0x7",
            "since we upgraded to Windows 11 after the update",
            "the printer is jammed",
        ];
        for text in texts {
            let own = TextReader::new(engine.model()).read(text).1;
            // Twice through the shared patterns: the second read uses what the first compiled.
            for _ in 0..2 {
                let shared = engine.text_reader().read(text).1;
                let pairs = |found: &[Extracted]| {
                    found
                        .iter()
                        .map(|f| (f.name.clone(), f.value.clone(), f.start))
                        .collect::<Vec<_>>()
                };
                assert_eq!(pairs(&shared), pairs(&own), "{text}");
            }
        }
    }

    #[test]
    fn a_pattern_beyond_the_size_limit_reads_nothing_and_the_others_still_read() {
        const HUGE: &str = r#"
fact error_code: int { pattern """error code:?\s*(0x[0-9a-f]+)""" }
fact id: int { pattern """(?:\w{100}){100}(\d+)""" }
symptom s { title "S" when error_code == 0x904 }
cause c { title "C" explains s: 0.5 when id == 1 : often }
"#;
        let kb = triage_rules::load_text("kb.kb", HUGE);
        let model = kb.model.unwrap_or_else(|| panic!("{:#?}", kb.diagnostics));
        let reader = TextReader::new(&model);
        assert!(reader.patterns().set.is_none(), "the set with it is beyond the limit too");
        let found = reader.read("error code: 0x904 and then 12345").1;
        let names: Vec<&str> = found.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["error_code"]);
    }

    proptest::proptest! {
        #[test]
        fn any_text_reads_without_panicking_and_quotes_are_its_own(text in ".{0,200}") {
            let model = model();
            let (_, found) = TextReader::new(&model).read(&text);
            for f in found {
                proptest::prop_assert_eq!(&text[f.start..f.end], f.quote.as_str());
            }
        }
    }
}
