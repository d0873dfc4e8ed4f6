//! A wizard session carried in the address: `kb=NAME` when it is not in the default knowledge
//! base, `symptom=NAME`, then the history in the order it
//! happened — `f.FACT=VALUE` for an answer, `skip=FACT` for "Don't know", `t.FACT=VALUE` for a
//! fact read from pasted text, each followed by `tq.FACT=WORDS`, the words it was read from —
//! and `end=1` once the person asks for the result. Nothing is kept on the server: "Back" is
//! the same address without its last entry (or without the facts of the last paste), and any
//! page can be bookmarked or shared.
//!
//! A submitted answer arrives as `q=FACT` with `a=VALUE` (repeated for a set) or `unknown=1`;
//! [`Session::parse`] keeps it apart as a [`Pending`] answer, which the page validates against
//! the fact's type before adding it to the history. Pasted text arrives in a form body
//! ([`form_fields`]); the facts the engine's text reader finds in it join the history with
//! [`Session::add_read`], and the text itself is never kept.
//!
//! Input is capped before anything else looks at it: the raw query length, the number of
//! fields and the length of each field.

use crate::error::WebError;
use triage_engine::extract::Extracted;
use triage_engine::{FactReader, FactSet};
use triage_rules::model::{FactId, FactType, Model, SymptomId};

/// The longest query string accepted (bytes).
pub const MAX_QUERY_BYTES: usize = 16 * 1024;
/// The most fields a query may have (the answers of a session are far fewer).
pub const MAX_FIELDS: usize = 256;
/// The longest field name or value (bytes): a person's answer, not a pasted log.
pub const MAX_FIELD_BYTES: usize = 1024;

/// The answer value that means "Don't know" (the radio button of that name).
pub const DONT_KNOW: &str = "?";

/// The form field that holds pasted text: the only field allowed to be as long as the body.
pub const TEXT_FIELD: &str = "text";
/// The most characters of a quote kept in the address (a match of a reworded dialog message
/// can be long; the address must stay well within [`MAX_QUERY_BYTES`]).
pub const MAX_QUOTE_CHARS: usize = 160;

/// One entry of the history.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// The person answered: the fact and the answer as typed.
    Answer { fact: FactId, text: String },
    /// Read from pasted text: the value as a fact file writes it, and the words of the text
    /// it was read from (one quote per member for a set).
    Read { fact: FactId, text: String, quotes: Vec<String> },
    /// The person could not answer: never asked again.
    Skip(FactId),
}

impl Entry {
    /// The fact the entry is about.
    #[must_use]
    pub fn fact(&self) -> FactId {
        match self {
            Entry::Answer { fact, .. } | Entry::Read { fact, .. } | Entry::Skip(fact) => *fact,
        }
    }
}

/// An answer just submitted, not yet checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub fact: FactId,
    /// The values submitted (several for a set; none when nothing was chosen).
    pub values: Vec<String>,
    /// "Don't know" was pressed.
    pub unknown: bool,
}

/// Where a wizard stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// The knowledge base (`kb=NAME`), `None` for the default. It is read first, on its own
    /// ([`kb_named`]), to choose the knowledge base whose reader reads the rest; whoever does
    /// so checks that it names one and drops it for the default.
    pub kb: Option<String>,
    /// The symptom asked about; `None` for a session that starts from nothing (the engine
    /// weighs every symptom and takes the one the answers show).
    pub symptom: Option<SymptomId>,
    pub history: Vec<Entry>,
    /// The person asked for the result now.
    pub end: bool,
    pub pending: Option<Pending>,
}

/// The fields of a query string, capped.
pub fn fields(query: Option<&str>) -> Result<Vec<(String, String)>, WebError> {
    let query = query.unwrap_or("");
    if query.len() > MAX_QUERY_BYTES {
        return Err(WebError::QueryTooLong { max: MAX_QUERY_BYTES });
    }
    Ok(capped_fields(query, false)?.0)
}

/// The fields of a form body (`application/x-www-form-urlencoded`) that carries pasted text:
/// the session's fields, capped as in an address, and the text (empty when there is none),
/// bounded only by the body's own limit. The body's size is the caller's to cap.
pub fn form_fields(body: &str) -> Result<(Vec<(String, String)>, String), WebError> {
    capped_fields(body, true)
}

fn capped_fields(
    input: &str,
    with_text: bool,
) -> Result<(Vec<(String, String)>, String), WebError> {
    let mut out = Vec::new();
    let mut text = String::new();
    for (key, value) in form_urlencoded::parse(input.as_bytes()) {
        if with_text && key == TEXT_FIELD {
            text.push_str(&value);
            continue;
        }
        if out.len() == MAX_FIELDS {
            return Err(WebError::TooManyFields { max: MAX_FIELDS });
        }
        if key.len() > MAX_FIELD_BYTES || value.len() > MAX_FIELD_BYTES {
            let field: String = key.chars().take(40).collect();
            return Err(WebError::FieldTooLong { field, max: MAX_FIELD_BYTES });
        }
        out.push((key.into_owned(), value.into_owned()));
    }
    Ok((out, text))
}

/// The knowledge base fields name with `kb=NAME` (the last one wins), if any.
#[must_use]
pub fn kb_named(fields: &[(String, String)]) -> Option<&str> {
    fields.iter().rev().find(|(k, _)| k == "kb").map(|(_, v)| v.as_str())
}

/// The symptom a name refers to, or a 404 with a "did you mean".
pub fn symptom_named(model: &Model, name: &str) -> Result<SymptomId, WebError> {
    model.symptom_id(name).ok_or_else(|| WebError::UnknownSymptom {
        name: name.to_string(),
        hint: triage_rules::diagnostic::did_you_mean(
            name,
            model.symptoms.iter().map(|s| s.name.as_str()),
        )
        .map(|c| format!("did you mean `{c}`?")),
    })
}

/// The fact a field names, or the reader's "unknown key" problem with its "did you mean".
fn fact_named(reader: &FactReader<'_>, name: &str) -> Result<FactId, WebError> {
    if let Some(id) = reader.model().fact_id(name) {
        return Ok(id);
    }
    let mut scratch = FactSet::unknown(reader.model());
    match reader.set_from_text(&mut scratch, name, "") {
        Err(problem) => Err(WebError::BadFact(problem)),
        Ok(()) => Err(WebError::Missing("fact")),
    }
}

impl Session {
    /// Reads a session from a query string.
    pub fn parse(reader: &FactReader<'_>, query: Option<&str>) -> Result<Session, WebError> {
        Session::from_fields(reader, fields(query)?)
    }

    /// Reads a session from fields already capped ([`fields`], [`form_fields`]).
    pub fn from_fields(
        reader: &FactReader<'_>,
        fields: Vec<(String, String)>,
    ) -> Result<Session, WebError> {
        let model = reader.model();
        let mut kb = None;
        let mut symptom = None;
        let mut history = Vec::new();
        let mut end = false;
        let mut question = None;
        let mut values = Vec::new();
        let mut unknown = false;
        for (key, value) in fields {
            match key.as_str() {
                "kb" => kb = Some(value),
                "symptom" => symptom = Some(symptom_named(model, &value)?),
                "skip" => history.push(Entry::Skip(fact_named(reader, &value)?)),
                "end" => end = value == "1",
                "q" => question = Some(fact_named(reader, &value)?),
                "a" => values.push(value),
                "unknown" => unknown = true,
                _ => {
                    if let Some(name) = key.strip_prefix("f.") {
                        let fact = fact_named(reader, name)?;
                        history.push(Entry::Answer { fact, text: value });
                    } else if let Some(name) = key.strip_prefix("t.") {
                        let fact = fact_named(reader, name)?;
                        history.push(Entry::Read { fact, text: value, quotes: Vec::new() });
                    } else if let Some(name) = key.strip_prefix("tq.") {
                        // The words belong to the latest fact read of that name; alone, they
                        // say nothing and are dropped.
                        let fact = fact_named(reader, name)?;
                        let read = history.iter_mut().rev().find_map(|e| match e {
                            Entry::Read { fact: f, quotes, .. } if *f == fact => Some(quotes),
                            _ => None,
                        });
                        if let Some(quotes) = read {
                            quotes.push(value);
                        }
                    }
                    // Other fields (a tracking parameter, a stray button name) carry no state.
                }
            }
        }
        let pending = question.map(|fact| Pending { fact, values, unknown });
        Ok(Session { kb, symptom, history, end, pending })
    }

    /// The facts of the history, each answer checked against its fact's type.
    pub fn facts(&self, reader: &FactReader<'_>) -> Result<FactSet, WebError> {
        let model = reader.model();
        let mut facts = FactSet::unknown(model);
        for entry in &self.history {
            if let Entry::Answer { fact, text } | Entry::Read { fact, text, .. } = entry {
                reader
                    .set_from_text(&mut facts, &model.fact(*fact).name, text.trim())
                    .map_err(WebError::BadFact)?;
            }
        }
        facts.symptom = self.symptom;
        Ok(facts)
    }

    /// How many questions the conversation has asked: the answers and the "don't know"s, not
    /// the facts read from a paste.
    #[must_use]
    pub fn asked(&self) -> usize {
        self.history.iter().filter(|e| !matches!(e, Entry::Read { .. })).count()
    }

    /// The facts the person could not answer.
    #[must_use]
    pub fn declined(&self) -> Vec<FactId> {
        self.history
            .iter()
            .filter_map(|e| match e {
                Entry::Skip(fact) => Some(*fact),
                Entry::Answer { .. } | Entry::Read { .. } => None,
            })
            .collect()
    }

    /// Adds the pending answer to the history after checking it: "Don't know" becomes a skip,
    /// a value must read as the fact's type.
    pub fn apply_pending(&mut self, reader: &FactReader<'_>) -> Result<(), WebError> {
        let Some(pending) = self.pending.take() else { return Ok(()) };
        if pending.unknown || pending.values.iter().any(|v| v.trim() == DONT_KNOW) {
            self.history.push(Entry::Skip(pending.fact));
            return Ok(());
        }
        let model = reader.model();
        let def = model.fact(pending.fact);
        let chosen: Vec<&str> =
            pending.values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()).collect();
        let text = match &def.ty {
            FactType::Set(_) => chosen.join(","),
            _ => chosen.last().map(ToString::to_string).unwrap_or_default(),
        };
        if text.is_empty() {
            self.pending = Some(pending);
            return Err(WebError::NoAnswer);
        }
        let mut scratch = FactSet::unknown(model);
        if let Err(problem) = reader.set_from_text(&mut scratch, &def.name, &text) {
            self.pending = Some(pending);
            return Err(WebError::BadFact(problem));
        }
        self.history.push(Entry::Answer { fact: pending.fact, text });
        Ok(())
    }

    /// The query string of this session (without any pending answer).
    #[must_use]
    pub fn query(&self, model: &Model) -> String {
        self.query_of(model, &self.history, self.end)
    }

    /// The query string one step back: the last entry undone (or the result page left). The
    /// facts of one paste are one step: they are undone together.
    #[must_use]
    pub fn back_query(&self, model: &Model) -> Option<String> {
        if self.end {
            return Some(self.query_of(model, &self.history, false));
        }
        let (last, earlier) = self.history.split_last()?;
        let kept = if matches!(last, Entry::Read { .. }) {
            earlier
                .iter()
                .rposition(|e| !matches!(e, Entry::Read { .. }))
                .map_or(0, |position| position + 1)
        } else {
            earlier.len()
        };
        Some(self.query_of(model, &self.history[..kept], false))
    }

    /// The query string without entry `index` (a fact read from text the person removes, so
    /// that the wizard asks it instead), back on the questions.
    #[must_use]
    pub fn without_query(&self, model: &Model, index: usize) -> String {
        let kept: Vec<Entry> = self
            .history
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != index)
            .map(|(_, e)| e.clone())
            .collect();
        self.query_of(model, &kept, false)
    }

    /// Adds the facts read from pasted text (as [`TextReader::read`] found them, in the order
    /// of the text) under what the session already knows: a fact answered or read before
    /// keeps its value, a fact the person could not answer takes the text's (its skip is
    /// dropped). The words each fact came from are kept, shortened, as long as the address
    /// stays within its limits. Returns how many facts were added.
    ///
    /// [`TextReader::read`]: triage_engine::extract::TextReader::read
    pub fn add_read(&mut self, model: &Model, extracted: &[Extracted]) -> usize {
        let known = |history: &[Entry], fact: FactId| {
            history.iter().any(|e| !matches!(e, Entry::Skip(_)) && e.fact() == fact)
        };
        let mut added: Vec<Entry> = Vec::new();
        for found in extracted {
            if known(&self.history, found.fact) {
                continue;
            }
            let quote = shorten(&found.quote);
            // A set fact is one entry whose members are joined, as a fact file writes them.
            if let Some(Entry::Read { text, quotes, .. }) =
                added.iter_mut().find(|e| e.fact() == found.fact)
            {
                if text.split(',').any(|member| member == found.value) {
                    continue;
                }
                text.push(',');
                text.push_str(&found.value);
                quotes.push(quote);
                continue;
            }
            added.push(Entry::Read {
                fact: found.fact,
                text: found.value.clone(),
                quotes: vec![quote],
            });
        }
        // A value too long for an address field cannot travel: it is left for the questions.
        added.retain(|e| matches!(e, Entry::Read { text, .. } if text.len() <= MAX_FIELD_BYTES));
        let count = added.len();
        self.history.retain(|e| {
            !(matches!(e, Entry::Skip(_)) && added.iter().any(|a| a.fact() == e.fact()))
        });
        self.history.extend(added);
        self.fit_quotes(model);
        count
    }

    /// Drops quotes, the latest first, until the address fills at most half of its limits,
    /// leaving the other half to the answers still to come (the facts matter, the words they
    /// came from are a courtesy).
    fn fit_quotes(&mut self, model: &Model) {
        loop {
            let query = self.query(model);
            let fields = form_urlencoded::parse(query.as_bytes()).count();
            if query.len() <= MAX_QUERY_BYTES / 2 && fields <= MAX_FIELDS / 2 {
                return;
            }
            let quotes = self.history.iter_mut().rev().find_map(|e| match e {
                Entry::Read { quotes, .. } if !quotes.is_empty() => Some(quotes),
                _ => None,
            });
            match quotes {
                Some(quotes) => {
                    quotes.pop();
                }
                None => return,
            }
        }
    }

    /// The query string of the result page for the answers so far.
    #[must_use]
    pub fn end_query(&self, model: &Model) -> String {
        self.query_of(model, &self.history, true)
    }

    fn query_of(&self, model: &Model, history: &[Entry], end: bool) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(kb) = &self.kb {
            query.append_pair("kb", kb);
        }
        if let Some(symptom) = self.symptom {
            query.append_pair("symptom", &model.symptom(symptom).name);
        }
        for entry in history {
            match entry {
                Entry::Answer { fact, text } => {
                    query.append_pair(&format!("f.{}", model.fact(*fact).name), text);
                }
                Entry::Read { fact, text, quotes } => {
                    let name = &model.fact(*fact).name;
                    query.append_pair(&format!("t.{name}"), text);
                    for quote in quotes {
                        query.append_pair(&format!("tq.{name}"), quote);
                    }
                }
                Entry::Skip(fact) => {
                    query.append_pair("skip", &model.fact(*fact).name);
                }
            }
        }
        if end {
            query.append_pair("end", "1");
        }
        query.finish()
    }
}

/// A quote on one line, at most [`MAX_QUOTE_CHARS`] characters.
fn shorten(quote: &str) -> String {
    let line = quote.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= MAX_QUOTE_CHARS {
        return line;
    }
    let mut short: String = line.chars().take(MAX_QUOTE_CHARS - 1).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        let text = r#"
fact error_code: int { ask "code?" pattern """error code\s*:?\s*(0x[0-9a-f]+)""" }
fact port_open: bool { ask "port?" }
fact changes: set [update, gpo] {
  ask "what changed?"
  pattern update """after the update"""
  pattern gpo """new (?:gpo|policy)"""
}
symptom fails { title "It fails" when error_code == 0x904 }
cause c { title "C" explains fails: 0.5 when port_open : never when changes has gpo : often }
fix f { title "F" fixes c cost 1m }
"#;
        triage_rules::load_text("t.kb", text).model.expect("model")
    }

    #[test]
    fn the_query_round_trips_and_back_drops_the_last_entry() {
        let model = model();
        let reader = FactReader::new(&model);
        let query = "symptom=fails&f.error_code=0x904&skip=port_open&f.changes=update%2Cgpo";
        let session = Session::parse(&reader, Some(query)).expect("parses");
        assert_eq!(session.history.len(), 3);
        assert_eq!(session.query(&model), query);
        assert_eq!(
            session.back_query(&model).as_deref(),
            Some("symptom=fails&f.error_code=0x904&skip=port_open")
        );
        let facts = session.facts(&reader).expect("valid");
        assert!(facts.get(model.fact_id("changes").expect("fact")).is_some());
        assert_eq!(session.declined(), vec![model.fact_id("port_open").expect("fact")]);
        assert_eq!(session.asked(), 3, "two answers and a don't know");
    }

    #[test]
    fn the_knowledge_base_leads_the_query_and_stays_through_back_and_end() {
        let model = model();
        let reader = FactReader::new(&model);
        let query = "symptom=fails&kb=ssh&f.error_code=0x904&skip=port_open";
        let fields = fields(Some(query)).expect("capped");
        assert_eq!(kb_named(&fields), Some("ssh"));
        let session = Session::from_fields(&reader, fields).expect("parses");
        assert_eq!(session.kb.as_deref(), Some("ssh"));
        assert_eq!(session.query(&model), "kb=ssh&symptom=fails&f.error_code=0x904&skip=port_open");
        assert_eq!(
            session.back_query(&model).as_deref(),
            Some("kb=ssh&symptom=fails&f.error_code=0x904")
        );
        assert!(session.end_query(&model).starts_with("kb=ssh&"));
        assert!(session.without_query(&model, 0).starts_with("kb=ssh&"));
        assert_eq!(kb_named(&[]), None);
        let long = format!("kb={}", "k".repeat(MAX_FIELD_BYTES + 1));
        assert!(matches!(super::fields(Some(&long)), Err(WebError::FieldTooLong { .. })));
    }

    #[test]
    fn a_pending_answer_is_checked_before_it_joins_the_history() {
        let model = model();
        let reader = FactReader::new(&model);
        let mut bad =
            Session::parse(&reader, Some("symptom=fails&q=error_code&a=banana")).expect("parses");
        assert!(matches!(bad.apply_pending(&reader), Err(WebError::BadFact(_))));
        assert!(bad.history.is_empty());
        let mut none = Session::parse(&reader, Some("symptom=fails&q=port_open")).expect("parses");
        assert!(matches!(none.apply_pending(&reader), Err(WebError::NoAnswer)));
        let mut set = Session::parse(&reader, Some("symptom=fails&q=changes&a=update&a=gpo"))
            .expect("parses");
        set.apply_pending(&reader).expect("valid");
        assert_eq!(set.query(&model), "symptom=fails&f.changes=update%2Cgpo");
        let mut skip = Session::parse(&reader, Some("symptom=fails&q=port_open&a=yes&unknown=1"))
            .expect("parses");
        skip.apply_pending(&reader).expect("valid");
        assert_eq!(skip.query(&model), "symptom=fails&skip=port_open");
        let mut radio =
            Session::parse(&reader, Some("symptom=fails&q=port_open&a=%3F")).expect("parses");
        radio.apply_pending(&reader).expect("valid");
        assert_eq!(radio.declined(), vec![model.fact_id("port_open").expect("fact")]);
    }

    #[test]
    fn hostile_and_oversized_queries_are_refused_with_a_reason() {
        let model = model();
        let reader = FactReader::new(&model);
        assert!(matches!(
            Session::parse(&reader, Some("symptom=nope")),
            Err(WebError::UnknownSymptom { .. })
        ));
        assert!(matches!(
            Session::parse(&reader, Some("symptom=fails&f.port_opne=yes")),
            Err(WebError::BadFact(p)) if p.hint.as_deref() == Some("did you mean `port_open`?")
        ));
        let many = "skip=port_open&".repeat(MAX_FIELDS + 1);
        assert!(matches!(
            Session::parse(&reader, Some(&many)),
            Err(WebError::TooManyFields { .. })
        ));
        let long = format!("symptom=fails&f.error_code={}", "9".repeat(MAX_FIELD_BYTES + 1));
        assert!(matches!(Session::parse(&reader, Some(&long)), Err(WebError::FieldTooLong { .. })));
        let huge = "x".repeat(MAX_QUERY_BYTES + 1);
        assert!(matches!(Session::parse(&reader, Some(&huge)), Err(WebError::QueryTooLong { .. })));
        let open = Session::parse(&reader, Some("f.error_code=0x904")).expect("an open session");
        assert_eq!(open.symptom, None, "no symptom: the engine weighs them all");
        assert_eq!(open.query(&model), "f.error_code=0x904");
    }

    fn read(model: &Model, text: &str) -> Vec<Extracted> {
        triage_engine::extract::TextReader::new(model).read(text).1
    }

    #[test]
    fn facts_read_from_text_join_the_history_under_what_is_known() {
        let model = model();
        let reader = FactReader::new(&model);
        let text = "It broke after the update and a new policy.\nError code: 0x904";
        let mut session =
            Session::parse(&reader, Some("symptom=fails&skip=error_code")).expect("parses");
        assert_eq!(session.add_read(&model, &read(&model, text)), 2);
        // The skip gave way to the text's value; the set's members are one entry.
        assert_eq!(
            session.query(&model),
            "symptom=fails&t.changes=update%2Cgpo&tq.changes=after+the+update\
             &tq.changes=new+policy&t.error_code=0x904&tq.error_code=Error+code%3A+0x904"
        );
        let again = Session::parse(&reader, Some(&session.query(&model))).expect("round trips");
        assert_eq!(again.history, session.history);
        let facts = again.facts(&reader).expect("valid");
        assert!(facts.get(model.fact_id("error_code").expect("fact")).is_some());
        assert!(again.declined().is_empty());
        assert_eq!(again.asked(), 0, "what a paste says was not asked");
        // What is known wins over a second paste.
        let mut answered =
            Session::parse(&reader, Some("symptom=fails&f.error_code=0x905")).expect("parses");
        assert_eq!(answered.add_read(&model, &read(&model, "error code 0x904")), 0);
        assert_eq!(answered.query(&model), "symptom=fails&f.error_code=0x905");
        // One paste is one step back; removing one fact keeps the others.
        session.history.push(Entry::Skip(model.fact_id("port_open").expect("fact")));
        assert_eq!(
            session.back_query(&model).as_deref(),
            Some(session.without_query(&model, 2).as_str())
        );
        session.history.pop();
        assert_eq!(session.back_query(&model).as_deref(), Some("symptom=fails"));
        assert_eq!(
            session.without_query(&model, 0),
            "symptom=fails&t.error_code=0x904&tq.error_code=Error+code%3A+0x904"
        );
        // Words with no fact read before them carry nothing.
        let orphan =
            Session::parse(&reader, Some("symptom=fails&tq.error_code=x&t.error_code=0x1"))
                .expect("parses");
        assert_eq!(orphan.query(&model), "symptom=fails&t.error_code=0x1");
    }

    #[test]
    fn long_quotes_are_shortened_and_dropped_before_the_address_overflows() {
        let model = model();
        let long = format!("error code:\n{} 0x904", "<x> ".repeat(400));
        let found = Extracted {
            fact: model.fact_id("error_code").expect("fact"),
            name: "error_code".into(),
            value: "0x904".into(),
            quote: long.clone(),
            start: 0,
            end: long.len(),
        };
        let mut session =
            Session { kb: None, symptom: None, history: Vec::new(), end: false, pending: None };
        assert_eq!(session.add_read(&model, std::slice::from_ref(&found)), 1);
        let Some(Entry::Read { quotes, .. }) = session.history.first() else { panic!() };
        assert_eq!(quotes.len(), 1);
        assert_eq!(quotes[0].chars().count(), MAX_QUOTE_CHARS);
        assert!(quotes[0].starts_with("error code: <x> <x>") && quotes[0].ends_with('…'));
        // Many long quotes (a hand-made history) are dropped, the latest first, until the
        // address fills at most half its limits; every fact stays.
        let quote = quotes[0].clone();
        session.history = (0..60)
            .map(|_| Entry::Read {
                fact: found.fact,
                text: "0x904".into(),
                quotes: vec![quote.clone(), quote.clone()],
            })
            .collect();
        session.fit_quotes(&model);
        let query = session.query(&model);
        assert!(query.len() <= MAX_QUERY_BYTES / 2, "{}", query.len());
        assert!(fields(Some(&query)).is_ok(), "the address reads back");
        assert_eq!(session.history.len(), 60);
        let Some(Entry::Read { quotes, .. }) = session.history.first() else { panic!() };
        assert_eq!(quotes.len(), 2, "the earliest quotes are kept");
        let Some(Entry::Read { quotes, .. }) = session.history.last() else { panic!() };
        assert!(quotes.is_empty(), "the latest are dropped first");
    }

    #[test]
    fn a_form_body_keeps_the_text_apart_and_caps_the_rest() {
        let text = "y".repeat(MAX_FIELD_BYTES * 4);
        let body = format!("symptom=fails&text={text}");
        let (fields, read) = form_fields(&body).expect("the text may be long");
        assert_eq!(fields, vec![("symptom".to_string(), "fails".to_string())]);
        assert_eq!(read, text);
        let long = format!("f.error_code={text}");
        assert!(matches!(form_fields(&long), Err(WebError::FieldTooLong { .. })));
    }

    use proptest::strategy::Strategy as _;

    /// One field of an address the wizard could have written (or a stranger appended).
    fn field() -> impl proptest::strategy::Strategy<Value = (String, String)> {
        let fact = proptest::sample::select(vec!["error_code", "port_open", "changes"]);
        proptest::prop_oneof![
            (fact.clone(), "\\PC{0,12}").prop_map(|(f, v)| (format!("f.{f}"), v)),
            (fact.clone(), "\\PC{0,12}").prop_map(|(f, v)| (format!("t.{f}"), v)),
            (fact.clone(), "\\PC{0,12}").prop_map(|(f, v)| (format!("tq.{f}"), v)),
            fact.clone().prop_map(|f| ("skip".to_string(), f.to_string())),
            fact.prop_map(|f| ("q".to_string(), f.to_string())),
            "\\PC{0,8}".prop_map(|v| ("a".to_string(), v)),
            proptest::strategy::Just(("unknown".to_string(), "1".to_string())),
            proptest::strategy::Just(("end".to_string(), "1".to_string())),
            proptest::sample::select(vec!["ssh", "rdp"])
                .prop_map(|k| ("kb".to_string(), k.to_string())),
            "\\PC{0,8}".prop_map(|v| ("utm_source".to_string(), v)),
        ]
    }

    proptest::proptest! {
        /// Any address — the wizard's own fields with hostile values, or plain noise — is
        /// either refused with a reason or read into a session whose address reads back the
        /// same; nothing panics.
        #[test]
        fn any_address_is_refused_or_round_trips(
            fields in proptest::collection::vec(field(), 0..12),
            noise in "\\PC{0,40}",
        ) {
            let model = model();
            let reader = FactReader::new(&model);
            let mut query = form_urlencoded::Serializer::new(String::new());
            query.append_pair("symptom", "fails");
            for (key, value) in &fields {
                query.append_pair(key, value);
            }
            let written = query.finish();
            let mut session = Session::parse(&reader, Some(&written))
                .expect("known symptom and facts always parse");
            let _ = session.facts(&reader);
            let _ = session.apply_pending(&reader);
            let again = Session::parse(&reader, Some(&session.query(&model)))
                .expect("an address the wizard wrote reads back");
            proptest::prop_assert_eq!(&again.history, &session.history);
            proptest::prop_assert_eq!(again.symptom, session.symptom);
            proptest::prop_assert_eq!(again.end, session.end);
            proptest::prop_assert_eq!(&again.kb, &session.kb);
            if let Ok(mut stranger) = Session::parse(&reader, Some(&noise)) {
                let _ = stranger.facts(&reader);
                let _ = stranger.apply_pending(&reader);
            }
        }
    }
}
