//! `serve`: the web wizard. Loads and compiles the knowledge bases — `--kb`, else every
//! embedded one, the default first — binds the address, and runs `triage_web` on a tokio
//! runtime until Ctrl-C (or SIGTERM). With `--record DIR` (or `TRIAGE_RECORD_DIR`) the result
//! pages ask "Did this fix it?" and each answer is an outcome record in DIR.

use super::{Outcome, UsageError, emit, load_valid};
use crate::cli::ServeArgs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use triage_engine::Engine;
use triage_web::Served;

pub fn serve(kb: Option<PathBuf>, args: &ServeArgs) -> Outcome {
    let bases: Vec<(PathBuf, String)> = match kb {
        Some(path) => {
            let name = address_name(&path);
            vec![(path, name)]
        }
        None => crate::embedded::names()
            .into_iter()
            .map(|name| (PathBuf::from(name), name.to_string()))
            .collect(),
    };
    // A record folder that cannot be written is said now, not at the first answer.
    let recorder = super::recording::recorder(args.record.as_deref())?;
    let mut served = Vec::with_capacity(bases.len());
    for (path, name) in bases {
        let model = match load_valid(Some(path.clone())) {
            Ok((_, model)) => model,
            Err(code) => return Ok(code),
        };
        let mut one = Served::new(name.clone(), Engine::new(model));
        if recorder.is_some() {
            one = one.versioned(super::recording::kb_version_of(Some(&path)));
        }
        served.push(match title(&name) {
            Some(title) => one.titled(title),
            None => one,
        });
    }
    let recording = recorder.as_ref().map(|r| r.dir().display().to_string());
    let app = triage_web::App::recording(served, triage_web::Limits::default(), recorder)
        .map_err(|e| UsageError::Usage(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| UsageError::Usage(format!("cannot start the server's runtime: {e}")))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .map_err(|e| UsageError::Usage(format!("cannot listen on {}: {e}", args.addr)))?;
        let bound = listener.local_addr()?;
        let names = app.knowledge_bases().join(", ");
        let recording =
            recording.map(|dir| format!("; recording outcomes in {dir}")).unwrap_or_default();
        emit(&format!(
            "triage serve: listening on http://{bound}/ (knowledge bases: {names}{recording}; \
             Ctrl-C to stop)\n"
        ))?;
        triage_web::serve(listener, &app, triage_web::shutdown_signal()).await?;
        emit("triage serve: stopped\n")?;
        Ok(ExitCode::SUCCESS)
    })
}

/// The name a `--kb` knowledge base goes by in the server's addresses: the embedded one's
/// name, else its folder's (or file's) name made address-safe. With one knowledge base it
/// never shows: it is the default.
fn address_name(path: &Path) -> String {
    if let Some(name) = crate::embedded::by_name(path) {
        return name.to_string();
    }
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    let name: String = stem
        .chars()
        .take(64)
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' })
        .collect();
    if name.is_empty() { "kb".to_string() } else { name }
}

/// What people call an embedded knowledge base (the knowledge-base language has no title
/// item): shown beside each search hit and on the knowledge base pages.
fn title(name: &str) -> Option<&'static str> {
    match name {
        "rdp" => Some("Remote Desktop"),
        "ssh" => Some("SSH logins"),
        _ => None,
    }
}
