//! `serve`: the web wizard. Loads and compiles the knowledge base, binds the address, and runs
//! `triage_web` on a tokio runtime until Ctrl-C (or SIGTERM).

use super::{Outcome, UsageError, emit, load_valid};
use crate::cli::ServeArgs;
use std::path::PathBuf;
use std::process::ExitCode;
use triage_engine::Engine;

pub fn serve(kb: Option<PathBuf>, args: &ServeArgs) -> Outcome {
    let model = match load_valid(kb) {
        Ok((_, model)) => model,
        Err(code) => return Ok(code),
    };
    let app =
        triage_web::App::new(Engine::new(model)).map_err(|e| UsageError::Usage(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| UsageError::Usage(format!("cannot start the server's runtime: {e}")))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .map_err(|e| UsageError::Usage(format!("cannot listen on {}: {e}", args.addr)))?;
        let bound = listener.local_addr()?;
        emit(&format!("triage serve: listening on http://{bound}/ (Ctrl-C to stop)\n"))?;
        triage_web::serve(listener, &app, triage_web::shutdown_signal()).await?;
        emit("triage serve: stopped\n")?;
        Ok(ExitCode::SUCCESS)
    })
}
