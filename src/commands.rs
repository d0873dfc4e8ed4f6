//! One function per command. Each loads what it needs, calls the library, prints, and returns
//! the exit code; usage problems come back as [`UsageError`] (exit 2). The codes are the ones
//! docs/exit-codes.md lists: 0 success, 1 problems in the input, 2 usage, 3 the facts rule out
//! every symptom, 130 interrupted.

use crate::cli::{
    CheckArgs, Cli, Command, FmtArgs, GraphArgs, GraphFormat, InitArgs, KbCommand, OutputFormat,
};
use clap::CommandFactory as _;
use std::fmt::{self, Write as _};
use std::io::{IsTerminal as _, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use triage_engine::{FactReader, FactSet};
use triage_rules::diagnostic::{self, Diagnostic, DiagnosticKind};
use triage_rules::graph::DecisionGraph;
use triage_rules::{KnowledgeBase, SourceMap};

mod ask;
mod calibrate;
mod cases;
mod diagnose;
mod guide;
mod init;
mod plan;
mod recording;
mod records;
mod report;
mod search;
mod serve;
mod symptoms;

/// A problem with how triage was called, or with writing its output (exit code 2).
#[derive(Debug)]
pub enum UsageError {
    Usage(String),
    Io(std::io::Error),
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsageError::Usage(message) => f.write_str(message),
            UsageError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl From<std::io::Error> for UsageError {
    fn from(e: std::io::Error) -> Self {
        UsageError::Io(e)
    }
}

impl UsageError {
    /// The reader of our output went away (`triage … | head`): not an error worth a word.
    #[must_use]
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, UsageError::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

/// Writes text for a person to standard output: through `anstream`, which drops colour and
/// escape sequences where the terminal does not want them (not a terminal, `NO_COLOR`). A
/// closed pipe comes back as an error instead of a panic. Values in such text have their
/// control characters made visible before they get here.
pub(crate) fn emit(text: &str) -> Result<(), UsageError> {
    let mut out = anstream::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Writes a document (a script, JSON, a guide, formatted `.kb` text, completions, a man page)
/// to standard output byte for byte, whatever standard output is: `triage plan f.json >
/// plan.sh` is the same script as `-o plan.sh`. A closed pipe is an error, not a panic.
pub(crate) fn emit_exact(text: &str) -> Result<(), UsageError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Writes text meant to be read, through a pager when standard output is a terminal and the
/// text is taller than it: `$PAGER`, else `less -FRX` (which quits at once when it fits, keeps
/// colour, and leaves the text on the screen). Without a terminal, or when no pager starts,
/// it is [`emit`].
pub(crate) fn emit_paged(text: &str) -> Result<(), UsageError> {
    use std::io::IsTerminal as _;
    let rows = crossterm::terminal::size().map_or(0, |(_, rows)| usize::from(rows));
    if !std::io::stdout().is_terminal() || rows == 0 || text.lines().count() < rows {
        return emit(text);
    }
    let pager = std::env::var("PAGER").ok().filter(|p| !p.trim().is_empty());
    let (program, args): (String, Vec<String>) = match &pager {
        Some(command) => {
            let mut words = command.split_whitespace().map(str::to_string);
            let program = words.next().unwrap_or_default();
            (program, words.collect())
        }
        None => ("less".into(), vec!["-FRX".into()]),
    };
    let child = std::process::Command::new(&program)
        .args(&args)
        .stdin(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = child else { return emit(text) };
    if let Some(mut stdin) = child.stdin.take() {
        // Colour goes to the pager as it would to the terminal; a pager quit early is no error.
        let styled = anstream::adapter::strip_str(text).to_string();
        let wants_colour =
            anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never;
        let bytes = if wants_colour { text.as_bytes() } else { styled.as_bytes() };
        let _ = stdin.write_all(bytes);
    }
    let _ = child.wait();
    Ok(())
}

pub(crate) type Outcome = Result<ExitCode, UsageError>;

/// Exit code of a usage error: bad arguments, a path that cannot be read.
pub const EXIT_USAGE: u8 = 2;

/// Exit code when the facts rule out every symptom of the knowledge base (contradictory facts,
/// or a knowledge base with no symptom that could fit): the same in every command.
pub(crate) const EXIT_NO_SYMPTOM: u8 = 3;

pub fn run(cli: Cli) -> Outcome {
    let kb = cli.global.kb;
    // A command that reads no knowledge base refuses a typed --kb rather than ignore it;
    // TRIAGE_KB set in the environment is no mistake of this command line.
    let refuse_kb = |command: &str| {
        if cli.global.kb_on_command_line {
            return Err(UsageError::Usage(format!(
                "`triage {command}` reads no knowledge base: leave out --kb"
            )));
        }
        Ok(())
    };
    match cli.command {
        Command::Symptoms(args) => symptoms::symptoms(kb, &args),
        Command::Check(args) => check(kb, args),
        Command::Fmt(args) => fmt_command(kb, args),
        Command::Graph(args) => graph(kb, &args),
        Command::Diagnose(args) => diagnose::diagnose(kb, &args),
        Command::Batch(args) => diagnose::batch(kb, &args),
        Command::Report(args) => report::report(kb.as_deref(), &args),
        Command::Schema(args) if args.record => recording::record_schema(),
        Command::Schema(_) => diagnose::schema(kb),
        Command::Guide(args) => guide::guide(kb, &args),
        Command::Site(args) => guide::site(kb, &args),
        Command::Test(args) => cases::test(kb, &args),
        Command::Cases(crate::cli::CasesCommand::FromRecords(args)) => {
            calibrate::from_records(kb, &args)
        }
        Command::Calibrate(args) => calibrate::calibrate(kb, &args),
        Command::Plan(args) => {
            if args.schema {
                refuse_kb("plan --schema")?;
            }
            plan::plan(kb, &args)
        }
        Command::Collect(args) => plan::collect(kb, &args),
        Command::Ask(args) => ask::ask(kb, &args),
        Command::Search(args) => search::search(kb.as_deref(), &args),
        Command::Serve(args) => serve::serve(kb, &args),
        Command::Init(args) => {
            refuse_kb("init")?;
            init(&args)
        }
        Command::Kb(KbCommand::List) => kb_list(kb.as_deref()),
        Command::Kb(KbCommand::Export(args)) => kb_export(kb.as_deref(), &args.dir),
        Command::Completions(args) => {
            refuse_kb("completions")?;
            let mut command = Cli::command();
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut command, "triage", &mut script);
            emit_exact(&String::from_utf8_lossy(&script))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            refuse_kb("man")?;
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            emit_exact(&String::from_utf8_lossy(&out))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The paths a command works on: its own arguments, else `--kb`.
fn knowledge_paths(kb: Option<PathBuf>, paths: Vec<PathBuf>) -> Result<Vec<PathBuf>, UsageError> {
    if !paths.is_empty() {
        return Ok(paths);
    }
    kb.map(|p| vec![p]).ok_or_else(|| {
        UsageError::Usage(
            "no files given: pass .kb files or folders (or --kb PATH); the embedded knowledge base cannot be formatted in place, export it with `triage kb export DIR`"
                .into(),
        )
    })
}

fn colour_stdout() -> bool {
    std::io::stdout().is_terminal()
}

fn print_diagnostics_to_stderr(diagnostics: &[Diagnostic], sources: &SourceMap) {
    let rendered = diagnostic::render(diagnostics, sources, true);
    anstream::eprint!("{rendered}");
}

fn summary(kb: &KnowledgeBase) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "checked {}: {}, {}",
        plural(kb.sources.len(), "file"),
        plural(kb.error_count(), "error"),
        plural(kb.warning_count(), "warning")
    )
}

/// The knowledge base `--kb` names: an embedded one by its name (`--kb ssh`; the default one
/// without `--kb`), or a file or folder.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Knowledge<'a> {
    Embedded(&'static str),
    Path(&'a Path),
}

pub(crate) fn knowledge(kb: Option<&Path>) -> Knowledge<'_> {
    match kb {
        None => Knowledge::Embedded(crate::embedded::DEFAULT),
        Some(path) => match crate::embedded::by_name(path) {
            Some(name) => Knowledge::Embedded(name),
            None => Knowledge::Path(path),
        },
    }
}

/// The knowledge base a command works on: its own paths, else `--kb` (a path or the name of
/// an embedded one), else the default embedded one.
fn load_knowledge(kb: Option<PathBuf>, paths: Vec<PathBuf>) -> KnowledgeBase {
    if paths.is_empty()
        && let Knowledge::Embedded(name) = knowledge(kb.as_deref())
    {
        return crate::embedded::load(name);
    }
    match knowledge_paths(kb, paths) {
        Ok(paths) => triage_rules::load_paths(&paths),
        Err(_) => crate::embedded::load(crate::embedded::DEFAULT),
    }
}

fn check(kb: Option<PathBuf>, args: CheckArgs) -> Outcome {
    let mut kb = load_knowledge(kb, args.paths);
    // Loading parses patterns; the author's check also compiles them.
    if let Some(model) = &kb.model {
        kb.diagnostics.extend(triage_engine::extract::compile_problems(model));
    }
    let failed = kb.error_count() > 0 || (args.deny_warnings && kb.warning_count() > 0);
    let code = if unreadable(&kb) {
        ExitCode::from(EXIT_USAGE)
    } else if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    };
    match args.format {
        OutputFormat::Text => {
            let rendered = diagnostic::render(&kb.diagnostics, &kb.sources, colour_stdout());
            emit(&format!("{rendered}{}\n", summary(&kb)))?;
        }
        OutputFormat::Json => {
            let report = serde_json::json!({
                "files": kb.sources.iter().map(|(_, f)| f.name.clone()).collect::<Vec<_>>(),
                "errors": kb.error_count(),
                "warnings": kb.warning_count(),
                "diagnostics": diagnostic::to_json(&kb.diagnostics, &kb.sources),
            });
            let json = serde_json::to_string_pretty(&report)
                .map_err(|e| UsageError::Usage(e.to_string()))?;
            emit_exact(&format!("{json}\n"))?;
        }
    }
    Ok(code)
}

/// Whether a path of the knowledge base could not be read: a usage error (exit 2), not a
/// problem in the knowledge base.
fn unreadable(kb: &KnowledgeBase) -> bool {
    kb.diagnostics.iter().any(|d| matches!(d.kind, DiagnosticKind::NotAFile { .. }))
}

fn fmt_command(kb: Option<PathBuf>, args: FmtArgs) -> Outcome {
    let paths = knowledge_paths(kb, args.paths)?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for path in &paths {
        if path == Path::new("-") {
            let mut bytes = Vec::new();
            std::io::stdin().read_to_end(&mut bytes)?;
            files.push(("<stdin>".into(), bytes));
            continue;
        }
        let found = triage_rules::load::kb_files(path)
            .map_err(|e| UsageError::Usage(format!("cannot read `{}`: {e}", path.display())))?;
        for file in found {
            let bytes = std::fs::read(&file)
                .map_err(|e| UsageError::Usage(format!("cannot read `{}`: {e}", file.display())))?;
            files.push((file.display().to_string(), bytes));
        }
    }
    let mut failed = false;
    let mut stdout = String::new();
    let several = files.len() > 1;
    for (name, bytes) in files {
        let mut sources = SourceMap::new();
        let mut problems = Vec::new();
        let id = triage_rules::load::add_bytes(&mut sources, &mut problems, &name, bytes);
        let text = sources.get(id).map(|f| f.text.clone()).unwrap_or_default();
        let (tree, mut syntax) = triage_rules::parse::parse_file(id, &text);
        problems.append(&mut syntax);
        if !problems.is_empty() {
            print_diagnostics_to_stderr(&problems, &sources);
            anstream::eprintln!("{name}: not formatted, it has syntax errors");
            failed = true;
            continue;
        }
        let formatted = triage_rules::format::format_file(&tree);
        if args.check {
            if formatted != text {
                emit(&format!("{name}\n"))?;
                failed = true;
            }
        } else if args.write && name != "<stdin>" {
            if formatted != text {
                std::fs::write(&name, &formatted)
                    .map_err(|e| UsageError::Usage(format!("cannot write `{name}`: {e}")))?;
                anstream::eprintln!("formatted {name}");
            }
        } else {
            if several {
                let _ = writeln!(stdout, "# ==> {name} <==");
            }
            stdout.push_str(&formatted);
        }
    }
    emit_exact(&stdout)?;
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// Loads a knowledge base that must be free of errors; prints the errors otherwise (exit 1,
/// or 2 when a path cannot be read).
fn load_valid(kb: Option<PathBuf>) -> Result<(KnowledgeBase, triage_rules::Model), ExitCode> {
    let mut kb = load_knowledge(kb, Vec::new());
    let Some(model) = kb.model.take() else {
        let errors: Vec<Diagnostic> =
            kb.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
        print_diagnostics_to_stderr(&errors, &kb.sources);
        anstream::eprintln!("{}", summary(&kb));
        return Err(if unreadable(&kb) { ExitCode::from(EXIT_USAGE) } else { ExitCode::FAILURE });
    };
    Ok((kb, model))
}

fn graph(kb: Option<PathBuf>, args: &GraphArgs) -> Outcome {
    let (_, model) = match load_valid(kb) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let only = match &args.symptom {
        None => None,
        Some(name) => Some(model.symptom_id(name).ok_or_else(|| {
            let names: Vec<&str> = model.symptoms.iter().map(|s| s.name.as_str()).collect();
            let hint = diagnostic::did_you_mean(name, names.iter().copied()).map_or_else(
                || format!("the symptoms are: {}", names.join(", ")),
                |c| format!("did you mean `{c}`?"),
            );
            UsageError::Usage(format!("unknown symptom `{name}`; {hint}"))
        })?),
    };
    let graph = DecisionGraph::build(&model);
    let text = match args.format {
        GraphFormat::Dot => graph.to_dot(&model, only),
        GraphFormat::Mermaid => graph.to_mermaid(&model, only),
    };
    emit_exact(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn init(args: &InitArgs) -> Outcome {
    let dir = &args.dir;
    empty_target(dir)?;
    for (relative, contents) in init::FILES {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, contents)?;
        emit(&format!("created {}\n", path.display()))?;
    }
    emit(&format!("\nnext: triage check --kb {}\n", dir.display()))?;
    Ok(ExitCode::SUCCESS)
}

/// Refuses to write into a folder that exists and is not empty.
fn empty_target(dir: &Path) -> Result<(), UsageError> {
    if dir.exists() && std::fs::read_dir(dir).map_or(true, |mut d| d.next().is_some()) {
        return Err(UsageError::Usage(format!(
            "`{}` already exists and is not empty",
            dir.display()
        )));
    }
    Ok(())
}

/// A file of a knowledge base: its path inside it, and its bytes (borrowed from the binary for
/// the embedded one).
type KbFile = (PathBuf, std::borrow::Cow<'static, [u8]>);

/// The files of a knowledge base that `kb list` shows and `kb export` copies, each with its
/// path inside the knowledge base: the `.kb` files, and `cases/` and `examples/` (what `check`
/// and `test` need). `--kb`, else the embedded knowledge base.
fn kb_tree(kb: Option<&Path>) -> Result<Vec<KbFile>, UsageError> {
    let root = match knowledge(kb) {
        Knowledge::Path(root) => root,
        Knowledge::Embedded(name) => {
            return Ok(embedded_tree(name));
        }
    };
    let cannot_read = |path: &Path, e: std::io::Error| {
        UsageError::Usage(format!("cannot read `{}`: {e}", path.display()))
    };
    let meta = std::fs::metadata(root).map_err(|e| cannot_read(root, e))?;
    let mut found = Vec::new();
    if meta.is_file() {
        found.push(root.to_path_buf());
    } else {
        walk(root, &mut found).map_err(|e| cannot_read(root, e))?;
    }
    found.sort();
    let mut tree = Vec::new();
    for path in found {
        let relative = if meta.is_file() {
            path.file_name().map(PathBuf::from).unwrap_or_default()
        } else {
            path.strip_prefix(root).map_or_else(|_| path.clone(), Path::to_path_buf)
        };
        if !exported(&relative) {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| cannot_read(&path, e))?;
        tree.push((relative, std::borrow::Cow::Owned(bytes)));
    }
    Ok(tree)
}

/// The files of an embedded knowledge base that `kb list` shows and `kb export` copies.
fn embedded_tree(name: &str) -> Vec<KbFile> {
    crate::embedded::tree(name)
        .into_iter()
        .filter(|(path, _)| exported(path))
        .map(|(path, bytes)| (path, std::borrow::Cow::Borrowed(bytes)))
        .collect()
}

/// Every file below `dir`, hidden folders (`.git`) left out.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
            continue;
        }
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// Whether a file (its path inside the knowledge base) is part of what `kb export` copies.
fn exported(relative: &Path) -> bool {
    relative.extension().is_some_and(|e| e == "kb")
        || relative
            .components()
            .next()
            .is_some_and(|c| c.as_os_str() == "cases" || c.as_os_str() == "examples")
}

/// The name `kb list` and `kb export` give the knowledge base.
pub(crate) fn kb_name(kb: Option<&Path>) -> String {
    match knowledge(kb) {
        Knowledge::Embedded(name) => format!("embedded knowledge base `{name}`"),
        Knowledge::Path(path) => format!("knowledge base `{}`", path.display()),
    }
}

fn kb_list(kb: Option<&Path>) -> Outcome {
    if kb.is_some() {
        emit(&kb_listing(kb)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    // Without --kb: every embedded knowledge base, each with its files.
    let names = crate::embedded::names();
    let mut out = format!(
        "{} embedded knowledge bases: {} (select one with --kb NAME; `{}` is the default)\n",
        names.len(),
        names.join(", "),
        crate::embedded::DEFAULT
    );
    for name in names {
        out.push('\n');
        out.push_str(&kb_listing(Some(Path::new(name)))?);
    }
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// One knowledge base's files, with what each `.kb` file declares.
fn kb_listing(kb: Option<&Path>) -> Result<String, UsageError> {
    let mut tree = kb_tree(kb)?;
    // The knowledge first, then the cases and examples.
    tree.sort_by_key(|(path, _)| (path.extension().is_none_or(|e| e != "kb"), path.clone()));
    let mut out = format!("{}:\n", kb_name(kb));
    let width = tree.iter().map(|(p, _)| p.display().to_string().len()).max().unwrap_or(0);
    for (path, bytes) in &tree {
        let name = path.display().to_string();
        if path.extension().is_some_and(|e| e == "kb") {
            let text = String::from_utf8_lossy(bytes);
            let count = |kw: &str| text.lines().filter(|l| l.starts_with(kw)).count();
            let _ = writeln!(
                out,
                "  {name:<width$}  {:>4} facts {:>3} symptoms {:>3} causes {:>3} fixes",
                count("fact "),
                count("symptom "),
                count("cause "),
                count("fix ")
            );
        } else {
            let _ = writeln!(out, "  {name}");
        }
    }
    let kb_option = kb_option(kb, None);
    let _ = write!(
        out,
        "\nits symptoms: triage{kb_option} symptoms\ncopy it to start your own: triage{kb_option} kb export DIR\n"
    );
    Ok(out)
}

fn kb_export(kb: Option<&Path>, dir: &Path) -> Outcome {
    let tree = kb_tree(kb)?;
    if !tree.iter().any(|(p, _)| p.extension().is_some_and(|e| e == "kb")) {
        anstream::eprintln!("error: the {} holds no .kb file: nothing to export", kb_name(kb));
        return Ok(ExitCode::FAILURE);
    }
    empty_target(dir)?;
    std::fs::create_dir_all(dir)?;
    for (relative, bytes) in &tree {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, bytes)
            .map_err(|e| UsageError::Usage(format!("cannot write `{}`: {e}", path.display())))?;
        emit(&format!("wrote {}\n", path.display()))?;
    }
    let dir = dir.display();
    emit(&format!("\nnext: triage check --kb {dir} && triage test --kb {dir}\n"))?;
    Ok(ExitCode::SUCCESS)
}

/// Reads and checks a fact file (`-` is standard input, its format sniffed; otherwise the
/// extension says JSON or YAML). Problems with the facts are printed, every one of them, and
/// come back as exit code 1 (so does text that is not UTF-8); a file that cannot be read is a
/// usage error.
pub(crate) fn read_facts(
    reader: &triage_engine::FactReader<'_>,
    path: &Path,
) -> Result<Result<triage_engine::FactSet, ExitCode>, UsageError> {
    let stdin = path == Path::new("-");
    let bytes = if stdin {
        stdin_bytes()?.to_vec()
    } else {
        std::fs::read(path)
            .map_err(|e| UsageError::Usage(format!("cannot read `{}`: {e}", path.display())))?
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            anstream::eprintln!("{}: not UTF-8 (bad byte at {at})", path.display());
            return Ok(Err(ExitCode::FAILURE));
        }
    };
    let format = if stdin {
        triage_engine::Format::sniff(&text)
    } else {
        triage_engine::Format::from_path(path)
    };
    Ok(reader.read(&text, format).map_err(|e| {
        anstream::eprintln!("{}: {e}", path.display());
        ExitCode::FAILURE
    }))
}

/// Standard input, read once: a command may look at a fact file to choose the knowledge
/// base before it reads the facts.
fn stdin_bytes() -> std::io::Result<&'static [u8]> {
    static STDIN: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    if let Some(bytes) = STDIN.get() {
        return Ok(bytes);
    }
    let mut bytes = Vec::new();
    std::io::stdin().read_to_end(&mut bytes)?;
    Ok(STDIN.get_or_init(|| bytes))
}

/// What a command without `--kb` was given, to choose the embedded knowledge base it is for.
#[derive(Debug, Default)]
pub(crate) struct Given<'a> {
    pub files: &'a [PathBuf],
    pub assignments: &'a [String],
    /// A query or a pasted text.
    pub text: Option<&'a str>,
}

/// How well a command's input fits one knowledge base: a symptom named, facts declared, facts
/// read from the text, the best search score of the text.
type Fit = (usize, usize, usize, f64);

/// `--kb` as given, or, without it, the embedded knowledge base the facts and text fit best:
/// the one that declares most of the facts named (a symptom named counts most), else the one
/// that reads most facts from the text or finds the best symptom for it. Two that fit equally
/// well are a usage error asking for `--kb`; when nothing fits, the default.
pub(crate) fn choose_kb(
    kb: Option<PathBuf>,
    given: &Given<'_>,
) -> Result<Option<PathBuf>, UsageError> {
    if kb.is_some() {
        return Ok(kb);
    }
    let names = crate::embedded::names();
    if names.len() < 2 {
        return Ok(None);
    }
    let mut keys: Vec<String> = Vec::new();
    let mut symptom: Option<String> = None;
    for path in given.files {
        let (text, format) = if path == Path::new("-") {
            let text = String::from_utf8_lossy(stdin_bytes()?).into_owned();
            let format = triage_engine::Format::sniff(&text);
            (text, format)
        } else {
            let Ok(text) = std::fs::read_to_string(path) else { continue };
            (text, triage_engine::Format::from_path(path))
        };
        let head = triage_engine::fact_file_head(&text, format);
        keys.extend(head.keys);
        symptom = head.symptom.or(symptom);
    }
    keys.extend(
        given
            .assignments
            .iter()
            .filter_map(|a| a.split_once('='))
            .map(|(n, _)| n.trim().to_string()),
    );
    choose_among(keys, symptom.as_deref(), given.text)
}

/// The embedded knowledge base that fact keys, a symptom named and the words of a text fit
/// best (see [`choose_kb`]); `None` when nothing tells them apart from the default's.
pub(crate) fn choose_among(
    mut keys: Vec<String>,
    symptom: Option<&str>,
    text: Option<&str>,
) -> Result<Option<PathBuf>, UsageError> {
    let names = crate::embedded::names();
    keys.retain(|k| !matches!(k.as_str(), "host" | "collected_at" | "symptom"));
    // Per knowledge base: (a symptom named, facts declared, facts read from the text, the
    // best search score of the text), compared in that order.
    let mut scores: Vec<(&'static str, Fit)> = Vec::new();
    for name in names {
        let Some(model) = crate::embedded::load(name).model else { continue };
        let symptom_named = usize::from(symptom.is_some_and(|s| model.symptom_id(s).is_some()));
        let declared = keys.iter().filter(|k| model.fact_id(k).is_some()).count();
        let (read, best) = text.map_or((0, 0.0), |text| {
            let (_, read) = triage_engine::extract::TextReader::new(&model).read(text);
            let index = triage_engine::search::SearchIndex::new(&model);
            let best = index.search(text).first().map_or(0.0, |hit| hit.score);
            (read.len(), best)
        });
        scores.push((name, (symptom_named, declared, read, best)));
    }
    let cmp = |a: &Fit, b: &Fit| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)).then(a.3.total_cmp(&b.3));
    scores.sort_by(|a, b| cmp(&b.1, &a.1));
    let nothing = (0, 0, 0, 0.0);
    match scores.as_slice() {
        [(best, score), (second, runner_up), ..]
            if cmp(score, runner_up).is_eq() && cmp(score, &nothing).is_gt() =>
        {
            Err(fit_equally_well("these facts", best, second))
        }
        [(best, score), ..] if cmp(score, &nothing).is_gt() => Ok(Some(PathBuf::from(best))),
        _ => Ok(None),
    }
}

/// What a command was given (`these facts`, the words of a query) fits two embedded knowledge
/// bases equally well: a usage error asking for `--kb`.
pub(crate) fn fit_equally_well(what: &str, best: &str, second: &str) -> UsageError {
    UsageError::Usage(format!(
        "{what} fit the embedded knowledge bases `{best}` and `{second}` equally well: choose one with --kb {best} or --kb {second}"
    ))
}

/// The facts of a command that takes fact files and `--fact NAME=VALUE` (diagnose, guide,
/// plan): the files merged (a fact two files give different values is a problem), then each
/// `--fact` over them. Every problem is printed and comes back as exit code 1; a file that
/// cannot be read, or a `--fact` without `=`, is a usage error.
pub(crate) fn read_fact_inputs(
    reader: &FactReader<'_>,
    files: &[PathBuf],
    assignments: &[String],
) -> Result<Result<FactSet, ExitCode>, UsageError> {
    let model = reader.model();
    let mut facts = FactSet::unknown(model);
    for path in files {
        let more = match read_facts(reader, path)? {
            Ok(more) => more,
            Err(code) => return Ok(Err(code)),
        };
        let conflicts = facts.merge(more, model);
        if !conflicts.is_empty() {
            anstream::eprintln!("{}: {}", path.display(), conflicts.join("\n"));
            return Ok(Err(ExitCode::FAILURE));
        }
    }
    let mut problems = Vec::new();
    for assignment in assignments {
        let Some((name, value)) = assignment.split_once('=') else {
            return Err(UsageError::Usage(format!(
                "--fact expects NAME=VALUE, got `{assignment}`"
            )));
        };
        if let Err(problem) = reader.set_from_text(&mut facts, name.trim(), value.trim()) {
            problems.push(format!("--fact {problem}"));
        }
    }
    if !problems.is_empty() {
        anstream::eprintln!("{}", problems.join("\n"));
        return Ok(Err(ExitCode::FAILURE));
    }
    Ok(Ok(facts))
}

/// `text` as one shell word a person can paste: as it is when nothing in it is special to a
/// shell, else quoted; `None` when no word can carry it (a NUL).
pub(crate) fn shell_word(text: &str) -> Option<String> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-.,:/=@%+".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        return Some(text.to_string());
    }
    triage_renderers::plan::quote::bash(text).ok()
}

/// ` --kb …` for the command lines that take a symptom further: the `--kb` path, or the
/// embedded knowledge base the symptom is from when it is not the default; else nothing.
pub(crate) fn kb_option(kb: Option<&Path>, embedded: Option<&str>) -> String {
    match (kb, embedded) {
        // A path a shell would split or expand is quoted, so the line pastes as it reads.
        (Some(path), _) => {
            let text = path.display().to_string();
            format!(" --kb {}", shell_word(&text).unwrap_or(text))
        }
        (None, Some(name)) if name != crate::embedded::DEFAULT => format!(" --kb {name}"),
        _ => String::new(),
    }
}
