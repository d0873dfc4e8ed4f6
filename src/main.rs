//! The `triage` command line: parses arguments, loads, calls the library crates, prints.
//! No domain logic lives here.

mod cli;
mod commands;
mod embedded;

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory as _, FromArgMatches as _};
use std::process::ExitCode;

fn main() -> ExitCode {
    let matches = cli::Cli::command().get_matches();
    let mut cli = match cli::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    cli.global.kb_on_command_line = kb_typed(&matches);
    let choice = match cli.global.color {
        cli::ColorWhen::Auto => anstream::ColorChoice::Auto,
        cli::ColorWhen::Always => anstream::ColorChoice::Always,
        cli::ColorWhen::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            anstream::eprintln!("{}error:{} {e}", STYLE_ERROR.render(), STYLE_ERROR.render_reset());
            ExitCode::from(commands::EXIT_USAGE)
        }
    }
}

/// Whether `--kb` was typed, at any level of the command line, rather than read from
/// `TRIAGE_KB`: commands that read no knowledge base refuse the first and ignore the second.
fn kb_typed(matches: &ArgMatches) -> bool {
    let mut level = Some(matches);
    while let Some(m) = level {
        if m.value_source("kb") == Some(ValueSource::CommandLine) {
            return true;
        }
        level = m.subcommand().map(|(_, sub)| sub);
    }
    false
}

const STYLE_ERROR: anstyle::Style =
    anstyle::Style::new().bold().fg_color(Some(anstyle::Color::Ansi(anstyle::AnsiColor::Red)));
