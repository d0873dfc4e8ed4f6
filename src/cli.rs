//! Command-line arguments (clap derive). Only the shape of the command line lives here; what
//! each command does is in `commands`.
//!
//! Every line of a help text indented by two spaces that runs `triage` is an example, and
//! `tests/integration/help_examples.rs` runs it: keep them runnable from the repository root
//! (`my-kb` is what `triage init my-kb` writes).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// The exit codes every command follows (docs/exit-codes.md has the table per command).
pub const EXIT_CODES: &str = "\
Exit codes (docs/exit-codes.md):
    0  success
    1  problems in the input: an invalid knowledge base or fact file, failed test cases,
       files that need formatting, a query that no symptom fits
    2  usage: bad arguments, a path that cannot be read
    3  the facts rule out every symptom (diagnose, guide, ask, plan)
  130  interrupted (Ctrl-C in ask)
The scripts that plan and collect write have codes of their own: see their --help.";

#[derive(Debug, Parser)]
#[command(
    name = "triage",
    version,
    about = "An expert system for IT troubleshooting: finds the symptom, ranks its causes, plans \
the repair",
    long_about = "triage finds the likely causes of an IT problem and the order of fixes that \
pays, from a knowledge base of symptoms, causes and fixes (the Remote Desktop one is built in; \
--kb PATH reads another).

Support engineer: find the symptom, narrow it down, repair it
  triage search 0x904                             the symptom of an error code or a message
  triage ask 0x904                                one question at a time, then what to do
  triage guide 0x904                              or the troubleshooting guide to follow
  triage plan --fact error_code=0x904 -o fix.ps1  the repair as a script (dry run first)
  triage symptoms                                 everything the knowledge base covers

Knowledge-base author: write, check, format, test, draw
  triage init my-kb                               a new knowledge base, every construct shown
  triage check --kb my-kb                         errors and warnings with file:line:column
  triage fmt --write my-kb                        the canonical form, in place
  triage test --kb my-kb                          its test cases: the expected top cause of each
  triage graph --kb my-kb                         the decision graph (Graphviz DOT)",
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
    /// The knowledge base: `rdp` or `ssh` (an embedded one), or a .kb file or a folder of
    /// them. Without it, search, symptoms and ask look in every embedded knowledge base and
    /// diagnose, plan and guide take the one the facts fit (rdp when nothing tells). init,
    /// completions, man and plan --schema read none and refuse it on the command line
    /// (`TRIAGE_KB` is ignored there)
    #[arg(long, global = true, value_name = "PATH", env = "TRIAGE_KB")]
    pub kb: Option<PathBuf>,
    /// Whether --kb was typed on the command line (not taken from `TRIAGE_KB`): set by `main`.
    #[arg(skip)]
    pub kb_on_command_line: bool,
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

/// The commands, in the order `triage --help` lists them: the support engineer's first, then
/// the knowledge-base author's.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the symptoms the knowledge base covers: name, title, codes, frequency
    #[command(after_help = "Examples:
  triage symptoms                              the embedded knowledge base
  triage symptoms --kb my-kb --format json     name, title, codes, aliases, frequency

Codes are the ints the symptom's condition compares a fact with, written as the knowledge
base writes them (0x904 in hex, 2308 in decimal); frequency is the symptom's declared share
of the reports, when it has one.
Then: triage search WORDS, triage guide NAME, triage ask NAME.
Exit codes: 0 listed, 1 the knowledge base has errors, 2 usage")]
    Symptoms(SymptomsArgs),
    /// Find the symptom for an error code, a message or a few words
    #[command(after_help = "Examples:
  triage search 0x904                 the code as the dialog shows it
  triage search 2308                  the same code in decimal, as event 1026 logs it
  triage search \"socket closed\"
  triage search certificate expired --format json
  triage search printer jam           nothing fits: it says why, and exits 1

Whole words and known synonyms (sign in = log on = login, cert = certificate, RDP =
remote desktop, freezes = hangs, ...); a typo or an abbreviation only of a word of 6
letters or more. One-letter words, words like \"the\" and words most symptoms have are
left out. A symptom is listed, once, when the query is its name, has its code, holds one of
its aliases, or has at least half of the remaining words.
Then: triage guide NAME, triage ask NAME, or triage diagnose with a fact file.
Exit codes: 0 found, 1 nothing fits well (it says why, how to start without a symptom:
triage ask, and where to see every symptom: triage symptoms), 2 usage")]
    Search(SearchArgs),
    /// Diagnose one question at a time: the next-best question, the ranking after each answer
    #[command(after_help = "Examples:
  triage ask 0x904                            find the symptom by its code, then ask
  triage ask \"socket closed\" --facts knowledge/rdp/examples/0x904.json --save case.json
  triage ask                                  search for the symptom first
  printf 'yes\\nno\\n' > answers.txt && triage ask 0x904 --answers answers.txt
  triage ask --fact error_code=0x904 --fact extended_error_code=0x7 --answers answers.txt
  printf 'internal_error\\n?\\nback\\nyes\\n' | triage ask rdp_0x904_0x7 --save case.json
  triage ask printer jam                      nothing fits: exits 1

Answers: a value (yes/no, an enum value, a number; ints in hex or decimal, sets
comma-separated), `?` or `dont know`, `back` (undo the last answer), `stop`. Without a
terminal (or with --answers) one answer per line.
On a terminal: arrows and Enter, Esc stops asking, Ctrl-C quits (and offers to save).
Exit codes: 0 done, 1 the knowledge base or the fact file is invalid, or no symptom fits the
query, 2 usage, 3 the facts or the answers rule out every symptom, 130 interrupted (Ctrl-C)")]
    Ask(AskArgs),
    /// Write a troubleshooting guide for a symptom (Markdown or self-contained HTML)
    #[command(after_help = "Examples:
  triage guide 0x904                                  the guide for error 0x904
  triage guide \"socket closed\" --format html -o guide.html
  triage guide 0x904 --full -o guide-full.md          the complete reference
  triage guide rdp_0x904_0x7 --facts knowledge/rdp/examples/0x904.json
  triage guide --fact display_symptom=black_screen    the symptom the facts show
  triage guide printer jam                            nothing fits: exits 1

The symptom is its name, an error code (0x904, 904, 2308) or words of the message, found
as `triage search` finds it. A query that fits no symptom well, or several equally, writes
no guide: the candidates are listed, each as `triage guide NAME`.
--facts and --fact tailor the guide to one machine (--fact wins over the file).
--templates DIR: files named like the built-in templates (guide.md, guide.html,
base.html, macros.html, macros.md, style.css) replace them.
Exit codes: 0 written, 1 the knowledge base or the facts are invalid, or the query fits no
symptom well or several equally, 2 usage (unreadable file, template error), 3 the facts rule
out every symptom")]
    Guide(GuideArgs),
    /// Rank the likely causes of a problem from the facts of a machine
    #[command(after_help = "Examples:
  triage diagnose --fact error_code=0x904 --fact extended_error_code=0x7
  triage diagnose knowledge/rdp/examples/0x904.json --explain
  triage diagnose --text knowledge/rdp/examples/0x904-dialog.txt    facts from a pasted dialog
  triage diagnose --kb my-kb --fact http_status=503 --fact disk_free_ratio=0.01
  cat knowledge/rdp/examples/0x904.json | triage diagnose - --format json

A fact file is a JSON or YAML object of fact name -> value (null = unknown), plus optional
host, collected_at and symptom keys. Ints may be written \"0x904\". Several fact files (the
client's and the server's) make one case; --fact wins over them.
When no symptom's condition holds, the causes are ranked over every symptom the facts leave
possible, weighed by how common it is and how well the facts fit it.
Exit codes: 0 diagnosed, 1 the facts are invalid (every problem is listed), 2 usage,
3 the facts rule out every symptom")]
    Diagnose(DiagnoseArgs),
    /// Write a script that applies the repair plan for the facts (dry run by default)
    #[command(after_help = "Examples:
  triage plan knowledge/rdp/examples/0x904.json -o plan.ps1   then .\\plan.ps1, .\\plan.ps1 -Apply
  triage plan --fact error_code=0x904 --fact extended_error_code=0x7 -o plan.ps1
  triage plan --kb my-kb --fact http_status=503 --shell bash -o plan.sh && bash plan.sh
  triage plan knowledge/rdp/examples/0x904.json --shell json | jq '.steps[].fix'
  triage plan --schema > plan.schema.json       the JSON Schema of --shell json

The plan repairs the first symptom the facts match (or --symptom), trying the fixes in
the engine's cheapest-expected-cost order; fixes whose causes the facts rule out are left
out. --fact sets a fact, over the fact file. Fact values reach the scripts only as quoted
TRIAGE_<FACT> environment variables (values holding a NUL character are refused). A fix
without a script for the shell is printed as manual steps; when no fix has one, nothing can
be automated: exit 1.

Exit codes of triage plan: 0 written, 1 the facts are invalid or nothing can be automated,
2 usage, 3 the facts rule out every symptom.
Exit codes of the generated script:
   0  the symptom is gone (fixed, or already gone); a dry run always exits 0
   2  bad arguments (bash)
   3  a fix needs administrator rights the plan does not have (bash; PowerShell
      refuses to start through #Requires -RunAsAdministrator)
  10  nothing worked: every fix that could be applied was, the symptom is still there
  20  the symptom is still there and a fix failed (run or verify) and was undone
  30  an undo failed: the plan stopped at once, the system may be half-changed
  40  a fix took but the symptom could not be re-checked: confirm by hand
  50  stopped by the operator (interactive mode)
  60  a fix took that needs a restart: restart, then run the plan again")]
    Plan(PlanArgs),
    /// Write a script that collects the facts of a machine into a fact file
    #[command(after_help = "Examples:
  triage collect -o collect.ps1                 every fact with a PowerShell collector
  triage collect --symptom rdp_0x904_0x7 -o collect.ps1
  triage collect --symptom rdp_0x904_0x7 --where server -o server.ps1
  triage collect --kb my-kb --shell bash > collect.sh && bash collect.sh -o facts.json

Then .\\collect.ps1 -Out facts.json on the machine, and triage diagnose facts.json.
Each collector runs guarded (PowerShell: a job with a time limit; bash: timeout) with
-TimeoutSeconds / --timeout seconds (default 60); a collector that fails, times out or
prints a value of the wrong type leaves its fact null and is reported on stderr. The
output is a fact file (JSON) that triage diagnose reads as is, with host and collected_at.
Exit codes of triage collect: 0 written, 1 the knowledge base has errors or no fact has a
collector for the shell, 2 usage. The script exits 0 when every collector gave a value,
1 when some failed (the file is written either way), 2 on bad arguments.")]
    Collect(CollectArgs),
    /// Diagnose many fact sets (JSON Lines) in parallel, one result line per input line
    #[command(after_help = "Examples:
  printf '{\"error_code\": \"0x904\"}\\n{\"error_code\": \"0x204\"}\\n' | triage batch -
  printf '{\"http_status\": 503}\\n' > cases.jsonl && triage batch cases.jsonl --kb my-kb -o out.jsonl
  printf '{\"error_code\": \"0x904\", \"host\": \"pc1\"}\\n' | triage batch - --format csv

Each output line is the diagnosis of the input line at the same position (by default a
summary: the three likeliest causes, the next fact to collect, the first fix), or
{\"line\": N, \"error\": ...} when that line is not valid. A summary goes to stderr.
Exit codes: 0 every line diagnosed, 1 some lines failed, 2 usage")]
    Batch(BatchArgs),
    /// Report on a fleet from batch results: causes, confidence, the next fact, the rollout
    #[command(after_help = "Examples:
  printf '{\"error_code\":\"0x904\",\"host\":\"pc1\"}\\n' > f.jsonl && triage batch f.jsonl -o results.jsonl
  triage report results.jsonl -o report.html         the page, and report-hosts.csv beside it
  triage report results.jsonl --format md             Markdown on standard output
  cat results.jsonl | triage report - results.jsonl --format json -o report.json
  triage report --schema > report.schema.json         the JSON Schema of --format json

RESULTS are what triage batch writes (summary or full records, error records too): files,
folders of Spark part files (part-*), - for standard input; read once, in one pass. The report
counts hosts per symptom and per leading cause (confident: the leader is at least 80 %
likely), lists the hosts no listed cause explains, names the fact to collect next on the
ambiguous hosts and the order to roll fixes out in. With -o FILE every diagnosed host goes to
FILE-hosts.csv beside it. The knowledge base is the embedded one the symptoms are from, or --kb.
Exit codes: 0 written, 1 some lines are not batch records (they are counted as failed), or
the knowledge base has errors, 2 usage (an input cannot be read, the output cannot be written)")]
    Report(ReportArgs),
    /// Serve the web wizard, a browsable knowledge base and a JSON API
    #[command(after_help = "Examples:
  triage serve                                 http://127.0.0.1:8080, the embedded knowledge base
  triage serve --addr 0.0.0.0:8080 --kb my-kb  on every interface, your knowledge base
  curl -d @knowledge/rdp/examples/0x904.json http://127.0.0.1:8080/api/diagnose
  curl 'http://127.0.0.1:8080/api/search?q=0x904'

Pages: / (search), /wizard?symptom=NAME (one question per page), /kb (the knowledge base).
API: POST /api/diagnose (a fact file; the JSON of `triage diagnose --format json`, 422 with
the problems for a bad file), GET /api/search?q=. Nothing is stored: the answers travel in
the address. Ctrl-C stops it after the requests in flight (exit code 0: it is how it stops).
Exit codes: 0 stopped, 1 the knowledge base has errors, 2 usage (the address cannot be used)")]
    Serve(ServeArgs),
    /// Write the whole knowledge base as a static web site (works offline)
    #[command(after_help = "Examples:
  triage site -o site/ && xdg-open site/index.html
  triage site --kb my-kb -o public/

One guide page per symptom, a page per cause and per fix, cross-linked; an index with
search (search-index.json, and search.js that works from disk) and the graph as SVG.
--templates DIR: files named like the built-in templates replace them.
Exit codes: 0 written, 1 the knowledge base has errors, 2 usage")]
    Site(SiteArgs),
    /// Create a new knowledge base with one commented example of every construct
    #[command(after_help = "Examples:
  triage init web-kb && triage check --kb web-kb && triage test --kb web-kb

Exit codes: 0 created, 2 the folder exists and is not empty, or --kb was given (init reads
no knowledge base)")]
    Init(InitArgs),
    /// Check a knowledge base: errors and warnings, each with its file, line and column
    #[command(after_help = "Examples:
  triage check                                  the embedded knowledge base
  triage check --kb my-kb
  triage check my-kb/ --deny-warnings          a folder or files, warnings fail too
  triage check --kb my-kb --format json | jq '.diagnostics[] | .code'

Exit codes: 0 no errors (and no warnings with --deny-warnings), 1 errors (or warnings with
--deny-warnings), 2 usage (a path that cannot be read)")]
    Check(CheckArgs),
    /// Print .kb files in canonical form, or rewrite them (--write)
    #[command(after_help = "Examples:
  triage fmt my-kb/causes.kb           print the canonical form
  triage fmt --write my-kb/            rewrite every .kb file in place
  triage fmt --check my-kb/            list the files that would change (exit code 1 if any)
  cat my-kb/facts.kb | triage fmt -    format standard input

Files with syntax errors are reported and left untouched.
Exit codes: 0 done (or nothing to change), 1 files would change or do not parse, 2 usage")]
    Fmt(FmtArgs),
    /// Run the test cases of a knowledge base: expected top cause per fact set, and coverage
    #[command(after_help = "Examples:
  triage test                                   the embedded cases; some real reports fail: exits 1
  triage test --kb my-kb                        my-kb/*.kb with the cases in my-kb/cases/
  triage test --kb my-kb --cases my-kb/cases/examples.yaml --interview --format json

Exit codes: 0 every case passed, 1 some failed (or a case file is invalid, or the knowledge
base has errors), 2 usage (no case files, a path that cannot be read)")]
    Test(TestArgs),
    /// Turn outcome records into test cases (`cases from-records`)
    #[command(
        subcommand,
        after_help = "Examples:
  triage cases from-records knowledge/rdp/examples/outcomes.jsonl > record-cases.yaml
  triage cases from-records knowledge/rdp/examples/outcomes.jsonl -o record-cases.yaml
  triage test --cases record-cases.yaml        real sessions, some fail: exits 1

A record becomes a case when the person confirmed its cause, or when the one fix that worked
repairs exactly one cause; records with the same facts and cause make one case. What became
no case is counted by reason on stderr.
Exit codes: 0 written, 1 some lines are not records (the others are still turned into cases),
or the knowledge base has errors, 2 usage (a file that cannot be read or written)"
    )]
    Cases(CasesCommand),
    /// Measure how well the probabilities fit cases and records, and propose corrections
    #[command(after_help = "Examples:
  triage calibrate knowledge/rdp/cases/real.yaml                   the shipped real reports
  triage calibrate knowledge/rdp/examples/outcomes.jsonl --report calibration
  triage calibrate knowledge/rdp/cases/ --write-patch calibration.patch --folds 10
  triage calibrate knowledge/rdp/examples/outcomes.jsonl --format json | jq .calibration.summary

Inputs are case files (YAML, as triage test reads them, or folders of them) and outcome
records (JSON Lines), told apart by content. Reported: log loss, Brier score, top-1 and
top-3 of the rankings; per number (finding, prior, fix success, symptom frequency) the
author's value, the data's estimate (a Beta/Dirichlet posterior with the author's value as
prior mean worth --strength sessions), its 95 % interval, and a proposal when the author's
value is outside it; k-fold held-out log loss before and after the proposals. --report DIR
writes DIR/index.html (opens from disk); --write-patch FILE a diff for git apply, never an
edit of the knowledge base. Records from another version of the knowledge base are warned of.
Exit codes: 0 reported, 1 some cases or lines are invalid (the rest is reported), no session
has a known cause, or the knowledge base has errors, 2 usage (a file that cannot be read or
written, --folds 0)")]
    Calibrate(CalibrateArgs),
    /// Draw the decision graph (Graphviz DOT or Mermaid)
    #[command(after_help = "Examples:
  triage graph --kb my-kb | dot -Tsvg > graph.svg
  triage graph --kb my-kb --format mermaid --symptom site_unavailable
  triage graph --symptom rdp_0x904_0x7          one symptom of the embedded knowledge base

Exit codes: 0 printed, 1 the knowledge base has errors, 2 usage (an unknown symptom)")]
    Graph(GraphArgs),
    /// Print the JSON Schema (draft 2020-12) of a fact file for the knowledge base
    #[command(after_help = "Examples:
  triage schema > facts.schema.json
  triage schema --kb my-kb
  triage schema --record > outcome.schema.json    one line of --record's outcome records

Exit codes: 0 printed, 1 the knowledge base has errors, 2 usage")]
    Schema(SchemaArgs),
    /// See or copy a knowledge base: --kb, else the one embedded in the binary
    #[command(
        subcommand,
        after_help = "Examples:
  triage kb list                                the embedded knowledge base's files
  triage kb export rdp-kb && triage check --kb rdp-kb
  triage --kb my-kb kb export my-kb-copy        a copy of your own

Export writes what check and test need: the .kb files, cases/ and examples/.
Exit codes: 0 done, 1 the knowledge base holds no .kb file, 2 usage (the folder exists and
is not empty, a path cannot be read)"
    )]
    Kb(KbCommand),
    /// Print a shell completion script
    #[command(after_help = "Examples:
  triage completions bash > ~/.local/share/bash-completion/completions/triage
  triage completions zsh > ~/.zfunc/_triage
  triage completions fish > ~/.config/fish/completions/triage.fish
  triage completions powershell >> $PROFILE

Exit codes: 0 printed, 2 usage (--kb given: completions read no knowledge base)")]
    Completions(CompletionsArgs),
    /// Print the manual page (roff)
    #[command(after_help = "Examples:
  triage man > triage.1 && man ./triage.1

Exit codes: 0 printed, 2 usage (--kb given: the manual reads no knowledge base)")]
    Man,
}

#[derive(Debug, Args)]
pub struct SymptomsArgs {
    /// Output format (json: an array of {name, title, codes, aliases, frequency})
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
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
    /// Fact files (JSON or YAML), `-` for standard input; several (the client's and the
    /// server's) make one case, and a fact they give different values is an error
    pub facts: Vec<PathBuf>,
    /// Set a fact (repeatable); wins over the file
    #[arg(long = "fact", value_name = "NAME=VALUE")]
    pub facts_set: Vec<String>,
    /// Read facts from free text (a pasted error dialog, a log excerpt, a ticket), `-` for
    /// standard input: error codes, the known messages, changes such as "after the update".
    /// Each fact read is shown with the words it came from; fact files and --fact win over it
    #[arg(long, value_name = "FILE")]
    pub text: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Show every cause and every finding behind each
    #[arg(long)]
    pub explain: bool,
    /// Show the best next questions, the whole repair order and the decision tree
    #[arg(long)]
    pub tree: bool,
    /// Warn about unknown keys instead of failing
    #[arg(long)]
    pub lenient: bool,
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// JSON Lines input, one fact set per line; `-` for standard input
    #[arg(required_unless_present = "schema")]
    pub input: Option<PathBuf>,
    /// Where to write the results (default: standard output)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Worker threads (default: one per core)
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Warn about unknown keys instead of failing the line (the warnings are in its record)
    #[arg(long)]
    pub lenient: bool,
    /// Add the explanations in words (the evidence is always there as numbers)
    #[arg(long)]
    pub explain: bool,
    /// The longest line read; a longer one is skipped and gets an error record
    #[arg(long, value_name = "BYTES", default_value_t = triage_engine::batch::MAX_LINE_BYTES)]
    pub max_line_bytes: usize,
    /// What each record holds: summary (the three likeliest causes, the next question, the
    /// first fix) or full (every cause with its evidence; with --explain, in words)
    #[arg(long, value_enum, default_value_t = BatchDetail::Summary)]
    pub detail: BatchDetail,
    /// jsonl: one JSON object per line; csv: a header and one row per line (summary only)
    #[arg(long, value_enum, default_value_t = BatchFormat::Jsonl)]
    pub format: BatchFormat,
    /// Print the JSON Schema of the records (of --detail) instead of reading input
    #[arg(long, conflicts_with_all = ["input", "format"])]
    pub schema: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Batch results: JSON Lines files, folders of part files, `-` for standard input
    #[arg(required_unless_present = "schema")]
    pub results: Vec<PathBuf>,
    /// html (one self-contained page), md or json (default: from the extension of -o, else md)
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
    /// Write the report here (and every host to FILE-hosts.csv beside it) instead of standard
    /// output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write every diagnosed host to this CSV file (default with -o: beside the report)
    #[arg(long, value_name = "FILE")]
    pub hosts: Option<PathBuf>,
    /// The longest line read; a longer one is skipped and counted as failed
    #[arg(long, value_name = "BYTES", default_value_t = triage_engine::batch::MAX_LINE_BYTES)]
    pub max_line_bytes: usize,
    /// Print the JSON Schema of --format json instead of reading results
    #[arg(long, conflicts_with_all = ["results", "format", "output", "hosts"])]
    pub schema: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Html,
    Md,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BatchDetail {
    Summary,
    Full,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BatchFormat {
    Jsonl,
    Csv,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Case files (YAML) or folders of them (default: the knowledge base's `cases/`)
    #[arg(long, value_name = "FILE_OR_DIR")]
    pub cases: Vec<PathBuf>,
    /// Also simulate the conversation for every case: start from its `opening`, ask the
    /// engine's questions, answer them from the case's facts, and report the questions asked
    /// and the ranking where asking stopped
    #[arg(long)]
    pub interview: bool,
    /// Output format (json: one document, see docs/test-report.md)
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

#[derive(Debug, Subcommand)]
pub enum CasesCommand {
    /// Write the records whose cause is known as test cases (YAML)
    FromRecords(FromRecordsArgs),
}

#[derive(Debug, Args)]
pub struct FromRecordsArgs {
    /// Outcome record files (JSON Lines), `-` for standard input
    #[arg(required = true, value_name = "RECORDS")]
    pub records: Vec<PathBuf>,
    /// Write the case file here instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Case files (YAML) or folders of them, and outcome record files (JSON Lines); `-` for
    /// standard input
    #[arg(required = true, value_name = "CASES_OR_RECORDS")]
    pub inputs: Vec<PathBuf>,
    /// Write the HTML report to DIR/index.html
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// Write the proposed changes as a unified diff of the .kb files (for `git apply`)
    #[arg(long, value_name = "FILE")]
    pub write_patch: Option<PathBuf>,
    /// Folds of the held-out validation
    #[arg(long, value_name = "K", default_value_t = 5)]
    pub folds: usize,
    /// How many sessions the author's value is worth (the prior's pseudo-count)
    #[arg(long, value_name = "N", default_value_t = triage_learn::calibrate::estimate::DEFAULT_STRENGTH)]
    pub strength: f64,
    /// Output format (json: the whole calibration, every number with its estimate)
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
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

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The schema of an outcome record (`triage-outcome/1`, what `--record` writes) instead
    #[arg(long)]
    pub record: bool,
}

#[derive(Debug, Args)]
pub struct AskArgs {
    /// The symptom: its name, an error code (0x904) or words of the message (default: the
    /// fact file's symptom, else a search prompt)
    #[arg(value_name = "SYMPTOM_OR_QUERY")]
    pub query: Vec<String>,
    /// Facts already known: a fact file (JSON or YAML) as `triage diagnose` reads it
    #[arg(long, value_name = "FILE")]
    pub facts: Option<PathBuf>,
    /// Set a fact already known (repeatable); wins over the file, never asked
    #[arg(long = "fact", value_name = "NAME=VALUE")]
    pub facts_set: Vec<String>,
    /// Read the answers from this file, one per line, instead of asking on the terminal
    /// (`-`: standard input, also used when standard input is not a terminal)
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    /// Stop asking once a cause is at least this likely (above 0, at most 1)
    #[arg(long, value_name = "P", default_value_t = 0.8)]
    pub confidence: f64,
    /// Stop asking after this many questions (a "don't know" counts) and give the fixes in
    /// order; it also stops after six questions without an answer
    #[arg(long, value_name = "N", default_value_t = triage_engine::wizard::DEFAULT_MAX_QUESTIONS as u16,
          value_parser = clap::value_parser!(u16).range(1..))]
    pub max_questions: u16,
    /// Write what was learned (the facts given and the answers) to this fact file at the end
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
    /// Record the outcome (facts, ranking, the fix that worked) in this folder, as JSON Lines;
    /// at the end one skippable question asks which fix worked
    #[arg(long, value_name = "DIR", env = "TRIAGE_RECORD_DIR")]
    pub record: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct GuideArgs {
    /// The symptom: its name, an error code (0x904) or words of the message; without one,
    /// the symptom the facts show, else every symptom they leave possible
    #[arg(value_name = "SYMPTOM_OR_QUERY", required_unless_present_any = ["facts", "facts_set"])]
    pub query: Vec<String>,
    /// Tailor the guide to these facts (JSON or YAML fact file, `-` for standard input)
    #[arg(long, value_name = "FILE")]
    pub facts: Option<PathBuf>,
    /// Set a fact (repeatable); wins over the file
    #[arg(long = "fact", value_name = "NAME=VALUE")]
    pub facts_set: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = GuideFormat::Md)]
    pub format: GuideFormat,
    /// A folder of templates replacing the built-in ones of the same names
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Write the guide to this file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The complete reference: every cause, question and fix and the whole decision tree
    /// (by default the guide a person follows: the likeliest causes, the first questions and
    /// their fixes)
    #[arg(long)]
    pub full: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GuideFormat {
    /// Markdown
    Md,
    /// One self-contained HTML page
    Html,
}

#[derive(Debug, Args)]
pub struct SiteArgs {
    /// The folder to write the site into (created if missing)
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// A folder of templates replacing the built-in ones of the same names
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The fact files (JSON or YAML), e.g. the client's and the server's: a fact two files
    /// give must agree; `-` for standard input (optional with --fact)
    #[arg(required_unless_present_any = ["schema", "facts_set"])]
    pub facts: Vec<PathBuf>,
    /// Set a fact (repeatable); wins over the file
    #[arg(long = "fact", value_name = "NAME=VALUE")]
    pub facts_set: Vec<String>,
    /// The symptom to repair (default: the first one the facts match)
    #[arg(long, value_name = "NAME")]
    pub symptom: Option<String>,
    /// The kind of plan (default: PowerShell, or bash for a knowledge base whose fixes are
    /// all bash)
    #[arg(long, value_enum)]
    pub shell: Option<PlanShell>,
    /// The machine the script runs on: only the fixes made there (their `needs server` or
    /// `needs client`). Default: the machine of the first fix in the repair order; the other
    /// machine's fixes are listed in the script's header. A JSON plan holds both.
    #[arg(long = "where", value_enum, value_name = "PLACE")]
    pub place: Option<CollectPlace>,
    /// A value for one of the knowledge base's parameters (repeatable); the environment the
    /// script runs in still wins
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub parameters: Vec<String>,
    /// Write the plan to this file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print the JSON Schema of `--shell json` plans instead
    #[arg(long, conflicts_with_all = ["facts", "facts_set", "symptom", "shell"])]
    pub schema: bool,
    /// Make the script record its outcome: run with --apply / -Apply, it appends one outcome
    /// record (the facts, the ranking, each fix it tried and its result) to this folder on the
    /// machine it runs on
    #[arg(long, value_name = "DIR", env = "TRIAGE_RECORD_DIR")]
    pub record: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanShell {
    Powershell,
    Bash,
    Json,
}

#[derive(Debug, Args)]
pub struct CollectArgs {
    /// The shell of the script (default: PowerShell, or bash for a knowledge base whose
    /// collectors are all bash)
    #[arg(long, value_enum)]
    pub shell: Option<CollectShell>,
    /// Only the facts this symptom's causes and questions read (default: every fact)
    #[arg(long, value_name = "NAME")]
    pub symptom: Option<String>,
    /// Only the facts read on this machine (the facts' `where`): run one script on the client
    /// and one on the server, then `triage diagnose client.json server.json`. Facts whose
    /// `where` says nothing are kept.
    #[arg(long = "where", value_enum, value_name = "PLACE")]
    pub place: Option<CollectPlace>,
    /// A value for one of the knowledge base's parameters (repeatable), the default the
    /// script uses when its environment does not set the variable
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub parameters: Vec<String>,
    /// Write the script to this file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CollectPlace {
    Client,
    Server,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CollectShell {
    Powershell,
    Bash,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address and port to listen on (port 0: any free port, printed at start)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
    /// Offer "Did this fix it?" on each result page and append every answer to this folder as
    /// an outcome record (JSON Lines)
    #[arg(long, value_name = "DIR", env = "TRIAGE_RECORD_DIR")]
    pub record: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum KbCommand {
    /// List the files of the knowledge base (--kb, else the embedded one) with what each holds
    List,
    /// Copy the knowledge base (--kb, else the embedded one) into a new folder: its .kb files,
    /// cases/ and examples/
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
