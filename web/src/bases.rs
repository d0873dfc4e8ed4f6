//! The knowledge bases an [`App`](crate::App) serves: each with its own engine and search
//! index, the first the default. An address names one with `kb=NAME`; without it, it is the
//! default's, so the addresses of a server with one knowledge base never carry `kb=`.
//!
//! Here too: the search over all of them (each drops its weak hits, then a weak hit of one
//! beside a strong hit of another is dropped the same way, as `triage search` does), and the
//! choice of the knowledge base a fact file fits (`POST /api/diagnose` without `?kb=`). It
//! deliberately does not rank symptoms or causes itself: that is the engine's.

use crate::error::WebError;
use triage_engine::search::{SearchHit, SearchIndex, WEAK_HIT};
use triage_engine::{Engine, FactFileError, FactReader, FactSet, Format};
use triage_learn::record::KbVersion;
use triage_rules::ast::Shell;

/// One knowledge base to serve, for [`App::new_multi`](crate::App::new_multi).
///
/// ```no_run
/// let kb = triage_rules::load_paths(&["knowledge/ssh".into()]);
/// let engine = triage_engine::Engine::new(kb.model.expect("it checks clean"));
/// let ssh = triage_web::Served::new("ssh", engine).titled("SSH logins");
/// ```
#[derive(Debug)]
pub struct Served {
    /// Its name in addresses (`kb=ssh`): letters, digits, `_` and `-`.
    pub name: String,
    /// What people read ("SSH logins"); the name when there is none.
    pub title: Option<String>,
    pub engine: Engine,
    /// Its name and version as outcome records name it (`--record`); needed only when the
    /// application records.
    pub version: Option<KbVersion>,
}

impl Served {
    /// A knowledge base named `name`, without a title.
    #[must_use]
    pub fn new(name: impl Into<String>, engine: Engine) -> Served {
        Served { name: name.into(), title: None, engine, version: None }
    }

    /// The same with the name and version its outcome records carry.
    #[must_use]
    pub fn versioned(self, version: KbVersion) -> Served {
        Served { version: Some(version), ..self }
    }

    /// The same with a title for people.
    #[must_use]
    pub fn titled(self, title: impl Into<String>) -> Served {
        Served { title: Some(title.into()), ..self }
    }
}

/// A knowledge base as the application holds it.
pub(crate) struct Base {
    pub(crate) name: String,
    pub(crate) title: String,
    pub(crate) engine: Engine,
    pub(crate) search: SearchIndex,
    /// The default's addresses carry no `kb=`.
    pub(crate) is_default: bool,
    /// The shells its fixes have scripts in, in [`Shell::ALL`] order: the plans offered.
    pub(crate) shells: Vec<Shell>,
    /// What its outcome records name it (see [`Served::version`]).
    pub(crate) version: Option<KbVersion>,
}

impl Base {
    pub(crate) fn new(served: Served, is_default: bool) -> Base {
        let Served { name, title, engine, version } = served;
        let search = SearchIndex::new(engine.model());
        let shells = Shell::ALL
            .into_iter()
            .filter(|shell| {
                engine.model().fixes.iter().any(|f| f.run.iter().any(|s| s.shell == *shell))
            })
            .collect();
        Base {
            title: title.unwrap_or_else(|| name.clone()),
            name,
            engine,
            search,
            is_default,
            shells,
            version,
        }
    }

    /// Its name for an address, `None` for the default.
    pub(crate) fn address(&self) -> Option<&str> {
        (!self.is_default).then_some(self.name.as_str())
    }

    /// What a knowledge base page's address takes after its path: `?kb=NAME`, or nothing for
    /// the default.
    pub(crate) fn kb_query(&self) -> String {
        self.address().map(|name| format!("?kb={name}")).unwrap_or_default()
    }

    /// The wizard's first page in this knowledge base: for `symptom`, or without one.
    pub(crate) fn start_url(&self, symptom: Option<&str>) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(name) = self.address() {
            query.append_pair("kb", name);
        }
        if let Some(symptom) = symptom {
            query.append_pair("symptom", symptom);
        }
        let query = query.finish();
        if query.is_empty() { "/wizard".to_string() } else { format!("/wizard?{query}") }
    }
}

/// Whether `name` can name a knowledge base in an address as it is (no encoding needed).
pub(crate) fn is_address_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The knowledge base `name` names, the default for `None`, or a 404 that lists them.
pub(crate) fn named<'a>(bases: &'a [Base], name: Option<&str>) -> Result<&'a Base, WebError> {
    let Some(name) = name else {
        return bases.first().ok_or(WebError::Internal);
    };
    bases.iter().find(|b| b.name == name).ok_or_else(|| WebError::UnknownKnowledgeBase {
        name: name.to_string(),
        names: bases.iter().map(|b| b.name.clone()).collect(),
    })
}

/// A search hit and the knowledge base it is from.
pub(crate) struct Found<'a> {
    pub(crate) base: &'a Base,
    pub(crate) hit: SearchHit,
}

/// The hits of every knowledge base for `query`, best first (on equal scores, the earlier
/// knowledge base first), weak hits beside a strong one dropped.
pub(crate) fn search<'a>(bases: &'a [Base], query: &str) -> Vec<Found<'a>> {
    let mut found: Vec<Found<'a>> = bases
        .iter()
        .flat_map(|base| base.search.search(query).into_iter().map(move |hit| Found { base, hit }))
        .collect();
    found.sort_by(|a, b| b.hit.score.total_cmp(&a.hit.score));
    if let Some(best) = found.first().map(|f| f.hit.score) {
        found.retain(|f| f.hit.score >= WEAK_HIT * best);
    }
    found
}

/// How well a fact file fits one knowledge base: read without a problem first, then a symptom
/// it names, then how many of its facts it declares (as `triage diagnose` chooses among the
/// embedded knowledge bases); a file it cannot read ranks by how few problems it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Fit {
    read: bool,
    symptom_named: bool,
    declared: usize,
    fewer_problems: std::cmp::Reverse<usize>,
}

/// The knowledge base a fact file fits best and its facts read there, or the problems of the
/// file where it fits best. Two knowledge bases it fits equally (and at all) are a `422`
/// asking for `?kb=`; a file that fits none better than another is the default's.
pub(crate) fn choose_for_facts<'a>(
    bases: &'a [Base],
    text: &str,
    format: Format,
) -> Result<(&'a Base, FactSet), WebError> {
    let mut fits: Vec<(Fit, &'a Base, Result<FactSet, FactFileError>)> = Vec::new();
    for base in bases {
        let read = FactReader::new(base.engine.model()).read(text, format);
        let fit = match &read {
            Ok(facts) => Fit {
                read: true,
                symptom_named: facts.symptom.is_some(),
                declared: facts.values.iter().filter(|v| v.is_some()).count(),
                fewer_problems: std::cmp::Reverse(0),
            },
            // Not JSON (or YAML) at all: no knowledge base reads it.
            Err(FactFileError::Syntax { .. }) => {
                return read.map(|facts| (base, facts)).map_err(WebError::FactFile);
            }
            Err(FactFileError::Invalid(problems)) => Fit {
                read: false,
                symptom_named: false,
                declared: 0,
                fewer_problems: std::cmp::Reverse(problems.len()),
            },
        };
        fits.push((fit, base, read));
    }
    // Stable: on equal fits the earlier knowledge base (the default first) stays first.
    fits.sort_by_key(|fit| std::cmp::Reverse(fit.0));
    let mut fits = fits.into_iter();
    let Some((best, base, read)) = fits.next() else { return Err(WebError::Internal) };
    if let Some((runner_up, other, _)) = fits.next()
        && best == runner_up
        && best.read
        && (best.symptom_named || best.declared > 0)
    {
        return Err(WebError::FitsEqually { first: base.name.clone(), second: other.name.clone() });
    }
    read.map(|facts| (base, facts)).map_err(WebError::FactFile)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(name: &str, text: &str, is_default: bool) -> Base {
        let model = triage_rules::load_text("t.kb", text).model.expect("model");
        Base::new(Served::new(name, Engine::new(model)), is_default)
    }

    const A: &str = r#"
fact port_open: bool { ask "port?" }
fact a_only: bool { ask "a?" }
symptom fails { title "It fails" when port_open == false }
cause c { title "C" explains fails: 0.5 }
fix f { title "F" fixes c cost 1m run bash "true" }
"#;
    const B: &str = r#"
fact port_open: bool { ask "port?" }
fact b_only: bool { ask "b?" }
symptom breaks { title "It breaks" when port_open == false }
cause c { title "C" explains breaks: 0.5 }
fix f { title "F" fixes c cost 1m run powershell "$true" }
"#;

    #[test]
    fn a_fact_file_goes_where_it_fits_and_a_tie_asks_which() {
        let bases = [base("a", A, true), base("b", B, false)];
        let chosen = |text: &str| choose_for_facts(&bases, text, Format::Json);
        assert_eq!(chosen(r#"{"b_only": true}"#).map(|(b, _)| b.name.as_str()).ok(), Some("b"));
        assert_eq!(chosen(r#"{"a_only": true}"#).map(|(b, _)| b.name.as_str()).ok(), Some("a"));
        // More facts declared wins over fewer.
        let both = r#"{"port_open": true, "b_only": false}"#;
        assert_eq!(chosen(both).map(|(b, _)| b.name.as_str()).ok(), Some("b"));
        // As well in both: say which.
        assert!(matches!(
            chosen(r#"{"port_open": true}"#),
            Err(WebError::FitsEqually { first, second }) if first == "a" && second == "b"
        ));
        // Nothing to go by: the default.
        assert_eq!(chosen("{}").map(|(b, _)| b.name.as_str()).ok(), Some("a"));
        // Neither reads it: the problems of the closer one.
        let bad = r#"{"b_only": "maybe"}"#;
        assert!(
            matches!(chosen(bad), Err(WebError::FactFile(FactFileError::Invalid(p))) if p.len() == 1)
        );
        assert!(matches!(chosen("{nope"), Err(WebError::FactFile(FactFileError::Syntax { .. }))));
    }

    #[test]
    fn hits_of_every_base_are_merged_by_score_and_each_base_plans_in_its_shells() {
        let bases = [base("a", A, true), base("b", B, false)];
        let found = search(&bases, "it breaks");
        assert_eq!(found.first().map(|f| f.base.name.as_str()), Some("b"));
        assert!(found.iter().all(|f| f.hit.score >= WEAK_HIT * found[0].hit.score));
        assert_eq!(bases[0].shells, [Shell::Bash]);
        assert_eq!(bases[1].shells, [Shell::Powershell]);
        assert_eq!(bases[0].start_url(None), "/wizard");
        assert_eq!(bases[1].start_url(Some("breaks")), "/wizard?kb=b&symptom=breaks");
        assert_eq!(bases[1].kb_query(), "?kb=b");
        assert!(matches!(named(&bases, Some("c")), Err(WebError::UnknownKnowledgeBase { .. })));
        assert!(!is_address_name("a b") && !is_address_name("") && is_address_name("ssh-2"));
    }
}
