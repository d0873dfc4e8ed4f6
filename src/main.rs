//! The `triage` command line: parses arguments, loads, calls the library crates, prints.
//! No domain logic lives here.

mod cli;
mod commands;
mod embedded;

use clap::Parser as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
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
            ExitCode::from(2)
        }
    }
}

const STYLE_ERROR: anstyle::Style =
    anstyle::Style::new().bold().fg_color(Some(anstyle::Color::Ansi(anstyle::AnsiColor::Red)));
