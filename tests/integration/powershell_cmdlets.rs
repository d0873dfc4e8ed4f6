//! Every PowerShell script the project ships calls only cmdlets that exist, with parameters
//! they document: the scripts of the shipped knowledge base (facts' `collect`, symptoms'
//! `check`, fixes' `run`, `verify` and `undo`) and the scripts `triage collect` and
//! `triage plan` generate around them.
//!
//! The documented parameters are in `tests/data/powershell-cmdlets.txt`, generated from the
//! Microsoft documentation by `tests/data/gen-powershell-cmdlets.py` (its header says which
//! repositories and commits). The scripts are read with a small tokenizer, not a PowerShell
//! parser: a `Verb-Noun` word (approved verb, or `ForEach`/`Sort`/`Tee`/`Where`) in command
//! position is a cmdlet call, and the `-Name` words that follow it in the same pipeline
//! segment are its parameters. Strings and comments are skipped, except the `$(...)` inside
//! double-quoted strings, which is code. Parameters are matched as PowerShell does: a name or
//! alias, or an unambiguous prefix of one. Functions a script declares (`function Name`) are
//! skipped. Aliases of cmdlets (`select`, `%`, `?`) and splatting (`@params`) are not checked.

use assert_cmd::Command;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;
use std::path::PathBuf;

const LIST: &str = "tests/data/powershell-cmdlets.txt";

/// At least this many scripts, cmdlet calls and distinct cmdlets are examined: the check
/// cannot pass by finding nothing to check.
const MIN_SCRIPTS: usize = 150;
const MIN_CALLS: usize = 500;
const MIN_CMDLETS: usize = 60;

/// The plans `triage plan --shell powershell` is run on.
const PLAN_EXAMPLES: [&str; 2] =
    ["knowledge/rdp/examples/0x904.json", "knowledge/rdp/examples/black-screen.json"];

/// The common parameters every cmdlet takes (`about_CommonParameters`), with their aliases.
/// `-WhatIf` and `-Confirm` are not among them: only cmdlets that support `ShouldProcess` take
/// them, and the list has them where the documentation does. `-ProgressAction` is common from
/// PowerShell 7.4 only.
const COMMON: [(&str, &[&str]); 12] = [
    ("Debug", &["db"]),
    ("ErrorAction", &["ea"]),
    ("ErrorVariable", &["ev"]),
    ("InformationAction", &["infa"]),
    ("InformationVariable", &["iv"]),
    ("OutBuffer", &["ob"]),
    ("OutVariable", &["ov"]),
    ("PipelineVariable", &["pv"]),
    ("ProgressAction", &["proga"]),
    ("Verbose", &["vb"]),
    ("WarningAction", &["wa"]),
    ("WarningVariable", &["wv"]),
];

/// The approved verbs (`Get-Verb`; PowerShell-Docs, "Approved Verbs for PowerShell Commands"),
/// then (last line) the four verbs of Windows PowerShell 5.1 cmdlets that are not approved:
/// ForEach-Object, Sort-Object, Tee-Object, Where-Object.
const VERBS: &str = "\
    Add Approve Assert Backup Block Build Checkpoint Clear Close Compare Complete Compress \
    Confirm Connect Convert ConvertFrom ConvertTo Copy Debug Deny Deploy Disable Disconnect \
    Dismount Edit Enable Enter Exit Expand Export Find Format Get Grant Group Hide Import \
    Initialize Install Invoke Join Limit Lock Measure Merge Mount Move New Open Optimize Out \
    Ping Pop Protect Publish Push Read Receive Redo Register Remove Rename Repair Request Reset \
    Resize Resolve Restart Restore Resume Revoke Save Search Select Send Set Show Skip Split \
    Start Step Stop Submit Suspend Switch Sync Test Trace Unblock Undo Uninstall Unlock \
    Unprotect Unpublish Unregister Update Use Wait Watch Write \
    ForEach Sort Tee Where";

/// The language's keywords: in command position they are not commands.
const KEYWORDS: &str = "\
    begin break catch class continue data define do dynamicparam else elseif end enum exit \
    filter finally for foreach from function if in param process return switch throw trap try \
    until using while workflow";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------------------------
// The list of documented cmdlets

#[derive(Debug)]
struct Param {
    name: String,
    aliases: Vec<String>,
}

#[derive(Debug)]
struct Cmdlet {
    name: String,
    params: Vec<Param>,
}

/// The cmdlets of the list, by lowercase name.
#[derive(Debug)]
struct Cmdlets(BTreeMap<String, Cmdlet>);

impl Cmdlets {
    /// Reads `Cmdlet-Name: -Param(-Alias,-Alias) -Param ...` lines; `#` starts a comment line.
    fn parse(text: &str) -> Result<Cmdlets, String> {
        let mut cmdlets = BTreeMap::new();
        let mut previous = String::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = format!("line {}", n + 1);
            let (name, rest) = line.split_once(':').ok_or(format!("{at}: no `:`"))?;
            if !is_verb_noun(name) {
                return Err(format!("{at}: `{name}` is not a Verb-Noun name"));
            }
            let key = name.to_ascii_lowercase();
            if key <= previous {
                return Err(format!("{at}: `{name}` is out of order or repeated"));
            }
            previous.clone_from(&key);
            let mut params = Vec::new();
            for word in rest.split_whitespace() {
                let word = word.strip_prefix('-').ok_or(format!("{at}: `{word}` lacks a `-`"))?;
                let (name, aliases) = match word.split_once('(') {
                    Some((name, aliases)) => {
                        let aliases = aliases
                            .strip_suffix(')')
                            .ok_or(format!("{at}: `{word}` lacks a `)`"))?
                            .split(',')
                            .map(|a| a.strip_prefix('-').unwrap_or(a).to_string())
                            .collect();
                        (name, aliases)
                    }
                    None => (word, Vec::new()),
                };
                params.push(Param { name: name.to_string(), aliases });
            }
            cmdlets.insert(key, Cmdlet { name: name.to_string(), params });
        }
        Ok(Cmdlets(cmdlets))
    }

    fn load() -> Cmdlets {
        let path = root().join(LIST);
        let text = std::fs::read_to_string(&path).unwrap();
        Cmdlets::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn get(&self, name: &str) -> Option<&Cmdlet> {
        self.0.get(&name.to_ascii_lowercase())
    }
}

/// How a parameter written in a call resolves against a cmdlet's parameters.
#[derive(Debug, PartialEq, Eq)]
enum Resolution {
    Found,
    Unknown,
    Ambiguous(Vec<String>),
}

impl Cmdlet {
    /// Its parameters and the common ones: (name, aliases).
    fn all_params(&self) -> impl Iterator<Item = (&str, Vec<&str>)> {
        let own = self
            .params
            .iter()
            .map(|p| (p.name.as_str(), p.aliases.iter().map(String::as_str).collect()));
        own.chain(COMMON.iter().map(|(name, aliases)| (*name, aliases.to_vec())))
    }

    /// As PowerShell binds `-written`: an exact name or alias, else the one parameter whose
    /// name or an alias starts with it.
    fn resolve(&self, written: &str) -> Resolution {
        let written = written.to_ascii_lowercase();
        let mut matches = BTreeSet::new();
        for (name, aliases) in self.all_params() {
            let mut spellings = std::iter::once(name).chain(aliases.iter().copied());
            if spellings.clone().any(|s| s.eq_ignore_ascii_case(&written)) {
                return Resolution::Found;
            }
            if spellings.any(|s| s.to_ascii_lowercase().starts_with(&written)) {
                matches.insert(format!("-{name}"));
            }
        }
        match matches.len() {
            0 => Resolution::Unknown,
            1 => Resolution::Found,
            _ => Resolution::Ambiguous(matches.into_iter().collect()),
        }
    }

    /// `-AsJob -CimSession (alias -Session) ...`, then the common parameters.
    fn documented(&self) -> String {
        let mut out = String::new();
        for param in &self.params {
            let _ = write!(out, "-{}", param.name);
            if !param.aliases.is_empty() {
                let aliases: Vec<String> = param.aliases.iter().map(|a| format!("-{a}")).collect();
                let _ = write!(out, " (alias {})", aliases.join(" "));
            }
            out.push(' ');
        }
        out.push_str("and the common parameters");
        out
    }
}

fn is_verb_noun(word: &str) -> bool {
    let Some((verb, noun)) = word.split_once('-') else { return false };
    VERBS.split_whitespace().any(|v| v.eq_ignore_ascii_case(verb))
        && noun.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && noun.chars().all(|c| c.is_ascii_alphanumeric())
}

// ---------------------------------------------------------------------------------------------
// The tokenizer

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    Paren,
    Brace,
    Bracket,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// A bare word: a command name, an argument, a keyword, a number, a member access.
    Word(String),
    /// `-Name` (or `-Name:`): a parameter after a command, an operator in an expression.
    Dash(String),
    /// A variable or a string.
    Value,
    /// `(`, `$(`, `@(`, `{`, `@{`, `[`.
    Open(Group),
    /// `)`, `}`, `]`.
    Close,
    Pipe,
    /// `;`, `&&`, `||`.
    End,
    /// A line break not escaped with a backtick.
    Newline,
    /// `=`, `+=`, `-=`, ...
    Assign,
    Comma,
    /// `&` or `.` followed by a space: the call and dot-source operators.
    Call,
    /// Any other operator.
    Op,
}

#[derive(Debug)]
struct Token {
    tok: Tok,
    line: usize,
}

struct Lexer {
    chars: Vec<char>,
    i: usize,
    line: usize,
    out: Vec<Token>,
}

fn ends_word(c: char) -> bool {
    c.is_whitespace() || ";|(){}[]'\",<>&".contains(c)
}

impl Lexer {
    fn tokens(code: &str) -> Vec<Token> {
        let mut lexer = Lexer { chars: code.chars().collect(), i: 0, line: 1, out: Vec::new() };
        lexer.code(false);
        lexer.out
    }

    fn at(&self, offset: usize) -> char {
        self.chars.get(self.i + offset).copied().unwrap_or('\0')
    }

    fn push(&mut self, tok: Tok) {
        self.out.push(Token { tok, line: self.line });
    }

    /// Moves on by `n` characters, counting line breaks.
    fn skip(&mut self, n: usize) {
        for _ in 0..n {
            if self.at(0) == '\n' {
                self.line += 1;
            }
            if self.i < self.chars.len() {
                self.i += 1;
            }
        }
    }

    fn done(&self) -> bool {
        self.i >= self.chars.len()
    }

    /// Code up to the end, or (`nested`, inside `$(` of a string) up to the `)` that closes it.
    fn code(&mut self, nested: bool) {
        let mut depth = 0usize;
        while !self.done() {
            let (c, next) = (self.at(0), self.at(1));
            match c {
                '\n' => {
                    self.push(Tok::Newline);
                    self.skip(1);
                }
                '`' => self.skip(2),
                '#' => self.skip_while(|c| c != '\n'),
                '<' if next == '#' => self.block_comment(),
                '\'' => self.single_quoted(false),
                '"' => self.double_quoted(false),
                '@' if next == '\'' => self.single_quoted(true),
                '@' if next == '"' => self.double_quoted(true),
                '@' | '$' if next == '(' => {
                    self.push(Tok::Open(Group::Paren));
                    self.skip(2);
                    depth += 1;
                }
                '@' if next == '{' => {
                    self.push(Tok::Open(Group::Brace));
                    self.skip(2);
                }
                '$' | '@' => self.variable(),
                '(' => {
                    self.push(Tok::Open(Group::Paren));
                    self.skip(1);
                    depth += 1;
                }
                ')' => {
                    self.push(Tok::Close);
                    self.skip(1);
                    if depth == 0 && nested {
                        return;
                    }
                    depth = depth.saturating_sub(1);
                }
                _ => self.punctuation_or_word(c, next),
            }
        }
    }

    fn punctuation_or_word(&mut self, c: char, next: char) {
        let (tok, len) = match c {
            ' ' | '\t' | '\r' => {
                self.skip(1);
                return;
            }
            '{' => (Tok::Open(Group::Brace), 1),
            '[' => (Tok::Open(Group::Bracket), 1),
            '}' | ']' => (Tok::Close, 1),
            '|' if next == '|' => (Tok::End, 2),
            '|' => (Tok::Pipe, 1),
            ';' => (Tok::End, 1),
            '&' if next == '&' => (Tok::End, 2),
            '&' => (Tok::Call, 1),
            ',' => (Tok::Comma, 1),
            '=' => (Tok::Assign, 1),
            '+' | '*' | '/' | '%' | '-' if next == '=' => (Tok::Assign, 2),
            '-' if next.is_ascii_alphabetic() || next == '_' => {
                self.skip(1);
                let name = self.take_while(|c| c.is_ascii_alphanumeric() || c == '_');
                if self.at(0) == ':' {
                    self.skip(1);
                }
                self.push(Tok::Dash(name));
                return;
            }
            '-' if next.is_ascii_digit() || next == '.' => return self.word(),
            '.' if next.is_whitespace() => (Tok::Call, 1),
            '-' | '+' | '*' | '/' | '%' | '!' | '>' | '<' => (Tok::Op, 1),
            _ => return self.word(),
        };
        self.push(tok);
        self.skip(len);
    }

    fn word(&mut self) {
        let line = self.line;
        let mut word = String::new();
        while !self.done() && !ends_word(self.at(0)) {
            if self.at(0) == '`' {
                self.skip(1);
                if self.at(0) == '\n' {
                    break;
                }
            }
            word.push(self.at(0));
            self.skip(1);
        }
        if word.is_empty() {
            // A character that ends words and is no token (a no-break space, say).
            self.skip(1);
            return;
        }
        self.out.push(Token { tok: Tok::Word(word), line });
    }

    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> String {
        let mut taken = String::new();
        while !self.done() && keep(self.at(0)) {
            taken.push(self.at(0));
            self.skip(1);
        }
        taken
    }

    fn skip_while(&mut self, keep: impl Fn(char) -> bool) {
        while !self.done() && keep(self.at(0)) {
            self.skip(1);
        }
    }

    fn block_comment(&mut self) {
        self.skip(2);
        while !(self.done() || self.at(0) == '#' && self.at(1) == '>') {
            self.skip(1);
        }
        self.skip(2);
    }

    /// `$name`, `$env:NAME`, `${any name}`, `$_`, `$?`, `@splat`.
    fn variable(&mut self) {
        self.push(Tok::Value);
        self.skip(1);
        if self.at(0) == '{' {
            self.skip_while(|c| c != '}');
            self.skip(1);
        } else if "?^$".contains(self.at(0)) {
            self.skip(1);
        } else {
            self.skip_while(|c| c.is_alphanumeric() || c == '_' || c == ':');
        }
    }

    /// `'...'` (`''` is a quote) or the here-string `@'` ... `'@`.
    fn single_quoted(&mut self, here: bool) {
        self.push(Tok::Value);
        self.skip(if here { 2 } else { 1 });
        while !self.done() {
            if here && self.at(0) == '\n' && self.at(1) == '\'' && self.at(2) == '@' {
                self.skip(3);
                return;
            }
            if !here && self.at(0) == '\'' {
                if self.at(1) == '\'' {
                    self.skip(2);
                    continue;
                }
                self.skip(1);
                return;
            }
            self.skip(1);
        }
    }

    /// `"..."` or `@"` ... `"@`: text, except the code of `$(...)`.
    fn double_quoted(&mut self, here: bool) {
        self.push(Tok::Value);
        self.skip(if here { 2 } else { 1 });
        while !self.done() {
            match (self.at(0), self.at(1)) {
                ('`', _) => self.skip(2),
                ('\n', '"') if here && self.at(2) == '@' => {
                    self.skip(3);
                    return;
                }
                ('"', '"') if !here => self.skip(2),
                ('"', _) if !here => {
                    self.skip(1);
                    return;
                }
                ('$', '(') => {
                    self.push(Tok::Open(Group::Paren));
                    self.skip(2);
                    self.code(true);
                }
                _ => self.skip(1),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Cmdlet calls

/// A cmdlet called in a script, with the parameters written after it: (name, line).
#[derive(Debug)]
struct Call {
    cmdlet: String,
    line: usize,
    params: Vec<(String, usize)>,
}

#[derive(Debug)]
enum Running {
    Nothing,
    /// A native program, an alias, a function, an expression.
    Other,
    Cmdlet(Call),
}

#[derive(Debug)]
struct Frame {
    group: Group,
    /// The next word is a command name.
    command_position: bool,
    /// After `|` or `,`: a line break does not end the command.
    continued: bool,
    running: Running,
}

impl Frame {
    fn new(group: Group) -> Frame {
        Frame {
            group,
            command_position: group != Group::Bracket,
            continued: false,
            running: Running::Nothing,
        }
    }

    fn end(&mut self, calls: &mut Vec<Call>) {
        if let Running::Cmdlet(call) = std::mem::replace(&mut self.running, Running::Nothing) {
            calls.push(call);
        }
    }
}

/// The cmdlet calls of a script, without those of the functions it declares.
fn calls(code: &str) -> Vec<Call> {
    let mut calls = Vec::new();
    let mut functions = HashSet::new();
    let mut frames = vec![Frame::new(Group::Brace)];
    let mut function_name_next = false;
    for Token { tok, line } in Lexer::tokens(code) {
        if let Tok::Close = tok {
            if frames.len() > 1 {
                frames.pop().unwrap().end(&mut calls);
            }
            continue;
        }
        let frame = frames.last_mut().unwrap();
        if std::mem::take(&mut function_name_next)
            && let Tok::Word(name) = &tok
        {
            functions.insert(name.to_ascii_lowercase());
            continue;
        }
        if !matches!(tok, Tok::Newline) {
            frame.continued = false;
        }
        match tok {
            Tok::Newline if frame.continued || frame.group == Group::Bracket => {}
            Tok::Newline | Tok::End | Tok::Pipe => {
                frame.end(&mut calls);
                frame.command_position = true;
                frame.continued = tok == Tok::Pipe;
            }
            Tok::Comma => frame.continued = !matches!(frame.running, Running::Nothing),
            Tok::Open(group) => {
                frame.command_position = false;
                frames.push(Frame::new(group));
            }
            Tok::Word(word) if frame.command_position => {
                frame.command_position = false;
                let lower = word.to_ascii_lowercase();
                if KEYWORDS.split_whitespace().any(|k| k == lower) {
                    match lower.as_str() {
                        "function" | "filter" | "workflow" => function_name_next = true,
                        "return" | "throw" | "exit" => frame.command_position = true,
                        _ => {}
                    }
                } else if is_verb_noun(&word) {
                    frame.running =
                        Running::Cmdlet(Call { cmdlet: word, line, params: Vec::new() });
                } else {
                    frame.running = Running::Other;
                }
            }
            Tok::Word(word) => {
                // `foreach ($x in Get-ChildItem ...)`: a pipeline follows `in`.
                if matches!(frame.running, Running::Nothing) && word.eq_ignore_ascii_case("in") {
                    frame.command_position = true;
                }
            }
            Tok::Dash(name) => match &mut frame.running {
                Running::Cmdlet(call) => call.params.push((name, line)),
                _ => frame.command_position = false,
            },
            Tok::Assign => {
                if !matches!(frame.running, Running::Cmdlet(_)) {
                    frame.end(&mut calls);
                    frame.command_position = true;
                }
            }
            Tok::Call if frame.command_position => {
                frame.command_position = false;
                frame.running = Running::Other;
            }
            Tok::Call | Tok::Value | Tok::Op => frame.command_position = false,
            Tok::Close => unreachable!(),
        }
    }
    while let Some(mut frame) = frames.pop() {
        frame.end(&mut calls);
    }
    calls.retain(|c| !functions.contains(&c.cmdlet.to_ascii_lowercase()));
    calls.sort_by_key(|c| c.line);
    calls
}

// ---------------------------------------------------------------------------------------------
// The check

/// A call the documentation does not allow.
#[derive(Debug)]
struct Violation {
    cmdlet: String,
    /// None: the cmdlet itself is unknown.
    param: Option<String>,
    line: usize,
    text: String,
    message: String,
}

/// What checking a script found.
#[derive(Debug, Default)]
struct Checked {
    calls: usize,
    params: usize,
    cmdlets: BTreeSet<String>,
    violations: Vec<Violation>,
}

fn check(code: &str, list: &Cmdlets) -> Checked {
    let lines: Vec<&str> = code.lines().collect();
    let text = |line: usize| lines.get(line - 1).map_or("", |l| l.trim()).to_string();
    let mut checked = Checked::default();
    for call in calls(code) {
        checked.calls += 1;
        let Some(cmdlet) = list.get(&call.cmdlet) else {
            checked.violations.push(Violation {
                message: format!(
                    "`{}` is not a documented cmdlet: it is not in {LIST} (if it exists, add it with tests/data/gen-powershell-cmdlets.py)",
                    call.cmdlet
                ),
                cmdlet: call.cmdlet,
                param: None,
                line: call.line,
                text: text(call.line),
            });
            continue;
        };
        checked.cmdlets.insert(cmdlet.name.clone());
        for (param, line) in call.params {
            checked.params += 1;
            let problem = match cmdlet.resolve(&param) {
                Resolution::Found => continue,
                Resolution::Unknown => format!("{} has no parameter -{param}", cmdlet.name),
                Resolution::Ambiguous(matches) => format!(
                    "-{param} is ambiguous for {}: it is a prefix of {}",
                    cmdlet.name,
                    matches.join(", ")
                ),
            };
            checked.violations.push(Violation {
                message: format!("{problem}; documented: {}", cmdlet.documented()),
                cmdlet: cmdlet.name.clone(),
                param: Some(param),
                line,
                text: text(line),
            });
        }
    }
    checked
}

/// Every PowerShell script of the shipped knowledge base: (where it is, code).
fn knowledge_base_scripts() -> Vec<(String, String)> {
    let kb = triage_rules::load_paths(&[root().join("knowledge/rdp")]);
    let rendered = triage_rules::diagnostic::render(&kb.diagnostics, &kb.sources, false);
    let model = kb.model.unwrap_or_else(|| panic!("the knowledge base does not load:\n{rendered}"));
    let mut scripts = Vec::new();
    let mut add = |what: String, defs: &[triage_rules::model::ScriptDef]| {
        for def in defs.iter().filter(|d| d.shell == triage_rules::ast::Shell::Powershell) {
            scripts.push((what.clone(), def.code.clone()));
        }
    };
    for fact in &model.facts {
        add(format!("fact `{}` collect", fact.name), &fact.collect);
    }
    for symptom in &model.symptoms {
        add(format!("symptom `{}` check", symptom.name), &symptom.checks);
    }
    for fix in &model.fixes {
        add(format!("fix `{}` run", fix.name), &fix.run);
        add(format!("fix `{}` verify", fix.name), &fix.verify);
        add(format!("fix `{}` undo", fix.name), &fix.undo);
    }
    scripts
}

/// The scripts the binary generates: (the command, script).
fn generated_scripts() -> Vec<(String, String)> {
    let run = |args: &[&str]| {
        let mut command = Command::cargo_bin("triage").unwrap();
        command.current_dir(root()).env_remove("TRIAGE_KB").args(args);
        let output = command.assert().success().get_output().stdout.clone();
        (format!("`triage {}`", args.join(" ")), String::from_utf8(output).unwrap())
    };
    let mut scripts = vec![run(&["collect", "--shell", "powershell"])];
    for example in PLAN_EXAMPLES {
        scripts.push(run(&["plan", example, "--shell", "powershell"]));
    }
    scripts
}

fn describe(what: &str, v: &Violation) -> String {
    let param = v.param.as_deref().map_or(String::new(), |p| format!(" -{p}"));
    format!("{what}, line {}: {}{param}: {}\n    {}\n", v.line, v.cmdlet, v.message, v.text)
}

#[test]
fn shipped_powershell_scripts_call_only_documented_cmdlets_and_parameters() {
    let list = Cmdlets::load();
    let kb = knowledge_base_scripts();
    let generated = generated_scripts();
    let (mut calls, mut params, mut cmdlets) = (0, 0, BTreeSet::new());
    let mut report = String::new();
    let mut problems = 0;
    // The generated scripts embed the knowledge base's: their problems are reported once.
    let mut seen: HashSet<(String, Option<String>, String)> = HashSet::new();
    for (index, (what, code)) in kb.iter().chain(&generated).enumerate() {
        let checked = check(code, &list);
        calls += checked.calls;
        params += checked.params;
        cmdlets.extend(checked.cmdlets);
        for v in checked.violations {
            let key = (v.cmdlet.to_ascii_lowercase(), v.param.clone(), v.text.clone());
            if seen.insert(key) || index < kb.len() {
                problems += 1;
                report.push_str(&describe(what, &v));
            }
        }
    }
    let scripts = kb.len() + generated.len();
    println!(
        "{scripts} scripts ({} from the knowledge base), {calls} cmdlet calls of {} cmdlets, {params} parameters",
        kb.len(),
        cmdlets.len()
    );
    assert!(scripts >= MIN_SCRIPTS, "only {scripts} PowerShell scripts found");
    assert!(calls >= MIN_CALLS, "only {calls} cmdlet calls found in {scripts} scripts");
    assert!(cmdlets.len() >= MIN_CMDLETS, "only {} distinct cmdlets: {cmdlets:?}", cmdlets.len());
    assert!(
        problems == 0,
        "{problems} cmdlet calls the documentation does not allow ({LIST}):\n\n{report}"
    );
}

#[test]
fn the_cmdlet_list_is_sorted_and_every_entry_has_parameters() {
    assert_eq!(VERBS.split_whitespace().count(), 104, "100 approved verbs and 4 others");
    let list = Cmdlets::load();
    assert!(list.0.len() >= MIN_CMDLETS, "only {} cmdlets in {LIST}", list.0.len());
    for cmdlet in list.0.values() {
        assert!(!cmdlet.params.is_empty(), "{} has no parameters in {LIST}", cmdlet.name);
    }
    assert!(Cmdlets::parse("Get-B: -X\nGet-A: -Y\n").is_err(), "out of order");
    assert!(Cmdlets::parse("Frobnicate-Thing: -X\n").is_err(), "not an approved verb");
}

/// Get-NetUDPEndpoint as documented (windows-powershell-docs, winserver2022-ps/NetTCPIP), and
/// a few Where-Object parameters.
const FIXTURE: &str = "\
Get-NetUDPEndpoint: -AsJob -CimSession(-Session) -CreationTime -LocalAddress(-IPAddress) -LocalPort -OwningProcess -ThrottleLimit
Where-Object: -EQ(-IEQ) -FilterScript -InputObject -Property -Value
";

fn problems(code: &str) -> Vec<(String, Option<String>, usize)> {
    let list = Cmdlets::parse(FIXTURE).unwrap();
    check(code, &list).violations.into_iter().map(|v| (v.cmdlet, v.param, v.line)).collect()
}

fn bad(cmdlet: &str, param: &str, line: usize) -> (String, Option<String>, usize) {
    (cmdlet.to_string(), Some(param.to_string()), line)
}

#[test]
fn an_undocumented_parameter_is_reported_with_the_documented_ones() {
    let list = Cmdlets::parse(FIXTURE).unwrap();
    let checked = check("Get-NetUDPEndpoint -RemotePort 3389", &list);
    assert_eq!(checked.calls, 1);
    assert_eq!(checked.violations.len(), 1, "{:?}", checked.violations);
    let v = &checked.violations[0];
    assert_eq!((v.cmdlet.as_str(), v.param.as_deref()), ("Get-NetUDPEndpoint", Some("RemotePort")));
    assert!(v.message.contains("has no parameter -RemotePort"), "{}", v.message);
    assert!(v.message.contains("-LocalPort -OwningProcess"), "{}", v.message);
    let report = describe("fix `x` run", v);
    assert!(
        report.starts_with("fix `x` run, line 1: Get-NetUDPEndpoint -RemotePort: "),
        "{report}"
    );
}

#[test]
fn parameters_resolve_as_powershell_binds_them() {
    // Names, aliases, prefixes, common parameters and their aliases, `-Name:value`.
    assert_eq!(
        problems(
            "Get-NetUDPEndpoint -localport 1 -IPAddress ::1 -Own 4 -ea SilentlyContinue -ErrorVariable e -AsJob:$true"
        ),
        []
    );
    // `-C` starts -CimSession and -CreationTime; `-Lo` two; `-Session` is exact.
    assert_eq!(
        problems("Get-NetUDPEndpoint -C 1 -Lo 2 -Session $s -WhatIf"),
        [
            bad("Get-NetUDPEndpoint", "C", 1),
            bad("Get-NetUDPEndpoint", "Lo", 1),
            bad("Get-NetUDPEndpoint", "WhatIf", 1)
        ]
    );
    assert_eq!(problems("Get-NoSuchThing -X 1")[0].1, None, "an unknown cmdlet");
}

#[test]
fn the_tokenizer_finds_calls_in_code_only_and_follows_pipelines() {
    let code = r#"# Get-NetUDPEndpoint -RemotePort 1 in a comment
<# Get-NetUDPEndpoint -RemotePort 2 #>
Write-Verbose 'Get-NetUDPEndpoint -RemotePort 3' | Out-Null
$x = "Get-NetUDPEndpoint -RemotePort 4 $(Get-NetUDPEndpoint -RemotePort 4)"
if (-not (Get-NetUDPEndpoint -LocalPort 3389 -RemotePort 5)) { exit 1 }
Get-NetUDPEndpoint -LocalPort 1 | Where-Object LocalPort -EQ 3389 -RemotePort 6
Get-NetUDPEndpoint `
    -RemotePort 8
$ports = @(Get-NetUDPEndpoint) -ne $null; $n = [int](Get-NetUDPEndpoint -RemotePort 9).Count
foreach ($e in Get-NetUDPEndpoint -RemotePort 10) { $e.LocalPort -eq 1 }
Get-NetUDPEndpoint |
    Where-Object { $_.LocalPort -eq 3389 -and $_.RemotePort -gt 0 } |
    Where-Object -RemotePort 13
function Get-Helper { param($RemotePort) }
Get-Helper -RemotePort 15
quser /server:$h -RemotePort 16
Set-Thing-Else -X 1
"#;
    let found = problems(code);
    // The number after each -RemotePort is its line.
    let expected = [
        bad("Get-NetUDPEndpoint", "RemotePort", 4),
        bad("Get-NetUDPEndpoint", "RemotePort", 5),
        bad("Where-Object", "RemotePort", 6),
        bad("Get-NetUDPEndpoint", "RemotePort", 8),
        bad("Get-NetUDPEndpoint", "RemotePort", 9),
        bad("Get-NetUDPEndpoint", "RemotePort", 10),
        bad("Where-Object", "RemotePort", 13),
    ];
    // Write-Verbose and Out-Null are not in the fixture list: reported as unknown cmdlets.
    let unknown: Vec<&str> = found.iter().filter(|p| p.1.is_none()).map(|p| p.0.as_str()).collect();
    assert_eq!(unknown, ["Write-Verbose", "Out-Null"]);
    let params: Vec<_> = found.into_iter().filter(|p| p.1.is_some()).collect();
    assert_eq!(params, expected);
}

/// The real list: a parameter of a sibling cmdlet is caught.
#[test]
fn the_shipped_list_knows_tcp_connections_from_udp_endpoints() {
    let list = Cmdlets::load();
    let ok = check("Get-NetTCPConnection -LocalPort 3389 -State Listen -ErrorAction Stop", &list);
    assert!(ok.violations.is_empty(), "{:?}", ok.violations);
    let wrong = check("Get-NetTCPConnection -RemotePrt 3389", &list);
    assert_eq!(wrong.violations.len(), 1, "{:?}", wrong.violations);
    assert!(wrong.violations[0].message.contains("-RemotePort"), "{}", wrong.violations[0].message);
}
