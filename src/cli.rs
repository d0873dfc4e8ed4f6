//! Command-line arguments (clap derive). Only the shape of the command line lives here; what
//! each command does is in `commands`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  problems in the input: errors in a knowledge base, files that need formatting
  2  usage error: bad arguments, a path that cannot be read";

#[derive(Debug, Parser)]
#[command(
    name = "triage",
    version,
    about = "An expert system for IT troubleshooting: ranks causes, explains, plans repairs",
    long_about = "triage reads a knowledge base written in the .kb language (facts, symptoms, \
causes, fixes), checks it, and turns it into a decision graph.\n\nStart with `triage init my-kb` \
to get an example of every construct, then `triage check --kb my-kb`.",
    after_help = EXIT_CODES,
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The knowledge base: a .kb file or a folder of them (default: the embedded Remote
    /// Desktop knowledge base)
    #[arg(long, global = true, value_name = "PATH", env = "TRIAGE_KB")]
    pub kb: Option<PathBuf>,
    /// When to use colour (auto: only on a terminal, never with `NO_COLOR` set)
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a knowledge base: errors and warnings, each with its file, line and column
    #[command(after_help = "Examples:
  triage check --kb knowledge/rdp
  triage check my-kb/ --deny-warnings
  triage check my-kb/ --format json | jq '.diagnostics[] | .code'

Exit codes: 0 no errors (and no warnings with --deny-warnings), 1 errors, 2 usage")]
    Check(CheckArgs),
    /// Print .kb files in canonical form, or rewrite them (--write)
    #[command(after_help = "Examples:
  triage fmt my-kb/causes.kb           print the canonical form
  triage fmt --write my-kb/            rewrite every .kb file in place
  triage fmt --check my-kb/            list files that would change (exit 1 if any)
  cat x.kb | triage fmt -              format standard input

Files with syntax errors are reported and left untouched.
Exit codes: 0 done (or nothing to change), 1 files would change or do not parse, 2 usage")]
    Fmt(FmtArgs),
    /// Draw the decision graph (Graphviz DOT or Mermaid)
    #[command(after_help = "Examples:
  triage graph --kb my-kb | dot -Tsvg > graph.svg
  triage graph --kb my-kb --format mermaid --symptom rdp_0x904_0x7

Exit codes: 0 printed, 1 the knowledge base has errors, 2 usage")]
    Graph(GraphArgs),
    /// Rank the likely causes of a problem from the facts of a machine
    #[command(after_help = "Examples:
  triage diagnose facts.json --kb my-kb
  triage diagnose facts.yaml --kb my-kb --explain
  triage diagnose --kb my-kb --fact http_status=503 --fact disk_free_ratio=0.01
  collect-facts | triage diagnose - --kb my-kb --format json

A fact file is a JSON or YAML object of fact name -> value (null = unknown), plus optional
host, collected_at and symptom keys. Ints may be written \"0x904\".
Exit codes: 0 diagnosed, 1 the facts are invalid (every problem is listed), 2 usage")]
    Diagnose(DiagnoseArgs),
    /// Diagnose many fact sets (JSON Lines) in parallel, one result line per input line
    #[command(after_help = "Examples:
  triage batch cases.jsonl --kb my-kb -o results.jsonl
  cat cases.jsonl | triage batch - --kb my-kb --jobs 2 > results.jsonl

Each output line is the diagnosis of the input line at the same position, or
{\"line\": N, \"error\": ...} when that line is not valid. A summary goes to stderr.
Exit codes: 0 every line diagnosed, 1 some lines failed, 2 usage")]
    Batch(BatchArgs),
    /// Run the test cases of a knowledge base: expected top cause per fact set, and coverage
    #[command(after_help = "Examples:
  triage test                                   the embedded knowledge base and its cases
  triage test --kb my-kb                        my-kb/*.kb with the cases in my-kb/cases/
  triage test --kb my-kb --cases extra.yaml     other case files

Exit codes: 0 every case passed, 1 some failed (or a case file is invalid), 2 usage")]
    Test(TestArgs),
    /// Find the symptom for an error code, a message or a few words
    #[command(after_help = "Examples:
  triage search 0x904                 the code as the dialog shows it
  triage search 2308                  the same code in decimal, as event 1026 logs it
  triage search \"socket closed\"
  triage search certificate expired --format json

Then: triage guide NAME, triage ask NAME, or triage diagnose with a fact file.
Exit codes: 0 found, 1 nothing matches, 2 usage")]
    Search(SearchArgs),
    /// Print the JSON Schema (draft 2020-12) of a fact file for the knowledge base
    #[command(after_help = "Examples:
  triage schema --kb my-kb > facts.schema.json")]
    Schema,
    /// Create a new knowledge base with one commented example of every construct
    #[command(after_help = "Examples:
  triage init my-kb && triage check --kb my-kb

Exit codes: 0 created, 2 the folder exists and is not empty")]
    Init(InitArgs),
    /// See or copy the knowledge base embedded in the binary
    #[command(
        subcommand,
        after_help = "Examples:
  triage kb list
  triage kb export my-rdp-kb && triage check --kb my-rdp-kb"
    )]
    Kb(KbCommand),
    /// Print a shell completion script
    #[command(after_help = "Examples:
  triage completions bash > ~/.local/share/bash-completion/completions/triage
  triage completions zsh > ~/.zfunc/_triage
  triage completions fish > ~/.config/fish/completions/triage.fish
  triage completions powershell >> $PROFILE")]
    Completions(CompletionsArgs),
    /// Print the manual page (roff)
    #[command(after_help = "Examples:
  triage man > triage.1 && man ./triage.1")]
    Man,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or folders to check (default: --kb, else the embedded knowledge base)
    pub paths: Vec<PathBuf>,
    /// Fail (exit 1) on warnings too
    #[arg(long)]
    pub deny_warnings: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Files or folders to format, `-` for standard input (default: --kb)
    pub paths: Vec<PathBuf>,
    /// Rewrite the files in place
    #[arg(long, conflicts_with = "check")]
    pub write: bool,
    /// Only list the files that are not in canonical form; exit 1 if there are any
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// Only the part of the graph that concerns this symptom
    #[arg(long, value_name = "NAME")]
    pub symptom: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    /// The fact file (JSON or YAML), `-` for standard input
    pub facts: Option<PathBuf>,
    /// Set a fact (repeatable); wins over the file
    #[arg(long = "fact", value_name = "NAME=VALUE")]
    pub facts_set: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Show every finding behind each cause
    #[arg(long)]
    pub explain: bool,
    /// Warn about unknown keys instead of failing
    #[arg(long)]
    pub lenient: bool,
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// JSON Lines input, one fact set per line; `-` for standard input
    pub input: PathBuf,
    /// Where to write the results (default: standard output)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Worker threads (default: one per core)
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Warn about unknown keys instead of failing the line
    #[arg(long)]
    pub lenient: bool,
    /// Add the explanations in words (the evidence is always there as numbers)
    #[arg(long)]
    pub explain: bool,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Case files (YAML) or folders of them (default: the knowledge base's `cases/`)
    #[arg(long, value_name = "FILE_OR_DIR")]
    pub cases: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// What to look for: a code (0x904, 904, 2308), words of the message, an alias
    #[arg(required = true, num_args = 1..)]
    pub query: Vec<String>,
    /// Show at most this many symptoms
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Output format
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

#[derive(Debug, Subcommand)]
pub enum KbCommand {
    /// List the files of the embedded knowledge base
    List,
    /// Write the embedded knowledge base's files into a new folder
    Export(InitArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The folder to create
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}
