//! The examples of `triage --help` and of every command's `--help` run. An example is a help
//! line indented by two spaces whose command runs `triage`; two or more spaces end the command
//! and start its comment, and a comment saying `exits N` is the code the example documents.
//!
//! Each help text's examples run in order in a scratch folder that links the repository's
//! `knowledge/`, `src/`, `renderers/` and `tests/` (so the paths of the examples are the
//! repository's, and what they write lands in the scratch folder). `my-kb` is what
//! `triage init my-kb` writes: made before the first example that names it, unless that example
//! makes it. Of a command line, the `triage` commands run, `cat`, `printf` and `echo` run
//! through `sh` (they feed `triage`); the other programs (`jq`, `dot`, `bash plan.sh`, `man`,
//! `curl`, …) are the reader's and are not run. `triage serve` is started on a free port and
//! stopped once it listens.

use assert_cmd::Command;
use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn triage(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("triage").unwrap();
    cmd.current_dir(dir).env_remove("TRIAGE_KB").env("NO_COLOR", "1");
    cmd
}

/// The `--help` of `triage` followed by `path` (empty: the top level).
fn help(path: &[String]) -> String {
    let output = triage(&root()).args(path).arg("--help").output().unwrap();
    assert!(output.status.success(), "triage {} --help failed", path.join(" "));
    String::from_utf8(output.stdout).unwrap()
}

/// The commands a help text lists (its `Commands:` section), `help` left out.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// A help line split into the command and its comment: the comment starts at the first run of
/// two or more spaces outside quotes.
fn command_and_comment(line: &str) -> (String, String) {
    let text = line.trim_start();
    let mut quote = None;
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(*c),
            (Some(q), c) if q == *c => quote = None,
            (None, ' ') if chars.get(i + 1) == Some(&' ') => {
                let command: String = chars[..i].iter().collect();
                let comment: String = chars[i..].iter().collect();
                return (command, comment.trim().to_string());
            }
            _ => {}
        }
    }
    (text.to_string(), String::new())
}

/// A shell command line cut at `|`, `&&` and `;` outside quotes: each segment's text and the
/// operator that follows it (`""` after the last).
fn segments(command: &str) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quote = None;
    let mut chars = command.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                current.push(c);
            }
            (Some(q), c) if q == c => {
                quote = None;
                current.push(c);
            }
            (None, '|') => out.push((std::mem::take(&mut current), "|")),
            (None, ';') => out.push((std::mem::take(&mut current), ";")),
            (None, '&') if chars.peek() == Some(&'&') => {
                chars.next();
                out.push((std::mem::take(&mut current), "&&"));
            }
            _ => current.push(c),
        }
    }
    out.push((current, ""));
    out.into_iter().map(|(s, op)| (s.trim().to_string(), op)).collect()
}

/// The words of a segment, quotes removed (no expansion: the examples need none).
fn words(segment: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quote = None;
    let mut in_word = false;
    for c in segment.chars() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (Some(q), c) if q == c => quote = None,
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            (_, c) => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(current);
    }
    out
}

/// The code an example's comment documents (`exits 1`), else 0.
fn expected_code(comment: &str) -> i32 {
    comment
        .split("exits ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|digits| digits.parse().ok())
        .unwrap_or(0)
}

/// The example lines of a help text.
fn examples(help: &str) -> Vec<String> {
    help.lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter(|l| {
            let (command, _) = command_and_comment(l);
            segments(&command).iter().any(|(s, _)| words(s).first().is_some_and(|w| w == "triage"))
        })
        .map(str::to_string)
        .collect()
}

/// A scratch folder that sees the repository's inputs.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in ["knowledge", "src", "renderers", "tests"] {
        std::os::unix::fs::symlink(root().join(entry), dir.path().join(entry)).unwrap();
    }
    dir
}

/// Runs one `triage` segment: `> FILE` writes standard output there, `< FILE` reads standard
/// input from it, `input` is what a `|` before it gave. Returns the exit code and what it said.
fn run_triage(dir: &Path, words: &[String], input: Option<Vec<u8>>) -> (i32, Vec<u8>, String) {
    let mut args = Vec::new();
    let mut stdout_to = None;
    let mut stdin_from = None;
    let mut iter = words.iter().skip(1);
    while let Some(word) = iter.next() {
        match word.as_str() {
            ">" | ">>" => stdout_to = iter.next().cloned(),
            "<" => stdin_from = iter.next().cloned(),
            _ => args.push(word.clone()),
        }
    }
    if args.iter().any(|a| a == "serve") {
        return serve(dir, &args);
    }
    let mut cmd = triage(dir);
    cmd.args(&args);
    if let Some(path) = stdin_from {
        cmd.write_stdin(std::fs::read(dir.join(path)).unwrap());
    } else if let Some(input) = input {
        cmd.write_stdin(input);
    }
    let output = cmd.output().unwrap();
    // A file in the scratch folder; `~/…` and `$PROFILE` are the reader's, not written.
    if let Some(path) = stdout_to.filter(|p| !p.starts_with('~') && !p.starts_with('$')) {
        std::fs::write(dir.join(path), &output.stdout).unwrap();
    }
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code().unwrap_or(-1), output.stdout, stderr)
}

/// `triage serve` runs until stopped: started on a free port, it passes once it listens.
fn serve(dir: &Path, args: &[String]) -> (i32, Vec<u8>, String) {
    let mut args = args.to_vec();
    if let Some(at) = args.iter().position(|a| a == "--addr") {
        args.drain(at..=at + 1);
    }
    args.extend(["--addr".to_string(), "127.0.0.1:0".to_string()]);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("triage"))
        .current_dir(dir)
        .env_remove("TRIAGE_KB")
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let stdout = child.stdout.take().unwrap();
    std::io::BufReader::new(stdout).read_line(&mut first).unwrap();
    let listening = first.contains("listening on http://127.0.0.1:");
    let _ = child.kill();
    let status = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&status.stderr).into_owned();
    (if listening { 0 } else { status.status.code().unwrap_or(-1) }, first.into_bytes(), stderr)
}

/// Runs one example line; `Err` says what went wrong.
fn run_example(dir: &Path, line: &str) -> Result<(), String> {
    let (command, comment) = command_and_comment(line);
    let expected = expected_code(&comment);
    let mentions_my_kb = words(&command).iter().any(|w| w.starts_with("my-kb"));
    if mentions_my_kb && !dir.join("my-kb").exists() && !command.starts_with("triage init my-kb") {
        triage(dir).args(["init", "my-kb"]).assert().success();
    }
    let parts = segments(&command);
    let last_triage = parts
        .iter()
        .rposition(|(s, _)| words(s).first().is_some_and(|w| w == "triage"))
        .unwrap_or(0);
    let mut input: Option<Vec<u8>> = None;
    for (index, (segment, op)) in parts.iter().enumerate() {
        let words = words(segment);
        let program = words.first().map_or("", String::as_str);
        let piped_in = index > 0 && parts[index - 1].1 == "|";
        let given = if piped_in { input.take() } else { None };
        match program {
            "triage" => {
                let (code, stdout, stderr) = run_triage(dir, &words, given);
                let want = if index == last_triage { expected } else { 0 };
                if code != want {
                    return Err(format!(
                        "`{segment}` exited {code}, the example says {want}:\n{stderr}"
                    ));
                }
                input = Some(stdout);
            }
            "cat" | "printf" | "echo" => {
                let output = std::process::Command::new("sh")
                    .arg("-c")
                    .arg(segment)
                    .current_dir(dir)
                    .output()
                    .unwrap();
                if !output.status.success() {
                    return Err(format!("`{segment}` failed"));
                }
                input = Some(output.stdout);
            }
            // The reader's own program: not run, and nothing after it in a pipe can be.
            _ => {
                if *op == "|" && index < last_triage {
                    return Err(format!("`{segment}` feeds triage and cannot be run here"));
                }
                input = None;
            }
        }
    }
    Ok(())
}

#[test]
fn every_help_example_runs() {
    // Every help text, found through the `Commands:` lists.
    let mut texts: Vec<(String, String)> = Vec::new();
    let mut queue: Vec<Vec<String>> = vec![Vec::new()];
    while let Some(path) = queue.pop() {
        let text = help(&path);
        for sub in subcommands(&text) {
            let mut deeper = path.clone();
            deeper.push(sub);
            queue.push(deeper);
        }
        texts.push((format!("triage {}", path.join(" ")), text));
    }
    // Each text's examples in order in its own folder; the texts side by side.
    let results: Vec<(usize, Vec<String>)> = std::thread::scope(|scope| {
        let running: Vec<_> = texts
            .iter()
            .map(|(name, text)| {
                scope.spawn(move || {
                    let lines = examples(text);
                    if text.contains("\nExamples:\n") {
                        assert!(!lines.is_empty(), "`{name} --help`: Examples: without examples");
                    }
                    let dir = scratch();
                    let failures: Vec<String> = lines
                        .iter()
                        .filter_map(|line| run_example(dir.path(), line).err().map(|p| (line, p)))
                        .map(|(line, problem)| format!("{name} --help:\n{line}\n{problem}"))
                        .collect();
                    (lines.len(), failures)
                })
            })
            .collect();
        running.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let ran: usize = results.iter().map(|(n, _)| n).sum();
    let failures: Vec<String> = results.into_iter().flat_map(|(_, f)| f).collect();
    assert!(
        failures.is_empty(),
        "{} of {ran} examples fail:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(ran >= 60, "only {ran} examples found");
}

#[test]
fn every_command_has_examples_and_the_top_level_teaches_the_support_path_first() {
    let top = help(&[]);
    let order: Vec<usize> = ["triage search", "triage ask", "triage guide", "triage plan"]
        .iter()
        .chain(&["triage check", "triage fmt", "triage test", "triage graph"])
        .map(|command| top.find(&format!("\n  {command} ")).unwrap_or_else(|| panic!("{command}")))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{top}");
    assert!(order[order.len() - 1] < top.find("Usage:").unwrap(), "the paths come first:\n{top}");
    for command in subcommands(&top) {
        let text = help(std::slice::from_ref(&command));
        assert!(text.contains("\nExamples:\n"), "`triage {command} --help` has no examples");
    }
}

#[test]
fn example_lines_are_read_as_a_shell_would() {
    assert_eq!(
        command_and_comment("  triage search 0x904      the code   as shown"),
        ("triage search 0x904".to_string(), "the code   as shown".to_string())
    );
    assert_eq!(command_and_comment("  triage search \"a  b\"").0, "triage search \"a  b\"");
    assert_eq!(
        segments("cat a | triage fmt - && jq '.a | .b'"),
        [("cat a".into(), "|"), ("triage fmt -".into(), "&&"), ("jq '.a | .b'".into(), "")]
    );
    assert_eq!(
        words("triage ask \"socket closed\" --x 'a b'"),
        ["triage", "ask", "socket closed", "--x", "a b"]
    );
    assert_eq!(expected_code("nothing fits: it says why, and exits 1"), 1);
    assert_eq!(expected_code("list the files (exit code 1 if any)"), 0);
}
