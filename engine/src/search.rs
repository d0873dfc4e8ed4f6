//! Finding a symptom from what a person types: an error code in any of the forms clients show
//! it ("0x904", "904", its decimal 2308 as event 1026 logs it), an alias (the dialog text),
//! or words of the title.
//!
//! Scoring, highest first:
//! - the symptom's name typed exactly;
//! - a code: ints the symptom's condition compares a fact with, and hex codes written in its
//!   title and aliases, matched in hex with or without `0x`, or in decimal;
//! - the whole query equal to, or inside, an alias or the title;
//! - words: each query word found among the words of the title, aliases, name and
//!   description, weighted by where it was found and by how rare it is across the symptoms
//!   (a word every symptom has, like "remote", says little); a prefix of a word or a word one
//!   typo away counts for less.

use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use triage_rules::ast::CompareOp;
use triage_rules::model::{Condition, Model, SymptomDef, SymptomId, Value};

/// One symptom that matches a query.
#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    #[serde(skip)]
    pub id: SymptomId,
    pub symptom: String,
    pub title: String,
    pub score: f64,
    /// Why it matched, for people: "code 0x904", "alias “socket closed”", "words: certificate".
    pub matched: Vec<String>,
}

/// Why a query does not name one symptom.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ResolveError {
    #[error(
        "no symptom matches `{query}`; try an error code (0x904), words of the message, or `triage search`"
    )]
    NoMatch { query: String },
    #[error("`{query}` matches several symptoms equally well: {}", names(.hits))]
    Ambiguous { query: String, hits: Vec<SearchHit> },
}

fn names(hits: &[SearchHit]) -> String {
    hits.iter().map(|h| h.symptom.as_str()).collect::<Vec<_>>().join(", ")
}

const NAME_SCORE: f64 = 100.0;
const CODE_SCORE: f64 = 20.0;
const ALIAS_EQUAL_SCORE: f64 = 12.0;
const PHRASE_SCORE: f64 = 6.0;
/// How much a word counts by where it was found.
const TITLE_WEIGHT: f64 = 3.0;
const ALIAS_WEIGHT: f64 = 2.0;
const NAME_WEIGHT: f64 = 2.0;
const DESCRIPTION_WEIGHT: f64 = 1.0;
const PREFIX_FACTOR: f64 = 0.6;
const TYPO_FACTOR: f64 = 0.5;
/// Hits scoring below this share of the best are dropped.
const WEAK_HIT: f64 = 0.25;
/// A best hit this many times the second's score is taken as the answer by [`resolve`].
const CLEAR_LEAD: f64 = 1.5;

/// Words that carry no meaning for the search.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "cant", "code", "do", "does", "error",
    "for", "from", "get", "got", "has", "have", "how", "i", "if", "in", "is", "it", "its", "me",
    "my", "not", "of", "on", "or", "s", "t", "that", "the", "this", "to", "was", "what", "when",
    "why", "with", "won", "you", "your",
];

/// The searchable text of every symptom of a model, built once.
#[derive(Debug)]
pub struct SearchIndex {
    entries: Vec<Entry>,
    /// In how many symptoms each word occurs.
    document_frequency: HashMap<String, usize>,
}

#[derive(Debug)]
struct Entry {
    id: SymptomId,
    name: String,
    title: String,
    codes: BTreeSet<i64>,
    /// Lower-cased aliases and title, for phrase matches.
    phrases: Vec<String>,
    aliases: Vec<String>,
    /// Each distinct word with the best weight of the places it occurs.
    words: HashMap<String, f64>,
}

impl SearchIndex {
    #[must_use]
    pub fn new(model: &Model) -> Self {
        let entries: Vec<Entry> = model
            .symptoms
            .iter()
            .enumerate()
            .map(|(i, def)| Entry::new(SymptomId(i as u32), def))
            .collect();
        let mut document_frequency = HashMap::new();
        for entry in &entries {
            for word in entry.words.keys() {
                *document_frequency.entry(word.clone()).or_insert(0) += 1;
            }
        }
        SearchIndex { entries, document_frequency }
    }

    /// The symptoms matching `query`, best first; empty when nothing matches.
    #[must_use]
    pub fn search(&self, query: &str) -> Vec<SearchHit> {
        let query_lower = normalise(query);
        let tokens: Vec<String> = tokens(&query_lower).collect();
        let codes: Vec<(String, Vec<i64>)> =
            tokens.iter().filter_map(|t| code_readings(t).map(|c| (t.clone(), c))).collect();
        // A code is matched as a code only: "0x904" is not a typo of "0x204".
        let words: Vec<&String> = tokens
            .iter()
            .filter(|t| !STOP_WORDS.contains(&t.as_str()) && !is_code_like(t))
            .collect();
        let count = f64::from(self.entries.len().max(1) as u32);
        let mut hits: Vec<SearchHit> = self
            .entries
            .iter()
            .filter_map(|entry| {
                let mut score = 0.0;
                let mut matched = Vec::new();
                if entry.name == query.trim() {
                    score += NAME_SCORE;
                    matched.push("name".to_string());
                }
                for (token, readings) in &codes {
                    if let Some(code) = readings.iter().find(|c| entry.codes.contains(c)) {
                        score += CODE_SCORE;
                        matched.push(if token.starts_with("0x") {
                            format!("code {token}")
                        } else {
                            format!("code {token} (0x{code:x})")
                        });
                    }
                }
                if !query_lower.is_empty() {
                    if let Some(alias) = entry.aliases.iter().find(|a| **a == query_lower) {
                        score += ALIAS_EQUAL_SCORE;
                        matched.push(format!("alias “{alias}”"));
                    } else if query_lower.chars().count() >= 4
                        && let Some(phrase) =
                            entry.phrases.iter().find(|p| p.contains(&query_lower))
                    {
                        score += PHRASE_SCORE;
                        matched.push(format!("text “{phrase}”"));
                    }
                }
                let mut found_words = Vec::new();
                for word in &words {
                    if let Some((found, weight)) = entry.match_word(word) {
                        let df = f64::from(
                            self.document_frequency.get(&found).copied().unwrap_or(1) as u32,
                        );
                        score += weight * (1.0 + count / df).ln();
                        found_words.push(found);
                    }
                }
                if !found_words.is_empty() {
                    found_words.dedup();
                    matched.push(format!("words: {}", found_words.join(", ")));
                }
                (score > 0.0).then(|| SearchHit {
                    id: entry.id,
                    symptom: entry.name.clone(),
                    title: entry.title.clone(),
                    score,
                    matched,
                })
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.symptom.cmp(&b.symptom)));
        // A hit far behind the best matched on common words only ("rdp", "remote"): noise.
        if let Some(best) = hits.first().map(|h| h.score) {
            hits.retain(|h| h.score >= WEAK_HIT * best);
        }
        hits
    }

    /// The one symptom `query` names: its exact name, or the only hit, or a hit that leads the
    /// next one clearly.
    pub fn resolve(&self, query: &str) -> Result<SymptomId, ResolveError> {
        if let Some(entry) = self.entries.iter().find(|e| e.name == query.trim()) {
            return Ok(entry.id);
        }
        let mut hits = self.search(query);
        match hits.as_slice() {
            [] => Err(ResolveError::NoMatch { query: query.to_string() }),
            [only] => Ok(only.id),
            [first, second, ..] if first.score >= CLEAR_LEAD * second.score => Ok(first.id),
            _ => {
                hits.truncate(5);
                Err(ResolveError::Ambiguous { query: query.to_string(), hits })
            }
        }
    }
}

/// Searches the symptoms of `model` (builds the index each call; keep a [`SearchIndex`] to
/// search repeatedly).
#[must_use]
pub fn search(model: &Model, query: &str) -> Vec<SearchHit> {
    SearchIndex::new(model).search(query)
}

/// The symptom `query` names; see [`SearchIndex::resolve`].
pub fn resolve(model: &Model, query: &str) -> Result<SymptomId, ResolveError> {
    SearchIndex::new(model).resolve(query)
}

impl Entry {
    fn new(id: SymptomId, def: &SymptomDef) -> Self {
        let mut codes = BTreeSet::new();
        collect_codes(&def.condition, &mut codes);
        let mut words: HashMap<String, f64> = HashMap::new();
        let mut add = |text: &str, weight: f64, codes: &mut BTreeSet<i64>| {
            for token in tokens(&normalise(text)) {
                if let Some(hex) = token.strip_prefix("0x")
                    && let Ok(code) = i64::from_str_radix(hex, 16)
                {
                    codes.insert(code);
                }
                if STOP_WORDS.contains(&token.as_str()) || is_code_like(&token) {
                    continue;
                }
                let best = words.entry(token).or_insert(0.0);
                *best = best.max(weight);
            }
        };
        add(&def.title, TITLE_WEIGHT, &mut codes);
        for alias in &def.aliases {
            add(alias, ALIAS_WEIGHT, &mut codes);
        }
        add(&def.name.replace('_', " "), NAME_WEIGHT, &mut codes);
        if let Some(description) = &def.description {
            // Words only: a code mentioned in passing in the description is not this symptom's.
            let mut ignored = BTreeSet::new();
            add(description, DESCRIPTION_WEIGHT, &mut ignored);
        }
        let aliases: Vec<String> = def.aliases.iter().map(|a| normalise(a)).collect();
        let mut phrases = aliases.clone();
        phrases.push(normalise(&def.title));
        Entry {
            id,
            name: def.name.clone(),
            title: def.title.clone(),
            codes,
            phrases,
            aliases,
            words,
        }
    }

    /// The symptom's word that `word` matches, and its weight: exact, else a prefix (at least
    /// 3 letters typed), else one edit away (two for long words) from a word of its title,
    /// aliases or name.
    fn match_word(&self, word: &str) -> Option<(String, f64)> {
        if let Some(weight) = self.words.get(word) {
            return Some((word.to_string(), *weight));
        }
        let length = word.chars().count();
        let mut best: Option<(String, f64)> = None;
        let mut consider = |found: &String, weight: f64| {
            if best.as_ref().is_none_or(|(_, w)| weight > *w) {
                best = Some((found.clone(), weight));
            }
        };
        for (candidate, weight) in &self.words {
            if length >= 3 && candidate.starts_with(word) {
                consider(candidate, weight * PREFIX_FACTOR);
            } else if length >= 5 && *weight > DESCRIPTION_WEIGHT {
                // Typos are forgiven against the words people type (titles, aliases, names),
                // not against every word of a description: "printer" is one letter from the
                // "pointer" of a black-screen article, and means something else.
                let allowed = if length >= 8 { 2 } else { 1 };
                if strsim::damerau_levenshtein(word, candidate) <= allowed {
                    consider(candidate, weight * TYPO_FACTOR);
                }
            }
        }
        best
    }
}

/// Ints the condition requires a fact to equal: the codes that identify the symptom.
fn collect_codes(condition: &Condition, codes: &mut BTreeSet<i64>) {
    match condition {
        Condition::All(cs) | Condition::Any(cs) => {
            for c in cs {
                collect_codes(c, codes);
            }
        }
        Condition::Compare { op: CompareOp::Eq, value: Value::Int(code), .. } => {
            codes.insert(*code);
        }
        Condition::OneOf { values, .. } => {
            codes.extend(values.iter().filter_map(|v| match v {
                Value::Int(code) => Some(*code),
                _ => None,
            }));
        }
        Condition::Not(_)
        | Condition::IsTrue(_)
        | Condition::Unknown(_)
        | Condition::Compare { .. } => {}
    }
}

/// The codes a typed token can stand for: `0x904` is hex; `904` may be hex without its prefix
/// or decimal; `112f` is hex. Short digit runs ("7", "10") are words, not codes.
fn code_readings(token: &str) -> Option<Vec<i64>> {
    if let Some(hex) = token.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(|c| vec![c]);
    }
    if token.len() < 3 || !token.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    if !token.chars().any(|c| c.is_ascii_digit()) {
        // "face", "bad": words that happen to be hex.
        return None;
    }
    let mut readings = Vec::new();
    if let Ok(hex) = i64::from_str_radix(token, 16) {
        readings.push(hex);
    }
    if let Ok(decimal) = token.parse::<i64>() {
        readings.push(decimal);
    }
    Some(readings)
}

/// A token that reads as a code ("0x904", "2308", "112f") rather than a word.
fn is_code_like(token: &str) -> bool {
    token.starts_with("0x") && token.len() > 2 || code_readings(token).is_some()
}

/// Lower case, typographic apostrophes and quotes folded, whitespace collapsed.
fn normalise(text: &str) -> String {
    let folded: String = text
        .chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{201B}' | '`' => '\'',
            '\u{201C}' | '\u{201D}' => '"',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Words: runs of letters and digits ("can't" gives "can" and "t"; "0x904" stays one).
fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        let text = r#"
fact error_code: int { ask "code?" }
fact message: enum [cert, other] { ask "message?" }
symptom rdp_0x904 {
  title "Remote Desktop fails with error code 0x904, extended error code 0x7"
  when error_code == 0x904
  aliases "socket closed", "An internal error has occurred"
}
symptom rdp_0x204 {
  title "Remote Desktop can't connect to the remote computer (error code 0x204)"
  when error_code == 0x204
  aliases "Windows Sockets connect failed"
}
symptom rdp_cert {
  title "Remote Desktop certificate expired"
  description "The certificate the server presents has expired."
  when message == cert
}
cause c {
  title "C"
  explains rdp_0x904: 0.5, rdp_0x204: 0.5, rdp_cert: 0.5
}
"#;
        let kb = triage_rules::load_text("t.kb", text);
        assert!(kb.diagnostics.iter().all(|d| !d.is_error()), "{:?}", kb.diagnostics);
        kb.model.expect("model")
    }

    fn top(model: &Model, query: &str) -> Option<String> {
        search(model, query).first().map(|h| h.symptom.clone())
    }

    #[test]
    fn codes_in_every_form_find_the_symptom() {
        let model = model();
        for query in ["0x904", "904", "2308", "error code 0x904", "0X904", "extended error 0x7"] {
            assert_eq!(top(&model, query).as_deref(), Some("rdp_0x904"), "{query}");
        }
        assert_eq!(top(&model, "0x204").as_deref(), Some("rdp_0x204"));
        assert_eq!(resolve(&model, "2308").ok(), Some(SymptomId(0)));
    }

    #[test]
    fn aliases_words_prefixes_and_typos_find_the_symptom() {
        let model = model();
        assert_eq!(top(&model, "Socket closed").as_deref(), Some("rdp_0x904"));
        assert_eq!(top(&model, "an internal error has occurred").as_deref(), Some("rdp_0x904"));
        assert_eq!(top(&model, "certificate").as_deref(), Some("rdp_cert"));
        assert_eq!(top(&model, "certif").as_deref(), Some("rdp_cert"));
        assert_eq!(top(&model, "sertificate expird").as_deref(), Some("rdp_cert"));
        assert_eq!(top(&model, "sockets connect").as_deref(), Some("rdp_0x204"));
        let hit = &search(&model, "0x904")[0];
        assert!(hit.matched.iter().any(|m| m == "code 0x904"), "{:?}", hit.matched);
        // One digit away from 0x904 is another code, not a typo.
        assert_eq!(search(&model, "0x904").len(), 1);
    }

    #[test]
    fn unrelated_queries_find_nothing_and_ties_are_ambiguous() {
        let model = model();
        assert!(search(&model, "printer jam").is_empty());
        assert!(search(&model, "").is_empty());
        assert!(matches!(resolve(&model, "printer"), Err(ResolveError::NoMatch { .. })));
        // "remote desktop" is in every title: no clear winner.
        assert!(matches!(resolve(&model, "remote desktop"), Err(ResolveError::Ambiguous { .. })));
        assert_eq!(resolve(&model, "rdp_cert").ok(), Some(SymptomId(2)));
    }

    proptest::proptest! {
        /// Whatever is typed — codes, words, punctuation, any script — search answers without
        /// panicking, best first, and `resolve` names the best hit or says why it cannot.
        #[test]
        fn any_query_is_answered_best_first(query in "(0x[0-9a-fA-F]{1,8}|[0-9]{1,6}|\\PC{0,24}| ){0,6}") {
            let model = model();
            let index = SearchIndex::new(&model);
            let hits = index.search(&query);
            for pair in hits.windows(2) {
                proptest::prop_assert!(pair[0].score >= pair[1].score);
            }
            for hit in &hits {
                proptest::prop_assert!(hit.score > 0.0 && !hit.matched.is_empty());
            }
            match index.resolve(&query) {
                Ok(id) => proptest::prop_assert!(
                    model.symptom(id).name == query.trim() || hits.first().map(|h| h.id) == Some(id)
                ),
                Err(ResolveError::NoMatch { .. }) => proptest::prop_assert!(hits.is_empty()),
                Err(ResolveError::Ambiguous { hits: listed, .. }) => {
                    proptest::prop_assert!(listed.len() >= 2);
                }
            }
        }
    }
}
