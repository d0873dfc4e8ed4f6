//! Outcome recording for `ask` and `serve` (`--record DIR` or `TRIAGE_RECORD_DIR`): the
//! recorder, checked before the session starts, and the name and version of the knowledge base
//! a record names.

use super::{Knowledge, UsageError};
use std::path::Path;
use triage_learn::kb_version::{kb_version, of_sources};
use triage_learn::record::KbVersion;
use triage_learn::writer::Recorder;

/// The recorder `--record` or `TRIAGE_RECORD_DIR` asks for; a folder that cannot be written is
/// a usage error now, before any question.
pub(crate) fn recorder(arg: Option<&Path>) -> Result<Option<Recorder>, UsageError> {
    Recorder::from_arg_or_env(arg).map_err(|e| UsageError::Usage(e.to_string()))
}

/// `triage schema --record`: the JSON Schema of one outcome record line.
pub(crate) fn record_schema() -> super::Outcome {
    let json = serde_json::to_string_pretty(&triage_learn::record::schema())
        .map_err(|e| UsageError::Usage(e.to_string()))?;
    super::emit_exact(&format!("{json}\n")).map(|()| std::process::ExitCode::SUCCESS)
}

/// The knowledge base `--kb` names (the default one without it) as records name it. An
/// embedded one is hashed from its embedded files, a folder or file from what is on disk now.
pub(crate) fn kb_version_of(kb: Option<&Path>) -> KbVersion {
    let name = super::records::kb_name(kb);
    let version = match super::knowledge(kb) {
        Knowledge::Embedded(embedded) => embedded_version(embedded),
        Knowledge::Path(path) => {
            let loaded = triage_rules::load_paths(&[path.to_path_buf()]);
            of_sources(&loaded.sources, &path.display().to_string())
        }
    };
    KbVersion { name, version }
}

/// The version of an embedded knowledge base, from its `.kb` files.
pub(crate) fn embedded_version(name: &str) -> String {
    let files: Vec<(String, &[u8])> = crate::embedded::tree(name)
        .into_iter()
        .filter(|(path, _)| path.extension().is_some_and(|e| e == "kb"))
        .map(|(path, bytes)| (path.to_string_lossy().into_owned(), bytes))
        .collect();
    kb_version(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_embedded_knowledge_base_and_its_folder_have_one_version() {
        let embedded = kb_version_of(Some(Path::new("ssh")));
        let folder =
            kb_version_of(Some(&Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge/ssh")));
        assert_eq!(embedded.name, "ssh");
        assert_eq!(folder, embedded);
        assert_ne!(kb_version_of(None).version, embedded.version);
        assert!(embedded.version.starts_with("sha256:") && embedded.version.len() == 7 + 64);
    }
}
