//! Finding a symptom from what a person types — an error code in any of the forms clients show
//! it ("0x904", "904", its decimal 2308 as event 1026 logs it), an alias (the dialog text), or
//! words of the title — and saying so when nothing fits well, rather than offering whatever
//! shares a word with the query.
//!
//! What counts, read the way a support engineer reads a ticket:
//! - **Whole words.** "black" is not "block", "working" is not "works". Two exceptions, both
//!   only against the words of a title, an alias or the name (the words people type, not every
//!   word of a description): a word of 6 letters or more one typo away (a letter added, dropped
//!   or changed, or two swapped: "sertificate", "expird"), and a word of 6 letters or more that
//!   begins a word of 8 or more, at most twice as long ("certif", "authent"). Shorter words must
//!   be whole: a short word that begins a long one is usually another word ("free" is not
//!   "freeze", "port" is not "portal", "work" is not "working").
//! - **Known synonyms** ([`SYNONYMS`]), general IT words only: sign in / log on / login, cert /
//!   certificate, pwd / password, freeze / frozen / hang, black / blank screen, RDP / remote
//!   desktop, can't / cannot. The query and the symptoms' text are both read through the table,
//!   so a word matches its synonyms wherever they are written. What is particular to a knowledge
//!   base comes from it: its aliases (the messages as the dialogs write them) match as phrases.
//! - **Words that tell nothing are left out**: one-letter tokens, stop words ("the", "it",
//!   "error"), and words that most symptoms of the knowledge base have in their title, aliases
//!   or name (more than half of them, and at least 3): in the Remote Desktop knowledge base
//!   "remote desktop" is in every title, so the query "remote desktop" fits nothing.
//! - **A symptom fits** when the query is its name, has one of its codes, equals its title or
//!   one of its aliases, contains one of them whole (2 words or more, one of which tells
//!   symptoms apart), is written whole in one of them (2 words or more, one of which is not a
//!   stop word: "can't connect"), or has at least half of its remaining words among the
//!   symptom's words.
//!   Otherwise it is no hit; [`SearchIndex::miss`] says why and which symptoms came closest.
//! - **One line per symptom, no echoes**: a hit matched by words only, whose words are a strict
//!   subset of another hit's, is dropped, and so is a hit scoring under a quarter of the best:
//!   "it stopped working" finds the symptom titled "stopped working", not also every symptom
//!   with "not working" in an alias.
//!
//! Scoring, highest first: the symptom's name (100); each code (20): ints the symptom's
//! condition compares a fact with and hex codes written in its name, title and aliases, matched
//! in hex with or without `0x` or in decimal, never fuzzily ("0x904" is not a typo of "0x204");
//! the title or an alias equal to the query (12) or a phrase of one inside the other (6); then
//! each word by where it was found (title, alias or name, description) and by how rare it is
//! across the symptoms, a typo or an abbreviation counting for less.
//!
//! Not done: stemming (a synonym group says when two forms are the same word), fuzzy codes, and
//! weighing symptoms by how common they are — that is the engine's job once one is chosen.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::LazyLock;

use serde::Serialize;
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

/// Why nothing fits a query well, and what came closest.
#[derive(Debug, Clone)]
pub struct Miss {
    pub reason: MissReason,
    /// Symptoms with some of the query's words but not enough of them, best first.
    pub near: Vec<SearchHit>,
}

/// What was wrong with a query that fits no symptom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MissReason {
    /// Only one-letter words and words like "the": nothing to search for.
    NoWords,
    /// Only words that most symptoms have, as typed ("remote desktop" in a Remote Desktop
    /// knowledge base).
    CommonWords(Vec<String>),
    /// Codes no symptom has, as typed.
    UnknownCodes(Vec<String>),
    /// No symptom has at least half of the words that tell symptoms apart (as typed).
    TooFewWords(Vec<String>),
}

impl fmt::Display for MissReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quoted = |words: &[String]| {
            words.iter().map(|w| format!("“{w}”")).collect::<Vec<_>>().join(", ")
        };
        match self {
            MissReason::NoWords => f.write_str(
                "it has no word to search for (one-letter words and words like “the” are left out)",
            ),
            MissReason::CommonWords(words) if words.len() == 1 => {
                write!(f, "{} is in most of its symptoms and tells none apart", quoted(words))
            }
            MissReason::CommonWords(words) => {
                write!(f, "{} are in most of its symptoms and tell none apart", quoted(words))
            }
            MissReason::UnknownCodes(codes) if codes.len() == 1 => {
                write!(f, "no symptom has the code {}", codes.join(", "))
            }
            MissReason::UnknownCodes(codes) => {
                write!(f, "no symptom has any of the codes {}", codes.join(", "))
            }
            MissReason::TooFewWords(words) if words.len() == 1 => {
                write!(f, "no symptom has the word {}", quoted(words))
            }
            MissReason::TooFewWords(words) => {
                write!(f, "no symptom has at least half of the words {}", quoted(words))
            }
        }
    }
}

/// Why a query does not name one symptom.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ResolveError {
    #[error("nothing in this knowledge base fits “{query}” well: {}", .miss.reason)]
    NoMatch { query: String, miss: Miss },
    #[error("“{query}” fits several symptoms equally well: {}", names(.hits))]
    Ambiguous { query: String, hits: Vec<SearchHit> },
}

fn names(hits: &[SearchHit]) -> String {
    hits.iter().map(|h| h.symptom.as_str()).collect::<Vec<_>>().join(", ")
}

const NAME_SCORE: f64 = 100.0;
const CODE_SCORE: f64 = 20.0;
const EQUAL_SCORE: f64 = 12.0;
const PHRASE_SCORE: f64 = 6.0;
/// How much a word counts by where it was found.
const TITLE_WEIGHT: f64 = 3.0;
const ALIAS_WEIGHT: f64 = 2.0;
const NAME_WEIGHT: f64 = 2.0;
const DESCRIPTION_WEIGHT: f64 = 1.0;
const PREFIX_FACTOR: f64 = 0.6;
const TYPO_FACTOR: f64 = 0.5;
/// The shortest word forgiven a typo or matched as the beginning of a longer word.
const FUZZY_LETTERS: usize = 6;
/// The shortest word a typed beginning may stand for.
const ABBREVIATED_LETTERS: usize = 8;
/// Hits scoring below this share of the best are dropped (also when the hits of several
/// knowledge bases are put together).
pub const WEAK_HIT: f64 = 0.25;
/// A best hit this many times the second's score is taken as the answer by [`SearchIndex::resolve`].
const CLEAR_LEAD: f64 = 1.5;
/// At most this many symptoms are offered as a choice, or named as near misses.
const CHOICES: usize = 5;
const NEAR_MISSES: usize = 3;

/// Words that carry no meaning for the search: English function words, and "error" and "code",
/// which every report has.
const STOP_WORDS: &[&str] = &[
    "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
    "been", "before", "but", "by", "can", "cannot", "cant", "code", "could", "did", "do", "does",
    "during", "error", "for", "from", "get", "gets", "got", "had", "has", "have", "how", "if",
    "in", "into", "is", "it", "its", "just", "me", "my", "no", "not", "now", "of", "on", "or",
    "our", "since", "so", "some", "still", "than", "that", "the", "then", "there", "these", "they",
    "this", "to", "too", "until", "up", "very", "was", "we", "were", "what", "when", "where",
    "which", "while", "who", "why", "will", "with", "would", "you", "your",
];

/// Words left out when phrases are compared ("can't find the computer" is "can't find
/// computer"); negations and the other stop words stay, they change what a message says.
const PHRASE_FILLERS: &[&str] = &["a", "an", "the"];

/// Known synonyms, general IT words: each group is read as its first member, in the query and
/// in the symptoms' text alike, so "sign in", "log on" and "logon" all match "login". A member
/// may be several words ("remote desktop"); a group may be one word's forms that a person uses
/// interchangeably ("freezes", "frozen"), but not a stemmer — "work" and "working" stay apart.
#[rustfmt::skip]
pub const SYNONYMS: &[&[&str]] = &[
    &["login", "logon", "signin", "sign in", "log in", "log on", "logged in", "logged on", "signed in"],
    &["logoff", "logout", "signout", "sign out", "log off", "log out", "logged off", "logged out", "signed out"],
    &["password", "passwd", "pwd"],
    &["certificate", "cert", "certs"],
    &["freeze", "freezes", "frozen", "freezing", "froze", "hang", "hangs", "hanging", "hung",
      "not responding", "unresponsive"],
    &["black screen", "blank screen", "black window", "blank window"],
    &["disconnect", "disconnects", "disconnected", "disconnecting", "disconnection"],
    &["expired", "expire", "expires", "expiry", "expiration"],
    &["update", "updates", "updated", "patch", "patches", "patched", "upgrade", "upgrades", "upgraded"],
    &["computer", "pc"],
    &["rdp", "remote desktop"],
    &["vpn", "virtual private network"],
    &["cannot", "can t", "cant", "can not", "unable to", "couldn t", "couldnt", "could not"],
    &["not", "doesn t", "doesnt", "does not", "don t", "dont", "do not", "didn t", "didnt", "did not",
      "isn t", "isnt", "is not", "won t", "wont", "will not"],
];

/// The searchable text of every symptom of a model, built once.
#[derive(Debug)]
pub struct SearchIndex {
    entries: Vec<Entry>,
    /// In how many symptoms each word occurs.
    document_frequency: HashMap<String, usize>,
    /// In how many symptoms each word occurs in the title, an alias or the name: the words
    /// people see, which decide whether a word is common.
    title_frequency: HashMap<String, usize>,
}

#[derive(Debug)]
struct Entry {
    id: SymptomId,
    name: String,
    title: String,
    codes: BTreeSet<i64>,
    /// The title, then the aliases, for phrase matches.
    phrases: Vec<Phrase>,
    /// Each distinct word with the best weight of the places it occurs.
    words: HashMap<String, Word>,
}

#[derive(Debug)]
struct Phrase {
    /// As the author wrote it, for "matched".
    text: String,
    alias: bool,
    /// Its words as compared: synonyms read as their group, fillers left out.
    words: Vec<String>,
}

#[derive(Debug)]
struct Word {
    weight: f64,
    /// How the symptom writes it ("sign in" for `login`).
    written: String,
}

/// A word as the search compares it (its synonym group's first member), and what was written.
#[derive(Debug, Clone)]
struct Term {
    word: String,
    written: String,
}

/// A query taken apart.
struct Query {
    /// As typed, trimmed: compared with symptom names.
    trimmed: String,
    /// Its words for phrase comparison.
    phrase: Vec<String>,
    /// Each code typed, once, with the values it can stand for.
    codes: Vec<(String, Vec<i64>)>,
    /// Its meaningful words, each once.
    words: Vec<Term>,
}

/// A word of the query found in a symptom.
struct WordMatch {
    /// The symptom's word (its synonym group's first member).
    word: String,
    written: String,
    weight: f64,
    /// Found in the title, an alias or the name, not only in the description.
    in_title: bool,
}

/// One symptom's evidence for a query.
struct Scored {
    hit: SearchHit,
    /// Named, a code, or an alias or title given whole: fits whatever the words say.
    strong: bool,
    fits: bool,
    /// Which of the query's words that tell symptoms apart it has.
    words: BTreeSet<usize>,
}

/// Every symptom's evidence for one query.
struct Ranking {
    scored: Vec<Scored>,
    reason: MissReason,
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
        let mut title_frequency = HashMap::new();
        for entry in &entries {
            for (word, found) in &entry.words {
                *document_frequency.entry(word.clone()).or_insert(0) += 1;
                if found.weight > DESCRIPTION_WEIGHT {
                    *title_frequency.entry(word.clone()).or_insert(0) += 1;
                }
            }
        }
        SearchIndex { entries, document_frequency, title_frequency }
    }

    /// The symptoms `query` fits, best first; empty when nothing fits well ([`Self::miss`]
    /// says why).
    #[must_use]
    pub fn search(&self, query: &str) -> Vec<SearchHit> {
        let mut fitting: Vec<Scored> =
            self.rank(query).scored.into_iter().filter(|s| s.fits).collect();
        // Echoes: a hit with only some of the words another hit has says nothing new.
        let word_sets: Vec<BTreeSet<usize>> = fitting.iter().map(|s| s.words.clone()).collect();
        fitting.retain(|s| {
            s.strong
                || !word_sets.iter().any(|other| other.is_superset(&s.words) && *other != s.words)
        });
        let mut hits: Vec<SearchHit> = fitting.into_iter().map(|s| s.hit).collect();
        sort(&mut hits);
        if let Some(best) = hits.first().map(|h| h.score) {
            hits.retain(|h| h.score >= WEAK_HIT * best);
        }
        hits
    }

    /// Why `query` fits no symptom well, and the symptoms that came closest.
    #[must_use]
    pub fn miss(&self, query: &str) -> Miss {
        let ranking = self.rank(query);
        let mut near: Vec<SearchHit> = ranking
            .scored
            .into_iter()
            .filter(|s| !s.fits && !s.words.is_empty())
            .map(|s| s.hit)
            .collect();
        sort(&mut near);
        near.truncate(NEAR_MISSES);
        Miss { reason: ranking.reason, near }
    }

    /// The one symptom `query` names: its exact name, or the only hit, or a hit that leads the
    /// next one clearly. Several hits close to the best are [`ResolveError::Ambiguous`] (at
    /// most 5, those within reach of the best).
    pub fn resolve(&self, query: &str) -> Result<SymptomId, ResolveError> {
        if let Some(entry) = self.entries.iter().find(|e| e.name == query.trim()) {
            return Ok(entry.id);
        }
        let mut hits = self.search(query);
        match hits.as_slice() {
            [] => Err(ResolveError::NoMatch { query: query.to_string(), miss: self.miss(query) }),
            [only] => Ok(only.id),
            [first, second, ..] if first.score >= CLEAR_LEAD * second.score => Ok(first.id),
            [first, ..] => {
                let best = first.score;
                hits.retain(|h| h.score * CLEAR_LEAD > best);
                hits.truncate(CHOICES);
                Err(ResolveError::Ambiguous { query: query.to_string(), hits })
            }
        }
    }

    /// Every symptom's evidence for `query`, and what to say if none fits.
    fn rank(&self, query: &str) -> Ranking {
        let query = Query::new(query);
        let count = self.entries.len();
        // What each word of the query matches in each symptom; a word that most symptoms have
        // in their titles, aliases or names tells none apart and is left out.
        let found: Vec<Vec<Option<WordMatch>>> = query
            .words
            .iter()
            .map(|term| self.entries.iter().map(|e| e.match_word(&term.word)).collect())
            .collect();
        let telling: Vec<usize> = (0..query.words.len())
            .filter(|&i| {
                !is_common(found[i].iter().flatten().filter(|m| m.in_title).count(), count)
            })
            .collect();
        let scored = self
            .entries
            .iter()
            .enumerate()
            .map(|(e, entry)| self.score(&query, entry, &telling, |i| found[i][e].as_ref()))
            .collect();
        let reason = if !query.codes.is_empty() {
            MissReason::UnknownCodes(query.codes.iter().map(|(t, _)| t.clone()).collect())
        } else if query.words.is_empty() {
            MissReason::NoWords
        } else if telling.is_empty() {
            MissReason::CommonWords(query.words.iter().map(|t| t.written.clone()).collect())
        } else {
            MissReason::TooFewWords(
                telling.iter().map(|&i| query.words[i].written.clone()).collect(),
            )
        };
        Ranking { scored, reason }
    }

    fn score<'a>(
        &self,
        query: &Query,
        entry: &Entry,
        telling: &[usize],
        found: impl Fn(usize) -> Option<&'a WordMatch>,
    ) -> Scored {
        let mut score = 0.0;
        let mut matched = Vec::new();
        let mut strong = false;
        let mut in_phrase = false;
        if entry.name == query.trimmed {
            score += NAME_SCORE;
            matched.push("name".to_string());
            strong = true;
        }
        for (token, readings) in &query.codes {
            if let Some(code) = readings.iter().find(|c| entry.codes.contains(c)) {
                score += CODE_SCORE;
                strong = true;
                matched.push(if token.starts_with("0x") {
                    format!("code {token}")
                } else {
                    format!("code {token} (0x{code:x})")
                });
            }
        }
        let kind = |p: &Phrase| if p.alias { "alias" } else { "title" };
        if let Some(equal) =
            entry.phrases.iter().find(|p| !query.phrase.is_empty() && p.words == query.phrase)
        {
            score += EQUAL_SCORE;
            strong = true;
            matched.push(format!("{} “{}”", kind(equal), equal.text));
        } else if let Some(whole) = entry.phrases.iter().find(|p| {
            p.words.len() >= 2 && self.tells_apart(&p.words) && contains(&query.phrase, &p.words)
        }) {
            score += PHRASE_SCORE;
            strong = true;
            matched.push(format!("{} “{}”", kind(whole), whole.text));
        } else if query.phrase.len() >= 2
            && !query.words.is_empty()
            && let Some(around) = entry
                .phrases
                .iter()
                .filter(|p| contains(&p.words, &query.phrase))
                .min_by_key(|p| p.words.len())
        {
            // The words typed as the dialog writes them, even common ones: "can't connect".
            score += PHRASE_SCORE;
            in_phrase = true;
            matched.push(format!("{} “{}”", kind(around), around.text));
        }
        let count = f64::from(self.entries.len().max(1) as u32);
        let mut words = BTreeSet::new();
        let mut shown: Vec<String> = Vec::new();
        for &i in telling {
            let Some(found) = found(i) else { continue };
            let df = self.document_frequency.get(&found.word).copied().unwrap_or(1).max(1);
            score += found.weight * (1.0 + count / f64::from(df as u32)).ln();
            words.insert(i);
            let typed = &query.words[i].written;
            let label = if found.written == *typed {
                found.written.clone()
            } else {
                format!("{} ({typed})", found.written)
            };
            if !shown.contains(&label) {
                shown.push(label);
            }
        }
        if !shown.is_empty() {
            matched.push(format!("words: {}", shown.join(", ")));
        }
        let fits = strong || in_phrase || (!words.is_empty() && 2 * words.len() >= telling.len());
        Scored {
            hit: SearchHit {
                id: entry.id,
                symptom: entry.name.clone(),
                title: entry.title.clone(),
                score,
                matched,
            },
            strong,
            fits,
            words,
        }
    }

    /// Whether a phrase has a word that tells symptoms apart (a code, or a meaningful word
    /// that most symptoms do not have).
    fn tells_apart(&self, words: &[String]) -> bool {
        words.iter().any(|w| {
            is_code_like(w)
                || is_meaningful(w)
                    && !is_common(
                        self.title_frequency.get(w).copied().unwrap_or(0),
                        self.entries.len(),
                    )
        })
    }
}

/// Best first, then by name: the same query always lists the same way.
fn sort(hits: &mut [SearchHit]) {
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.symptom.cmp(&b.symptom)));
}

/// A word found in more than half of the symptoms (and in at least 3) tells them apart no
/// better than nothing.
fn is_common(in_symptoms: usize, symptoms: usize) -> bool {
    in_symptoms >= 3 && 2 * in_symptoms > symptoms
}

/// Whether `needle` occurs in `haystack` as consecutive words.
fn contains(haystack: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
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

impl Query {
    fn new(query: &str) -> Self {
        let terms = terms(query);
        let mut codes: Vec<(String, Vec<i64>)> = Vec::new();
        let mut words: Vec<Term> = Vec::new();
        for term in &terms {
            if let Some(readings) = code_readings(&term.word) {
                if !codes.iter().any(|(t, _)| *t == term.word) {
                    codes.push((term.word.clone(), readings));
                }
            } else if is_meaningful(&term.word) && !words.iter().any(|w| w.word == term.word) {
                words.push(term.clone());
            }
        }
        Query { trimmed: query.trim().to_string(), phrase: phrase_words(&terms), codes, words }
    }
}

impl Entry {
    fn new(id: SymptomId, def: &SymptomDef) -> Self {
        let mut codes = BTreeSet::new();
        collect_codes(&def.condition, &mut codes);
        let mut words: HashMap<String, Word> = HashMap::new();
        let mut phrases = Vec::new();
        let mut add = |terms: &[Term], weight: f64| {
            for term in terms.iter().filter(|t| is_meaningful(&t.word)) {
                let word = words
                    .entry(term.word.clone())
                    .or_insert_with(|| Word { weight, written: term.written.clone() });
                if weight > word.weight {
                    *word = Word { weight, written: term.written.clone() };
                }
            }
        };
        let title = terms(&def.title);
        add(&title, TITLE_WEIGHT);
        codes.extend(written_codes(&title));
        phrases.push(Phrase { text: def.title.clone(), alias: false, words: phrase_words(&title) });
        for alias in &def.aliases {
            let alias_terms = terms(alias);
            add(&alias_terms, ALIAS_WEIGHT);
            codes.extend(written_codes(&alias_terms));
            phrases.push(Phrase {
                text: alias.clone(),
                alias: true,
                words: phrase_words(&alias_terms),
            });
        }
        let name = terms(&def.name.replace('_', " "));
        add(&name, NAME_WEIGHT);
        codes.extend(written_codes(&name));
        if let Some(description) = &def.description {
            // Words only: a code mentioned in passing in the description is not this symptom's.
            add(&terms(description), DESCRIPTION_WEIGHT);
        }
        Entry { id, name: def.name.clone(), title: def.title.clone(), codes, phrases, words }
    }

    /// The symptom's word that `word` (a synonym group's first member) matches, with its
    /// weight: the same word; else, for a word of 6 letters or more and against the words of
    /// the title, aliases or name only, the beginning of a word of 8 letters or more at most
    /// twice as long, or one typo away. Typos are not forgiven against descriptions: "printer"
    /// is one letter from the "pointer" of a black-screen article and means something else.
    fn match_word(&self, word: &str) -> Option<WordMatch> {
        if let Some((found, w)) = self.words.get_key_value(word) {
            return Some(WordMatch {
                word: found.clone(),
                written: w.written.clone(),
                weight: w.weight,
                in_title: w.weight > DESCRIPTION_WEIGHT,
            });
        }
        let length = word.chars().count();
        if length < FUZZY_LETTERS {
            return None;
        }
        let mut best: Option<WordMatch> = None;
        for (candidate, w) in &self.words {
            if w.weight <= DESCRIPTION_WEIGHT {
                continue;
            }
            let candidate_length = candidate.chars().count();
            let factor = if candidate_length >= ABBREVIATED_LETTERS
                && candidate_length <= 2 * length
                && candidate.starts_with(word)
            {
                PREFIX_FACTOR
            } else if strsim::damerau_levenshtein(word, candidate) == 1 {
                TYPO_FACTOR
            } else {
                continue;
            };
            let weight = w.weight * factor;
            // Ties go to the first word in alphabetical order, so the answer does not depend on
            // the order of a hash map.
            let better = best
                .as_ref()
                .is_none_or(|b| weight.total_cmp(&b.weight).then(b.word.cmp(candidate)).is_gt());
            if better {
                best = Some(WordMatch {
                    word: candidate.clone(),
                    written: w.written.clone(),
                    weight,
                    in_title: true,
                });
            }
        }
        best
    }
}

/// Hex codes written in a title, an alias or the name ("error code 0x904").
fn written_codes(terms: &[Term]) -> impl Iterator<Item = i64> + '_ {
    terms
        .iter()
        .filter_map(|t| t.word.strip_prefix("0x").and_then(|hex| i64::from_str_radix(hex, 16).ok()))
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

/// A word that can tell symptoms apart: two letters or more, not a stop word, not a code.
fn is_meaningful(word: &str) -> bool {
    word.chars().count() > 1 && !STOP_WORDS.contains(&word) && !is_code_like(word)
}

/// The words of a phrase as phrases are compared: one-letter tokens and fillers left out.
fn phrase_words(terms: &[Term]) -> Vec<String> {
    terms
        .iter()
        .filter(|t| t.word.chars().count() > 1 && !PHRASE_FILLERS.contains(&t.word.as_str()))
        .map(|t| t.word.clone())
        .collect()
}

/// Synonym rewrites by the first word of the phrase they replace, longest first: the words of
/// a member, and the words of its group's first member.
type Rewrites = HashMap<&'static str, Vec<(Vec<&'static str>, Vec<&'static str>)>>;

static REWRITES: LazyLock<Rewrites> = LazyLock::new(|| {
    let mut rewrites: Rewrites = HashMap::new();
    for group in SYNONYMS {
        let Some(first) = group.first() else { continue };
        let to: Vec<&str> = first.split(' ').collect();
        for member in *group {
            let from: Vec<&str> = member.split(' ').collect();
            if let Some(head) = from.first() {
                rewrites.entry(head).or_default().push((from.clone(), to.clone()));
            }
        }
    }
    for list in rewrites.values_mut() {
        list.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    }
    rewrites
});

/// The words of a text as the search compares them: lower case, synonyms read as their
/// group's first member, each with what was written.
fn terms(text: &str) -> Vec<Term> {
    let tokens: Vec<String> = tokens(&normalise(text)).collect();
    let mut terms = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let rest = &tokens[i..];
        let rewrite = REWRITES.get(rest[0].as_str()).and_then(|list| {
            list.iter().find(|(from, _)| {
                from.len() <= rest.len() && from.iter().zip(rest).all(|(a, b)| *a == b.as_str())
            })
        });
        match rewrite {
            Some((from, to)) => {
                let written = rest[..from.len()].join(" ");
                for (k, word) in to.iter().enumerate() {
                    // "blank screen" read as "black screen": "blank" stands for "black".
                    let written =
                        if from.len() == to.len() { rest[k].clone() } else { written.clone() };
                    terms.push(Term { word: (*word).to_string(), written });
                }
                i += from.len();
            }
            None => {
                terms.push(Term { word: rest[0].clone(), written: rest[0].clone() });
                i += 1;
            }
        }
    }
    terms
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

    /// The Remote Desktop knowledge base the binary embeds.
    fn rdp() -> &'static SearchIndex {
        static INDEX: LazyLock<SearchIndex> = LazyLock::new(|| {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../knowledge/rdp");
            let kb = triage_rules::load_paths(&[dir]);
            assert!(kb.diagnostics.iter().all(|d| !d.is_error()), "{:?}", kb.diagnostics);
            SearchIndex::new(&kb.model.expect("model"))
        });
        &INDEX
    }

    fn top(model: &Model, query: &str) -> Option<String> {
        search(model, query).first().map(|h| h.symptom.clone())
    }

    fn found(query: &str) -> Vec<String> {
        rdp().search(query).into_iter().map(|h| h.symptom).collect()
    }

    fn resolved(query: &str) -> Option<String> {
        let id = rdp().resolve(query).ok()?;
        rdp().entries.iter().find(|e| e.id == id).map(|e| e.name.clone())
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
    fn aliases_words_abbreviations_and_long_typos_find_the_symptom() {
        let model = model();
        assert_eq!(top(&model, "Socket closed").as_deref(), Some("rdp_0x904"));
        assert_eq!(top(&model, "an internal error has occurred").as_deref(), Some("rdp_0x904"));
        assert_eq!(top(&model, "certificate").as_deref(), Some("rdp_cert"));
        assert_eq!(top(&model, "cert expired").as_deref(), Some("rdp_cert"), "a synonym");
        assert_eq!(top(&model, "certif").as_deref(), Some("rdp_cert"), "an abbreviation");
        assert_eq!(top(&model, "sertificate expird").as_deref(), Some("rdp_cert"), "typos");
        assert_eq!(top(&model, "sockets connect").as_deref(), Some("rdp_0x204"));
        let hit = &search(&model, "0x904")[0];
        assert!(hit.matched.iter().any(|m| m == "code 0x904"), "{:?}", hit.matched);
        // One digit away from 0x904 is another code, not a typo.
        assert_eq!(search(&model, "0x904").len(), 1);
    }

    #[test]
    fn unrelated_and_common_words_find_nothing() {
        let model = model();
        let index = SearchIndex::new(&model);
        assert!(index.search("printer jam").is_empty());
        assert!(index.search("").is_empty());
        assert!(matches!(resolve(&model, "printer"), Err(ResolveError::NoMatch { .. })));
        // "remote desktop" is in every title: it tells no symptom apart.
        assert!(index.search("remote desktop").is_empty());
        assert_eq!(
            index.miss("remote desktop").reason,
            MissReason::CommonWords(vec!["remote desktop".into()])
        );
        assert_eq!(index.miss("0x999").reason, MissReason::UnknownCodes(vec!["0x999".into()]));
        assert_eq!(resolve(&model, "rdp_cert").ok(), Some(SymptomId(2)));
    }

    #[test]
    fn rdp_black_screen_is_the_black_screen_not_a_block() {
        assert_eq!(found("black screen"), ["rdp_black_or_frozen_screen"]);
        assert_eq!(resolved("black screen").as_deref(), Some("rdp_black_or_frozen_screen"));
        for hit in rdp().search("black screen") {
            assert!(hit.matched.iter().all(|m| !m.contains("block")), "{:?}", hit.matched);
        }
        assert!(!found("block").contains(&"rdp_black_or_frozen_screen".to_string()));
        // Synonyms: the same symptom by the words people use for it.
        for query in ["blank screen", "rdp session frozen", "remote desktop hangs", "RDP freezes"] {
            assert_eq!(resolved(query).as_deref(), Some("rdp_black_or_frozen_screen"), "{query}");
        }
    }

    #[test]
    fn rdp_unrelated_words_find_nothing() {
        assert!(found("printer jam").is_empty());
        assert_eq!(
            rdp().miss("printer jam").reason,
            MissReason::TooFewWords(vec!["printer".into(), "jam".into()])
        );
        assert!(rdp().miss("printer jam").near.is_empty());
        for query in ["a", "the", "it", "a the of", "", "  "] {
            assert!(found(query).is_empty(), "{query}");
            assert_eq!(rdp().miss(query).reason, MissReason::NoWords, "{query}");
        }
    }

    #[test]
    fn rdp_it_stopped_working_is_only_the_symptom_that_says_so() {
        let hits = rdp().search("it stopped working");
        assert!(
            hits.iter().all(|h| h.symptom == "rdp_stopped_after_update"),
            "{:?}",
            hits.iter().map(|h| &h.symptom).collect::<Vec<_>>()
        );
        // Only a whole-word match: the title says "stopped working".
        for hit in &hits {
            assert!(
                hit.matched.iter().any(|m| m == "words: stopped, working"),
                "{:?}",
                hit.matched
            );
        }
        // "works" is not "working": the descriptions that say "works" are found, not this title.
        assert!(!found("works").contains(&"rdp_stopped_after_update".to_string()));
    }

    #[test]
    fn rdp_codes_and_messages_find_their_symptom() {
        for query in
            ["0x904", "904", "2308", "socket closed", "error code 0x904 extended error 0x7"]
        {
            assert_eq!(resolved(query).as_deref(), Some("rdp_0x904_0x7"), "{query}");
            assert_eq!(found(query), ["rdp_0x904_0x7"], "{query}");
        }
        for query in ["credentials did not work", "your credentials didn't work", "RDP wrong pwd"] {
            assert_eq!(resolved(query).as_deref(), Some("rdp_credentials_rejected"), "{query}");
        }
        for query in
            ["cant find computer", "can't find the computer", "Remote Desktop can’t find the PC"]
        {
            assert_eq!(resolved(query).as_deref(), Some("rdp_cant_find_computer"), "{query}");
        }
        assert_eq!(
            resolved("not granted the right to log on").as_deref(),
            Some("rdp_no_logon_right")
        );
        assert_eq!(resolved("rdp sign in right").as_deref(), Some("rdp_no_logon_right"));
    }

    #[test]
    fn rdp_remote_desktop_alone_is_too_weak_to_resolve() {
        for query in ["remote desktop", "RDP", "remote desktop rdp"] {
            assert!(found(query).is_empty(), "{query}: {:?}", found(query));
            match rdp().resolve(query) {
                Err(ResolveError::NoMatch { miss, .. }) => {
                    assert!(matches!(miss.reason, MissReason::CommonWords(_)), "{query}");
                }
                other => panic!("{query}: {other:?}"),
            }
        }
    }

    #[test]
    fn rdp_a_phrase_several_dialogs_write_is_a_choice() {
        match rdp().resolve("can't connect") {
            Err(ResolveError::Ambiguous { hits, .. }) => {
                let names: Vec<&str> = hits.iter().map(|h| h.symptom.as_str()).collect();
                assert!(names.contains(&"rdp_0x204_connect_failed"), "{names:?}");
                assert!(names.contains(&"rdp_connection_failed_other"), "{names:?}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rdp_each_symptom_is_listed_once_with_each_reason_once() {
        for query in [
            "black screen",
            "remote desktop black screen freezes",
            "0x904 0x904 socket closed",
            "login login logon",
        ] {
            let hits = rdp().search(query);
            let names: BTreeSet<&str> = hits.iter().map(|h| h.symptom.as_str()).collect();
            assert_eq!(names.len(), hits.len(), "{query}");
            for hit in &hits {
                let reasons: BTreeSet<&String> = hit.matched.iter().collect();
                assert_eq!(reasons.len(), hit.matched.len(), "{query}: {:?}", hit.matched);
            }
        }
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
