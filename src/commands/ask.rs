//! `ask`: a diagnosis one question at a time.
//!
//! The engine's [`wizard::step`] is stateless; this module keeps the history (what was
//! answered, what the person did not know) so that "back" can undo any number of answers, and
//! drives one of two front ends through the same loop ([`Frontend`]): [`terminal`] asks with
//! inquire prompts on a terminal, [`lines`] reads one answer per line from a file or a pipe
//! and prints every question and ranking as plain text, so a session can be scripted and
//! tested. Both print the ranking after each answer and the same summary at the end, and
//! both can write what was learned as a fact file that `triage diagnose` reads back.
//!
//! Without `--kb` the query is searched for in every embedded knowledge base, as `triage
//! search` searches, and the conversation is in the one with the best hit (a fact file
//! without a query: the one it fits, as `diagnose` chooses); the first line says which.
//!
//! Nothing here decides anything: the ranking, the next question and when to stop come from
//! the engine. Answers are parsed by [`FactReader::set_from_text`], the same code that reads
//! `--fact NAME=VALUE`.

mod line_editor;
mod lines;
mod outcome;
mod terminal;

use super::{Outcome, UsageError, emit, load_valid};
use crate::cli::AskArgs;
use anstyle::Style;
use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, IsTerminal as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use triage_engine::explain::percent;
use triage_engine::infer::MatchedBy;
use triage_engine::report::{QuestionReport, Report, ReportOptions, SymptomReport};
use triage_engine::search::{ResolveError, SearchHit, SearchIndex};
use triage_engine::wizard::{self, Stop, WizardSettings, WizardStep};
use triage_engine::{Engine, FactProblem, FactReader, FactSet, FactValue};
use triage_renderers::diagnosis::{duration, printable};
use triage_rules::ast::Shell;
use triage_rules::model::{FactId, FactType, SymptomId};

/// The longest answer `ask` reads: a pasted message fits many times over, and a longer line
/// (a file piped by mistake) is refused before any work is done on it.
pub(crate) const MAX_ANSWER_BYTES: usize = 16 * 1024;

/// Why an over-long answer is refused.
pub(crate) fn too_long(length: u64) -> String {
    format!(
        "the answer is {length} bytes, over the {MAX_ANSWER_BYTES} an answer may have: not read"
    )
}

const HEADING: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

/// Exit code after Ctrl-C, as shells report a process ended by SIGINT.
const INTERRUPTED: u8 = 130;

/// How many causes the ranking after each answer shows.
const RANKING_LINES: usize = 3;
/// How many causes and fixes the summary shows.
const SUMMARY_LINES: usize = 5;

/// What the person answered to one question (or asked for instead of answering).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Input {
    /// A value, as typed; checked against the fact's type by the wizard.
    Value(String),
    DontKnow,
    /// Undo the last answer.
    Back,
    /// Stop asking (`stop`, Esc).
    Stop,
    /// Ctrl-C: leave (after offering to save).
    Interrupted,
}

/// Reads a typed answer: the words every front end understands, else a value.
pub(crate) fn parse_input(text: &str, ty: &FactType) -> Input {
    let trimmed = text.trim();
    let lower = trimmed.to_lowercase().replace(['\u{2019}', '\''], "");
    match lower.as_str() {
        "?" | "dont know" | "dontknow" | "do not know" | "idk" | "dunno" => Input::DontKnow,
        "back" | "undo" => Input::Back,
        "stop" | "quit" => Input::Stop,
        _ => Input::Value(normalise_value(trimmed, ty)),
    }
}

/// Accepts the spellings people use for a type's values: `Y`/`No` for bools, enum values in
/// any case. Anything else is passed on as typed, for the fact reader to judge.
fn normalise_value(text: &str, ty: &FactType) -> String {
    let lower = text.to_lowercase();
    match ty {
        FactType::Bool => match lower.as_str() {
            "y" | "yes" | "true" => "yes".into(),
            "n" | "no" | "false" => "no".into(),
            _ => text.into(),
        },
        FactType::Enum(values) => values
            .iter()
            .find(|v| v.to_lowercase() == lower)
            .cloned()
            .unwrap_or_else(|| text.into()),
        FactType::Set(values) => text
            .split(',')
            .map(|part| {
                let part = part.trim();
                values
                    .iter()
                    .find(|v| v.to_lowercase() == part.to_lowercase())
                    .map_or(part, String::as_str)
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join(","),
        _ => text.into(),
    }
}

/// One entry of the history, undone by "back".
#[derive(Debug, Clone)]
enum Answer {
    /// A value was set; `previous` is restored on undo. `declined` is set when the value
    /// means "not known" in the knowledge base (`unknown not_tried`), so it is not asked again.
    Given { fact: FactId, text: String, previous: Option<FactValue>, declined: bool },
    /// "Don't know".
    Declined { fact: FactId },
}

impl Answer {
    fn fact(&self) -> FactId {
        match self {
            Answer::Given { fact, .. } | Answer::Declined { fact } => *fact,
        }
    }
}

/// A session's state: the facts so far and how they came to be.
#[derive(Debug)]
pub(crate) struct Wizard<'e> {
    engine: &'e Engine,
    reader: FactReader<'e>,
    /// The symptom asked about; `None` while the report matches none exactly (the engine
    /// weighs them all and takes the one the answers show).
    symptom: Option<SymptomId>,
    facts: FactSet,
    declined: Vec<FactId>,
    history: Vec<Answer>,
    settings: WizardSettings,
    /// ` --kb …` for the commands that take the case further (empty for the default).
    kb_option: String,
}

impl<'e> Wizard<'e> {
    fn new(
        engine: &'e Engine,
        symptom: Option<SymptomId>,
        seed: FactSet,
        settings: WizardSettings,
    ) -> Self {
        let mut facts = seed;
        facts.symptom = symptom;
        Wizard {
            engine,
            reader: FactReader::new(engine.model()),
            symptom,
            facts,
            declined: Vec::new(),
            history: Vec::new(),
            settings,
            kb_option: String::new(),
        }
    }

    /// The next step; `None` when the answers rule every symptom out.
    fn step(&self) -> Option<WizardStep> {
        wizard::step(
            self.engine,
            self.symptom,
            &self.facts,
            &self.declined,
            self.answered(),
            self.settings,
        )
    }

    /// The symptom the session is about now: the one asked about, else the one the facts
    /// show, else the likeliest of those still possible.
    fn current_symptom(&self) -> Option<SymptomId> {
        self.symptom
            .or_else(|| self.engine.diagnose(&self.facts).symptoms.first().map(|s| s.symptom))
    }

    /// How many questions were answered (a "don't know" counts).
    fn answered(&self) -> usize {
        self.history.len()
    }

    /// Would `text` be a valid answer for `fact`? The problem if not.
    fn check(&self, fact: FactId, text: &str) -> Result<(), FactProblem> {
        let mut trial = FactSet::unknown(self.engine.model());
        self.reader.set_from_text(&mut trial, &self.engine.model().fact(fact).name, text)
    }

    fn answer(&mut self, fact: FactId, text: &str) -> Result<(), FactProblem> {
        let previous = self.facts.get(fact).cloned();
        let name = &self.engine.model().fact(fact).name;
        self.reader.set_from_text(&mut self.facts, name, text)?;
        // A value the knowledge base reads as "not known" leaves the fact unknown: without
        // this the same question would come straight back.
        let declined = self.facts.get(fact).is_none();
        if declined {
            self.declined.push(fact);
        }
        self.history.push(Answer::Given { fact, text: text.to_string(), previous, declined });
        Ok(())
    }

    fn decline(&mut self, fact: FactId) {
        self.declined.push(fact);
        self.history.push(Answer::Declined { fact });
    }

    /// Undoes the last answer; says which question it was, `None` when there is none.
    fn back(&mut self) -> Option<String> {
        let last = self.history.pop()?;
        match &last {
            Answer::Given { fact, previous, declined, .. } => {
                self.facts.values[fact.index()].clone_from(previous);
                if *declined {
                    self.declined.pop();
                }
            }
            Answer::Declined { .. } => {
                self.declined.pop();
            }
        }
        Some(self.question_name(last.fact()))
    }

    fn question_name(&self, fact: FactId) -> String {
        let def = self.engine.model().fact(fact);
        def.title.clone().unwrap_or_else(|| def.name.clone())
    }

    /// The answers so far, one `name = value` (or `name: don't know`) each.
    fn answers_text(&self) -> Vec<String> {
        let model = self.engine.model();
        self.history
            .iter()
            .map(|answer| match answer {
                Answer::Given { fact, text, declined: false, .. } => {
                    format!("{} = {}", model.fact(*fact).name, printable(text))
                }
                Answer::Given { fact, text, declined: true, .. } => {
                    format!("{} = {} (not known)", model.fact(*fact).name, printable(text))
                }
                Answer::Declined { fact } => format!("{}: don't know", model.fact(*fact).name),
            })
            .collect()
    }

    /// What was learned as a fact file: the facts given and answered, the symptom, and
    /// `null` for each question nobody could answer (so an escalation sees it was asked).
    fn fact_file(&self) -> serde_json::Value {
        let model = self.engine.model();
        let mut json = self.facts.to_json(model);
        if let serde_json::Value::Object(object) = &mut json {
            for fact in &self.declined {
                object.entry(model.fact(*fact).name.clone()).or_insert(serde_json::Value::Null);
            }
        }
        json
    }

    fn save(&self, path: &Path) -> Result<(), UsageError> {
        let text = serde_json::to_string_pretty(&self.fact_file())
            .map_err(|e| UsageError::Usage(e.to_string()))?;
        std::fs::write(path, format!("{text}\n"))
            .map_err(|e| UsageError::Usage(format!("cannot write `{}`: {e}", path.display())))
    }

    /// Something worth saving: facts given or answers.
    fn learned_anything(&self) -> bool {
        !self.history.is_empty() || self.facts.values.iter().any(Option::is_some)
    }

    fn symptom_name(&self) -> Option<&str> {
        self.current_symptom().map(|s| self.engine.model().symptom(s).name.as_str())
    }

    /// The fact file name suggested when none was given.
    fn default_save_path(&self) -> PathBuf {
        PathBuf::from(format!("triage-{}.json", self.symptom_name().unwrap_or("case")))
    }
}

/// How the questions ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ending {
    /// The engine stopped: confident, nothing worth asking, nothing to ask.
    Engine(Stop),
    /// The person asked to stop (or the answers ran out).
    Stopped,
    /// Ctrl-C.
    Interrupted,
}

/// What differs between asking on a terminal and reading answers from lines.
pub(crate) trait Frontend {
    /// One of several symptoms matching a query; `None` to search again or give up.
    fn choose_symptom(&mut self, hits: &[SearchHit]) -> Result<Option<SymptomId>, UsageError>;
    /// The answer to the question about `fact`.
    fn answer(
        &mut self,
        wizard: &Wizard<'_>,
        number: usize,
        question: &QuestionReport,
        fact: FactId,
    ) -> Result<Input, UsageError>;
    /// An answer the fact's type does not accept; the same question is asked again.
    fn rejected(&mut self, problem: &FactProblem) -> Result<(), UsageError>;
    /// The width to fit the rankings' lines to; `None` leaves them whole.
    fn width(&self) -> Option<usize>;
    /// One of a few options at the end (with `--record`: which fix worked); Enter, `?` and
    /// Esc skip it.
    fn pick(&mut self, question: &outcome::PickQuestion<'_>) -> Result<outcome::Pick, UsageError>;
    /// After the summary: the guide, the plan, saving, leaving.
    fn finish(
        &mut self,
        wizard: &Wizard<'_>,
        ending: &Ending,
        save: Option<&Path>,
    ) -> Result<ExitCode, UsageError>;
}

pub fn ask(kb: Option<PathBuf>, args: &AskArgs) -> Outcome {
    if !(args.confidence > 0.0 && args.confidence <= 1.0) {
        return Err(UsageError::Usage(format!(
            "--confidence must be above 0 and at most 1, got {}",
            args.confidence
        )));
    }
    // Refused before anything reads it: standard input is where the answers come from.
    if args.facts.as_deref().is_some_and(|p| p == Path::new("-")) {
        return Err(UsageError::Usage(
            "--facts needs a file: standard input is where the answers come from".into(),
        ));
    }
    // A record folder that cannot be written is said now, not after the conversation.
    let recorder = super::recording::recorder(args.record.as_deref())?;
    let (model, place) = match open_knowledge(kb, args)? {
        Ok(opened) => opened,
        Err(code) => return Ok(code),
    };
    let recording = recorder.map(|recorder| outcome::Recording {
        recorder,
        kb: super::recording::kb_version_of(match &place {
            Place::Given(path) => Some(path.as_path()),
            Place::Embedded { name, .. } => Some(Path::new(name)),
        }),
    });
    let engine = Engine::new(model);
    let reader = FactReader::new(engine.model());
    let seed = match super::read_fact_inputs(&reader, args.facts.as_slice(), &args.facts_set)? {
        Ok(facts) => facts,
        Err(code) => return Ok(code),
    };
    let answers_from_stdin = args.answers.as_deref().is_some_and(|p| p == Path::new("-"));
    if args.answers.is_none() && std::io::stdin().is_terminal() {
        let mut frontend = terminal::Terminal::new(engine.model());
        return session(&engine, &place, args, seed, &mut frontend, recording.as_ref());
    }
    let input: Box<dyn BufRead> = match &args.answers {
        Some(path) if !answers_from_stdin => {
            Box::new(BufReader::new(std::fs::File::open(path).map_err(|e| {
                UsageError::Usage(format!("cannot read `{}`: {e}", path.display()))
            })?))
        }
        _ => Box::new(BufReader::new(std::io::stdin())),
    };
    let mut frontend = lines::Lines::new(input);
    session(&engine, &place, args, seed, &mut frontend, recording.as_ref())
}

/// The knowledge base a conversation is in, and why.
#[derive(Debug)]
enum Place {
    /// `--kb`, as given (named again in the hints of a query that nothing fits).
    Given(PathBuf),
    /// An embedded knowledge base chosen without `--kb`.
    Embedded { name: &'static str, because: Because },
}

/// Why an embedded knowledge base was chosen.
#[derive(Debug, Clone, Copy)]
enum Because {
    /// It has the best search hit for the query.
    Query,
    /// The fact file fits it best.
    Facts,
    /// Nothing else decided.
    Default,
}

impl Place {
    /// `--kb PATH`, or the embedded knowledge base's name when it is not the default, for the
    /// commands that take the case further.
    fn kb_option(&self) -> String {
        match self {
            Place::Given(path) => super::kb_option(Some(path), None),
            Place::Embedded { name, .. } => super::kb_option(None, Some(name)),
        }
    }

    /// The line that says which knowledge base the conversation is in; `None` with `--kb`, or
    /// when only one is embedded.
    fn line(&self) -> Option<String> {
        let Place::Embedded { name, because } = self else { return None };
        let why = match because {
            Because::Query => "the one whose symptoms fit what you typed best",
            Because::Facts => "the one the fact file fits best",
            Because::Default => "the default",
        };
        let others: Vec<String> = crate::embedded::names()
            .into_iter()
            .filter(|n| n != name)
            .map(|n| format!("--kb {n}"))
            .collect();
        let other = match others.as_slice() {
            [] => return None,
            [other] => format!("{other} for the other"),
            several => format!("{} for another", several.join(" or ")),
        };
        Some(format!("Knowledge base: {name}, {why} ({other})\n"))
    }
}

/// Loads the knowledge base of the conversation: `--kb`; else the embedded one with the best
/// search hit for the query (searched as `triage search` searches, a query two knowledge bases
/// fit equally well being a usage error); else, given a fact file, the one it fits
/// ([`super::choose_kb`]); else the default. A query that fits nothing is exit 1 here, with
/// the closest symptoms of every knowledge base.
fn open_knowledge(
    kb: Option<PathBuf>,
    args: &AskArgs,
) -> Result<Result<(triage_rules::Model, Place), ExitCode>, UsageError> {
    if let Some(path) = kb {
        return Ok(load_valid(Some(path.clone())).map(|(_, model)| (model, Place::Given(path))));
    }
    let query = args.query.join(" ");
    if !query.trim().is_empty() {
        let findings = match super::search::search_knowledge(None, &query) {
            Ok(findings) => findings,
            Err(code) => return Ok(Err(code)),
        };
        let name = match best_hit_knowledge_base(&findings.found) {
            Ok(Some(name)) => name,
            Ok(None) => {
                if let Some(miss) = &findings.miss {
                    let text = super::search::nothing_fits(&query, miss, Some("ask"), None);
                    anstream::eprint!("{text}");
                }
                return Ok(Err(ExitCode::FAILURE));
            }
            Err([best, second]) => {
                let words = format!("the words \u{201c}{}\u{201d}", printable(query.trim()));
                return Err(super::fit_equally_well(&words, best, second));
            }
        };
        let place = Place::Embedded { name, because: Because::Query };
        let model = findings.into_model(Some(name)).ok_or(ExitCode::FAILURE);
        return Ok(model.map(|model| (model, place)));
    }
    let (name, because) = if args.facts.is_some() || !args.facts_set.is_empty() {
        let given = super::Given {
            files: args.facts.as_slice(),
            assignments: &args.facts_set,
            ..super::Given::default()
        };
        match super::choose_kb(None, &given)?.as_deref().and_then(crate::embedded::by_name) {
            Some(name) => (name, Because::Facts),
            None => (crate::embedded::DEFAULT, Because::Default),
        }
    } else {
        (crate::embedded::DEFAULT, Because::Default)
    };
    Ok(load_valid(Some(PathBuf::from(name)))
        .map(|(_, model)| (model, Place::Embedded { name, because })))
}

/// The embedded knowledge base of the best search hit (`found` best first); `None` when
/// nothing fits, both names when the best hits of two score the same.
fn best_hit_knowledge_base(
    found: &[super::search::Found],
) -> Result<Option<&'static str>, [&'static str; 2]> {
    let Some(best) = found.first() else { return Ok(None) };
    let name = best.knowledge_base.unwrap_or(crate::embedded::DEFAULT);
    let rival = found
        .iter()
        .take_while(|f| f.hit.score.total_cmp(&best.hit.score).is_eq())
        .find_map(|f| f.knowledge_base.filter(|other| *other != name));
    match rival {
        Some(other) => Err([name, other]),
        None => Ok(Some(name)),
    }
}

/// Finds the symptom, asks until the engine or the person stops, prints the summary.
fn session(
    engine: &Engine,
    place: &Place,
    args: &AskArgs,
    mut seed: FactSet,
    frontend: &mut dyn Frontend,
    recording: Option<&outcome::Recording>,
) -> Outcome {
    if let Some(line) = place.line() {
        emit(&line)?;
    }
    let kb = match place {
        Place::Given(path) => Some(path.as_path()),
        Place::Embedded { .. } => None,
    };
    // What the person typed is what they know: "0x904" is the error code, a pasted message
    // is the message. Those facts are never asked, and --save keeps them.
    let typed = args.query.join(" ");
    let (from_query, extracted) = engine.text_reader().read(&typed);
    let mut told = Vec::new();
    for found in &extracted {
        let slot = &mut seed.values[found.fact.index()];
        if slot.is_none() {
            slot.clone_from(&from_query.values[found.fact.index()]);
            told.push(found.clone());
        }
    }
    let told_facts: Vec<FactId> = told.iter().map(|found| found.fact).collect();
    let symptom = match find_symptom(engine, kb, &args.query, &seed, frontend)? {
        Start::Symptom(symptom) => Some(symptom),
        Start::Open => None,
        Start::Nothing => return Ok(ExitCode::FAILURE),
        Start::RuledOut => return Ok(ExitCode::from(super::EXIT_NO_SYMPTOM)),
    };
    let settings = WizardSettings {
        confidence: args.confidence,
        max_questions: usize::from(args.max_questions),
        ..WizardSettings::default()
    };
    let mut wizard = Wizard::new(engine, symptom, seed, settings);
    wizard.kb_option = place.kb_option();
    match symptom {
        Some(symptom) => {
            let def = engine.model().symptom(symptom);
            emit(&format!(
                "{}{}{} ({})\n",
                HEADING.render(),
                def.title,
                HEADING.render_reset(),
                def.name
            ))?;
        }
        None => emit(&format!(
            "{}No symptom known yet{}: the questions that tell them apart come first\n",
            HEADING.render(),
            HEADING.render_reset()
        ))?,
    }
    if !told.is_empty() {
        emit(&super::diagnose::from_text_lines(engine.model(), &told, "From what you typed:"))?;
    }
    let known = wizard.facts.values.iter().filter(|v| v.is_some()).count() - told.len();
    if known > 0 {
        let plural = if known == 1 { "" } else { "s" };
        emit(&format!("{known} fact{plural} known from {}\n", fact_file_name(args)))?;
    }
    let ending = ask_questions(&mut wizard, frontend)?;
    if ending != Ending::Interrupted {
        emit(&summary(&wizard, &ending, frontend.width()))?;
    }
    let code = frontend.finish(&wizard, &ending, args.save.as_deref())?;
    if let Some(recording) = recording {
        let report = outcome::final_report(&wizard);
        // After Ctrl-C the record keeps what was learned; nothing more is asked.
        let told = if ending == Ending::Interrupted || code == ExitCode::from(INTERRUPTED) {
            outcome::Told::default()
        } else {
            outcome::ask_outcome(&wizard, report.as_ref(), frontend)?
        };
        let record =
            outcome::record(&wizard, recording.kb.clone(), &told_facts, report.as_ref(), told);
        let path =
            recording.recorder.write(&record).map_err(|e| UsageError::Usage(e.to_string()))?;
        anstream::eprintln!("Recorded the outcome in {}", path.display());
    }
    // The answers ruled out every symptom: the same exit code as every command that diagnoses.
    if ending == Ending::Engine(Stop::NoSymptom) {
        return Ok(ExitCode::from(super::EXIT_NO_SYMPTOM));
    }
    Ok(code)
}

fn fact_file_name(args: &AskArgs) -> String {
    args.facts.as_ref().map_or_else(|| "the fact file".into(), |p| format!("`{}`", p.display()))
}

/// Where a session starts.
enum Start {
    /// One symptom, named, searched for or shown by the facts.
    Symptom(SymptomId),
    /// No symptom known: the engine weighs them all.
    Open,
    /// Nothing to ask (no match for the query, or no choice made).
    Nothing,
    /// The facts rule out every symptom.
    RuledOut,
}

/// The symptom: named or searched for on the command line, else the fact file's, else the
/// one the facts show (a choice when several); with no query and no symptom the session starts
/// open, weighing every symptom the facts leave possible.
fn find_symptom(
    engine: &Engine,
    kb: Option<&Path>,
    query: &[String],
    seed: &FactSet,
    frontend: &mut dyn Frontend,
) -> Result<Start, UsageError> {
    let index = SearchIndex::new(engine.model());
    let query = query.join(" ");
    if !query.trim().is_empty() {
        return resolve(&index, kb, &query, frontend)
            .map(|s| s.map_or(Start::Nothing, Start::Symptom));
    }
    if let Some(symptom) = seed.symptom {
        return Ok(Start::Symptom(symptom));
    }
    if seed.values.iter().any(Option::is_some) {
        let diagnosis = engine.diagnose(seed);
        let exact: Vec<_> =
            diagnosis.symptoms.iter().filter(|s| s.matched_by != MatchedBy::Mixture).collect();
        match exact.as_slice() {
            [] if diagnosis.symptoms.is_empty() => {
                anstream::eprintln!("{}", triage_engine::report::NO_SYMPTOM);
                return Ok(Start::RuledOut);
            }
            [] => return Ok(Start::Open),
            [only] => return Ok(Start::Symptom(only.symptom)),
            several => {
                let model = engine.model();
                let hits: Vec<SearchHit> = several
                    .iter()
                    .map(|s| SearchHit {
                        id: s.symptom,
                        symptom: model.symptom(s.symptom).name.clone(),
                        title: model.symptom(s.symptom).title.clone(),
                        score: 0.0,
                        matched: vec!["the facts show it".into()],
                    })
                    .collect();
                if let Some(symptom) = frontend.choose_symptom(&hits)? {
                    return Ok(Start::Symptom(symptom));
                }
            }
        }
    }
    Ok(Start::Open)
}

/// A query from the command line: one symptom, a choice among several, or exit 1.
fn resolve(
    index: &SearchIndex,
    kb: Option<&Path>,
    query: &str,
    frontend: &mut dyn Frontend,
) -> Result<Option<SymptomId>, UsageError> {
    match index.resolve(query) {
        Ok(symptom) => Ok(Some(symptom)),
        Err(ResolveError::NoMatch { miss, .. }) => {
            anstream::eprint!("{}", super::search::nothing_fits(query, &miss, Some("ask"), kb));
            Ok(None)
        }
        Err(ResolveError::Ambiguous { hits, .. }) => {
            let chosen = frontend.choose_symptom(&hits)?;
            if chosen.is_none() {
                anstream::eprintln!("no symptom chosen: nothing to ask");
            }
            Ok(chosen)
        }
    }
}

/// Asks until the engine stops or the person does; prints the ranking before each question.
fn ask_questions(
    wizard: &mut Wizard<'_>,
    frontend: &mut dyn Frontend,
) -> Result<Ending, UsageError> {
    let mut shown = wizard.symptom;
    loop {
        let Some(step) = wizard.step() else {
            return Ok(Ending::Engine(Stop::NoSymptom));
        };
        // A session that started open says when the answers show one symptom.
        if step.diagnosis.matched_by != MatchedBy::Mixture && shown != Some(step.diagnosis.symptom)
        {
            let def = wizard.engine.model().symptom(step.diagnosis.symptom);
            emit(&format!(
                "\nThe answers show: {}{}{} ({})\n",
                HEADING.render(),
                def.title,
                HEADING.render_reset(),
                def.name
            ))?;
            shown = Some(step.diagnosis.symptom);
        }
        emit(&ranking(&step.ranking, wizard.answered(), frontend.width()))?;
        let (Some(question), Some(fact)) = (&step.question, step.question_fact) else {
            return Ok(step.stop.map_or(Ending::Stopped, Ending::Engine));
        };
        let number = wizard.answered() + 1;
        loop {
            match frontend.answer(wizard, number, question, fact)? {
                Input::Value(text) => match wizard.answer(fact, &text) {
                    Ok(()) => break,
                    Err(problem) => frontend.rejected(&problem)?,
                },
                Input::DontKnow => {
                    wizard.decline(fact);
                    break;
                }
                Input::Back => match wizard.back() {
                    Some(undone) => {
                        emit(&format!("Undone: {undone}\n"))?;
                        break;
                    }
                    None => emit("Nothing to undo: this is the first question.\n")?,
                },
                Input::Stop => return Ok(Ending::Stopped),
                Input::Interrupted => return Ok(Ending::Interrupted),
            }
        }
    }
}

/// The top causes, one line each: percentage, title, the reason in a few words.
fn ranking(report: &SymptomReport, answered: usize, width: Option<usize>) -> String {
    let mut out = String::new();
    let heading = match answered {
        0 => "Likely causes now:".to_string(),
        1 => "Likely causes after 1 answer:".to_string(),
        n => format!("Likely causes after {n} answers:"),
    };
    let _ = writeln!(out, "\n{}{heading}{}", DIM.render(), DIM.render_reset());
    if let Some(message) = &report.message {
        let _ = writeln!(out, "  {}", plain(message));
    }
    ranking_lines(&mut out, report, RANKING_LINES, width);
    out
}

/// One line per cause; with a `width`, the reason (then the title) is cut to fit it.
fn ranking_lines(out: &mut String, report: &SymptomReport, count: usize, width: Option<usize>) {
    let mut shown = 0;
    for cause in report.causes.iter().filter(|c| !c.ruled_out).take(count) {
        let lead = format!("  {:>5}  {}", percent(cause.posterior), cause.title);
        let reason =
            cause.reason.as_deref().map(|r| format!(" — {}", plain(r))).unwrap_or_default();
        let (lead, reason) = match width {
            Some(width) => {
                let lead = cut(&lead, width.saturating_sub(1));
                let room = width.saturating_sub(1).saturating_sub(lead.chars().count());
                let reason = if room > 8 { cut(&reason, room) } else { String::new() };
                (lead, reason)
            }
            None => (lead, reason),
        };
        let _ = writeln!(out, "{lead}{}{reason}{}", DIM.render(), DIM.render_reset());
        shown += 1;
    }
    if report.unlisted >= 0.05 || shown == 0 {
        let _ = writeln!(
            out,
            "  {:>5}  a cause the knowledge base does not list",
            percent(report.unlisted)
        );
    }
}

/// The ending, the ranking, the repair order and the answers.
fn summary(wizard: &Wizard<'_>, ending: &Ending, width: Option<usize>) -> String {
    let mut out = String::new();
    let why = match ending {
        Ending::Engine(stop) => stop.describe_in(wizard.engine.model()),
        Ending::Stopped => "stopped asking".into(),
        Ending::Interrupted => "interrupted".into(),
    };
    let _ = writeln!(out, "\n{}Done:{} {why}.", HEADING.render(), HEADING.render_reset());
    let engine = wizard.engine;
    let diagnosis = engine.diagnose(&wizard.facts);
    let report = Report::new(engine, &wizard.facts, &diagnosis, ReportOptions::FULL);
    let name = wizard.symptom_name();
    let Some(symptom) = report.symptoms.iter().find(|s| Some(s.symptom.as_str()) == name) else {
        return out;
    };
    let _ = writeln!(out, "\nMost likely causes:");
    ranking_lines(&mut out, symptom, SUMMARY_LINES, width);
    if let Some(repair) = &symptom.repair
        && !repair.steps.is_empty()
    {
        let _ = writeln!(
            out,
            "\nRepair order (expected time to resolution {}, fixes it {} of the time):",
            duration(repair.expected_seconds),
            percent(repair.coverage)
        );
        for (i, step) in repair.steps.iter().take(SUMMARY_LINES).enumerate() {
            let _ = writeln!(
                out,
                "  {:>2}. {} ({}) — {}, {} that its cause is to blame",
                i + 1,
                step.title,
                step.fix,
                duration(step.cost_seconds),
                percent(step.probability)
            );
        }
        if repair.steps.len() > SUMMARY_LINES {
            let _ = writeln!(out, "      … {} more", repair.steps.len() - SUMMARY_LINES);
        }
    }
    let answers = wizard.answers_text();
    if !answers.is_empty() {
        let _ = writeln!(out, "\nAnswers: {}", answers.join("; "));
    }
    out
}

/// The commands that take the case further, with the saved fact file.
fn next_commands(wizard: &Wizard<'_>, saved: &Path) -> String {
    let symptom = wizard.symptom_name().unwrap_or("SYMPTOM");
    let file = saved.display();
    let kb = &wizard.kb_option;
    let script = plan(wizard).map_or_else(
        |_| "the repair plan".into(),
        |p| format!("the repair plan as a {} script", p.shell_name()),
    );
    format!(
        "  triage{kb} guide {symptom} --facts {file}    the repair guide for this case\n  \
         triage{kb} plan {file} --symptom {symptom}    {script}\n  \
         triage{kb} diagnose {file} --explain    the whole diagnosis, every finding\n"
    )
}

/// The repair guide for the case so far, in Markdown (which reads as plain text).
fn guide(wizard: &Wizard<'_>) -> Result<String, String> {
    use triage_renderers::guide::{Format as PageFormat, Guide, Links, Templates};
    let templates = Templates::builtin().map_err(|e| e.to_string())?;
    let guide = match wizard.symptom {
        Some(symptom) => Guide::new_with(
            wizard.engine,
            &wizard.facts,
            symptom,
            Links::Anchors,
            triage_renderers::guide::Depth::Short,
        ),
        None => Guide::for_facts_with(
            wizard.engine,
            &wizard.facts,
            Links::Anchors,
            triage_renderers::guide::Depth::Short,
        )
        .ok_or_else(|| triage_engine::report::NO_SYMPTOM.to_string())?,
    };
    guide.render(PageFormat::Markdown, &templates).map_err(|e| e.to_string())
}

/// A repair plan written out: the script and its shell.
#[derive(Debug)]
pub(crate) struct PlanScript {
    shell: Shell,
    pub(crate) text: String,
}

impl PlanScript {
    fn shell_name(&self) -> &'static str {
        match self.shell {
            Shell::Powershell => "PowerShell",
            Shell::Bash => "bash",
        }
    }

    /// The file name suggested for the plan of `symptom`.
    pub(crate) fn file_name(&self, symptom: &str) -> PathBuf {
        let extension = match self.shell {
            Shell::Powershell => "ps1",
            Shell::Bash => "sh",
        };
        PathBuf::from(format!("triage-plan-{symptom}.{extension}"))
    }

    /// What to tell the person who wrote the plan to `path`: how to run it.
    pub(crate) fn how_to_run(&self, path: &Path) -> String {
        let path = path.display();
        match self.shell {
            Shell::Powershell => {
                format!("It is a dry run unless given -Apply:\n  powershell -File {path} [-Apply]")
            }
            Shell::Bash => {
                format!("It is a dry run unless given --apply:\n  bash {path} [--apply]")
            }
        }
    }

    /// The menu entry that writes it.
    pub(crate) fn label(&self) -> String {
        format!("Write the repair plan (a {} script) to a file", self.shell_name())
    }
}

/// The repair plan for the case so far: a PowerShell script, else a bash one (a knowledge
/// base whose fixes run only in bash, such as the SSH one).
fn plan(wizard: &Wizard<'_>) -> Result<PlanScript, String> {
    use triage_renderers::plan::{PlanError, RepairPlan, bash, powershell};
    let plan = RepairPlan::new(wizard.engine, &wizard.facts, wizard.symptom_name())
        .map_err(|e| e.to_string())?;
    let script = match powershell::render(&plan) {
        Ok(text) => Ok(PlanScript { shell: Shell::Powershell, text }),
        Err(nothing @ PlanError::NothingToAutomate { .. }) => match bash::render(&plan) {
            Ok(text) => Ok(PlanScript { shell: Shell::Bash, text }),
            Err(PlanError::NothingToAutomate { .. }) => Err(nothing),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    script.map_err(|e| e.to_string())
}

/// The type of answer a question expects, in words.
fn expected(def: &triage_rules::model::FactDef) -> String {
    match &def.ty {
        FactType::Bool => "yes or no".into(),
        FactType::Int if def.hex => "a whole number, hex (0x904) or decimal".into(),
        FactType::Int => "a whole number".into(),
        FactType::Number => "a number".into(),
        FactType::String => "text".into(),
        FactType::Version => "a version such as 10.0.26100".into(),
        FactType::Enum(values) => format!("one of: {}", values.join(", ")),
        FactType::Set(values) => {
            format!("any of, separated by commas: {}", values.join(", "))
        }
    }
}

/// `text` cut to `width` characters, ending in `…` when it was longer.
pub(super) fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `text` in lines of at most `width` characters (longer words stay whole), each after
/// `indent`.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            let _ = writeln!(out, "{indent}{line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{indent}{line}");
    }
    out
}

/// Where the fact is found and what it costs to find, for the question's heading.
fn question_context(question: &QuestionReport) -> String {
    let mut parts = Vec::new();
    if !question.places.is_empty() {
        let places: Vec<&str> =
            question.places.iter().map(|p| triage_renderers::guide::place_words(*p)).collect();
        parts.push(places.join(" or "));
    }
    parts.push(format!("about {}", duration(question.cost_seconds)));
    parts.join(", ")
}

/// Author-written Markdown (ask texts, titles, reasons) as plain text for a terminal or a
/// prompt line: emphasis markers dropped, code kept between backticks, paragraphs and list
/// items on their own lines, control characters escaped.
fn plain(markdown: &str) -> String {
    let mut out = String::new();
    for event in Parser::new(markdown) {
        match event {
            Event::Text(text) | Event::Html(text) | Event::InlineHtml(text) => {
                // Lines of a code block stay lines; every other control character is escaped.
                let lines: Vec<String> = text.split('\n').map(printable).collect();
                out.push_str(&lines.join("\n"));
            }
            Event::Code(code) => {
                let _ = write!(out, "`{}`", printable(&code));
            }
            Event::SoftBreak => out.push(' '),
            Event::Start(Tag::Item) => out.push_str("- "),
            Event::HardBreak
            | Event::End(
                TagEnd::Paragraph | TagEnd::Item | TagEnd::CodeBlock | TagEnd::Heading(_),
            ) => out.push('\n'),
            _ => {}
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_in_ask_texts_is_stripped_for_plain_output() {
        assert_eq!(
            plain("In the error window click *Show details*. What is the **Error code**?"),
            "In the error window click Show details. What is the Error code?"
        );
        assert_eq!(plain("Does `ping <name>` answer?"), "Does `ping <name>` answer?");
        assert_eq!(plain("- one\n- two"), "- one\n- two");
        assert_eq!(plain("run:\n\n    ping a\n    ping b\n"), "run:\nping a\nping b");
        assert_eq!(plain("a \u{1b}[2J b"), "a \\u{1b}[2J b", "no escape reaches the terminal");
    }

    #[test]
    fn answers_words_and_spellings() {
        assert_eq!(parse_input(" ? ", &FactType::Bool), Input::DontKnow);
        assert_eq!(parse_input("Don't know", &FactType::Int), Input::DontKnow);
        assert_eq!(parse_input("BACK", &FactType::Int), Input::Back);
        assert_eq!(parse_input("stop", &FactType::Int), Input::Stop);
        assert_eq!(parse_input("Y", &FactType::Bool), Input::Value("yes".into()));
        let ty = FactType::Enum(vec!["internal_error".into(), "other".into()]);
        assert_eq!(parse_input("Internal_Error", &ty), Input::Value("internal_error".into()));
        let set = FactType::Set(vec!["update".into(), "vpn".into()]);
        assert_eq!(parse_input("Update, VPN", &set), Input::Value("update,vpn".into()));
        assert_eq!(parse_input("0x904", &FactType::Int), Input::Value("0x904".into()));
    }

    #[test]
    fn long_lines_are_cut_to_the_width() {
        assert_eq!(cut("abcdef", 6), "abcdef");
        assert_eq!(cut("abcdefg", 6), "abcde…");
        assert_eq!(wrap("aa bb cc", 5, "> "), "> aa bb\n> cc\n");
    }

    fn found(
        symptom: u32,
        score: f64,
        knowledge_base: &'static str,
    ) -> super::super::search::Found {
        let hit = SearchHit {
            id: SymptomId(symptom),
            symptom: format!("s{symptom}"),
            title: String::new(),
            score,
            matched: Vec::new(),
        };
        super::super::search::Found { hit, knowledge_base: Some(knowledge_base) }
    }

    #[test]
    fn the_best_hit_chooses_the_knowledge_base_and_a_tie_between_two_asks_for_kb() {
        assert_eq!(best_hit_knowledge_base(&[]), Ok(None));
        let clear = [found(0, 9.0, "ssh"), found(1, 6.0, "rdp")];
        assert_eq!(best_hit_knowledge_base(&clear), Ok(Some("ssh")));
        // Two symptoms of one knowledge base tie: that knowledge base, and the person picks.
        let within = [found(0, 6.0, "rdp"), found(1, 6.0, "rdp"), found(2, 3.0, "ssh")];
        assert_eq!(best_hit_knowledge_base(&within), Ok(Some("rdp")));
        let across = [found(0, 6.0, "rdp"), found(1, 6.0, "rdp"), found(2, 6.0, "ssh")];
        assert_eq!(best_hit_knowledge_base(&across), Err(["rdp", "ssh"]));
    }
}
