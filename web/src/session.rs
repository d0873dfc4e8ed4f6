//! A wizard session carried in the address: `symptom=NAME`, then the history in the order it
//! happened — `f.FACT=VALUE` for an answer, `skip=FACT` for "Don't know" — and `end=1` once the
//! person asks for the result. Nothing is kept on the server: "Back" is the same address
//! without its last entry, and any page can be bookmarked or shared.
//!
//! A submitted answer arrives as `q=FACT` with `a=VALUE` (repeated for a set) or `unknown=1`;
//! [`Session::parse`] keeps it apart as a [`Pending`] answer, which the page validates against
//! the fact's type before adding it to the history.
//!
//! Input is capped before anything else looks at it: the raw query length, the number of
//! fields and the length of each field.

use crate::error::WebError;
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

/// One entry of the history.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// The person answered: the fact and the answer as typed.
    Answer { fact: FactId, text: String },
    /// The person could not answer: never asked again.
    Skip(FactId),
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
    let mut out = Vec::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if out.len() == MAX_FIELDS {
            return Err(WebError::TooManyFields { max: MAX_FIELDS });
        }
        if key.len() > MAX_FIELD_BYTES || value.len() > MAX_FIELD_BYTES {
            let field: String = key.chars().take(40).collect();
            return Err(WebError::FieldTooLong { field, max: MAX_FIELD_BYTES });
        }
        out.push((key.into_owned(), value.into_owned()));
    }
    Ok(out)
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
        let model = reader.model();
        let mut symptom = None;
        let mut history = Vec::new();
        let mut end = false;
        let mut question = None;
        let mut values = Vec::new();
        let mut unknown = false;
        for (key, value) in fields(query)? {
            match key.as_str() {
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
                    }
                    // Other fields (a tracking parameter, a stray button name) carry no state.
                }
            }
        }
        let pending = question.map(|fact| Pending { fact, values, unknown });
        Ok(Session { symptom, history, end, pending })
    }

    /// The facts of the history, each answer checked against its fact's type.
    pub fn facts(&self, reader: &FactReader<'_>) -> Result<FactSet, WebError> {
        let model = reader.model();
        let mut facts = FactSet::unknown(model);
        for entry in &self.history {
            if let Entry::Answer { fact, text } = entry {
                reader
                    .set_from_text(&mut facts, &model.fact(*fact).name, text.trim())
                    .map_err(WebError::BadFact)?;
            }
        }
        facts.symptom = self.symptom;
        Ok(facts)
    }

    /// The facts the person could not answer.
    #[must_use]
    pub fn declined(&self) -> Vec<FactId> {
        self.history
            .iter()
            .filter_map(|e| match e {
                Entry::Skip(fact) => Some(*fact),
                Entry::Answer { .. } => None,
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

    /// The query string one step back: the last entry undone (or the result page left).
    #[must_use]
    pub fn back_query(&self, model: &Model) -> Option<String> {
        if self.end {
            return Some(self.query_of(model, &self.history, false));
        }
        let (_, earlier) = self.history.split_last()?;
        Some(self.query_of(model, earlier, false))
    }

    /// The query string of the result page for the answers so far.
    #[must_use]
    pub fn end_query(&self, model: &Model) -> String {
        self.query_of(model, &self.history, true)
    }

    fn query_of(&self, model: &Model, history: &[Entry], end: bool) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(symptom) = self.symptom {
            query.append_pair("symptom", &model.symptom(symptom).name);
        }
        for entry in history {
            match entry {
                Entry::Answer { fact, text } => {
                    query.append_pair(&format!("f.{}", model.fact(*fact).name), text);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        let text = r#"
fact error_code: int { ask "code?" }
fact port_open: bool { ask "port?" }
fact changes: set [update, gpo] { ask "what changed?" }
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

    use proptest::strategy::Strategy as _;

    /// One field of an address the wizard could have written (or a stranger appended).
    fn field() -> impl proptest::strategy::Strategy<Value = (String, String)> {
        let fact = proptest::sample::select(vec!["error_code", "port_open", "changes"]);
        proptest::prop_oneof![
            (fact.clone(), "\\PC{0,12}").prop_map(|(f, v)| (format!("f.{f}"), v)),
            fact.clone().prop_map(|f| ("skip".to_string(), f.to_string())),
            fact.prop_map(|f| ("q".to_string(), f.to_string())),
            "\\PC{0,8}".prop_map(|v| ("a".to_string(), v)),
            proptest::strategy::Just(("unknown".to_string(), "1".to_string())),
            proptest::strategy::Just(("end".to_string(), "1".to_string())),
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
            if let Ok(mut stranger) = Session::parse(&reader, Some(&noise)) {
                let _ = stranger.facts(&reader);
                let _ = stranger.apply_pending(&reader);
            }
        }
    }
}
