//! Writing outcome records: a [`Recorder`] for the folder `--record DIR` (or
//! `TRIAGE_RECORD_DIR`) names, checked when the session starts, that appends each record to
//! `DIR/triage-outcomes-YYYY-MM-DD.jsonl` (UTC date) with one `write` of the whole line, so
//! sessions writing at the same time never interleave their lines.

use crate::record::{FORMAT, KbVersion, Record, Tool};
use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// The environment variable that turns recording on when `--record` is not given.
pub const ENV: &str = "TRIAGE_RECORD_DIR";

/// A record folder that cannot be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot record outcomes in `{dir}`: {reason}")]
pub struct RecordDirError {
    pub dir: String,
    pub reason: String,
}

/// Writes the records of sessions to one folder.
#[derive(Debug, Clone)]
pub struct Recorder {
    dir: PathBuf,
}

impl Recorder {
    /// The recorder `--record DIR` asks for, else the one `TRIAGE_RECORD_DIR` names; `None`
    /// when neither is set (an empty variable is unset). The folder is created if missing and
    /// checked by opening today's file for appending, so a folder that cannot be written is an
    /// error before the session, not a lost record after it.
    pub fn from_arg_or_env(arg: Option<&Path>) -> Result<Option<Self>, RecordDirError> {
        let dir = match arg {
            Some(dir) => dir.to_path_buf(),
            None => match std::env::var_os(ENV) {
                Some(dir) if !dir.is_empty() => PathBuf::from(dir),
                _ => return Ok(None),
            },
        };
        Self::open(&dir).map(Some)
    }

    /// A recorder for `dir`, created if missing and checked writable.
    pub fn open(dir: &Path) -> Result<Self, RecordDirError> {
        let error = |e: std::io::Error| RecordDirError {
            dir: dir.display().to_string(),
            reason: e.to_string(),
        };
        std::fs::create_dir_all(dir).map_err(error)?;
        let recorder = Self { dir: dir.to_path_buf() };
        open_append(&recorder.file_for(now())).map_err(error)?;
        Ok(recorder)
    }

    /// The folder records go to.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of the records of the day `at` falls on (UTC).
    #[must_use]
    pub fn file_for(&self, at: OffsetDateTime) -> PathBuf {
        let date = at.date();
        self.dir.join(format!(
            "triage-outcomes-{:04}-{:02}-{:02}.jsonl",
            date.year(),
            u8::from(date.month()),
            date.day()
        ))
    }

    /// Appends `record` as one line to the file of the day it was recorded on (today's when
    /// its `recorded_at` does not parse); returns the file.
    pub fn write(&self, record: &Record) -> Result<PathBuf, RecordDirError> {
        let at = OffsetDateTime::parse(
            &record.recorded_at,
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap_or_else(|_| now());
        let path = self.file_for(at);
        let error = |e: std::io::Error| RecordDirError {
            dir: self.dir.display().to_string(),
            reason: e.to_string(),
        };
        let mut line = serde_json::to_string(record).map_err(|e| RecordDirError {
            dir: self.dir.display().to_string(),
            reason: e.to_string(),
        })?;
        line.push('\n');
        let mut file = open_append(&path).map_err(error)?;
        // One write of the whole line: in append mode the kernel places it at the end in one
        // piece, so lines of concurrent sessions do not mix.
        let written = file.write(line.as_bytes()).map_err(error)?;
        if written < line.len() {
            file.write_all(&line.as_bytes()[written..]).map_err(error)?;
        }
        Ok(path)
    }
}

/// Now, to the second (the `time` crate's clock needs its `std` feature; the system's is here).
#[must_use]
pub fn now() -> OffsetDateTime {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn open_append(path: &Path) -> std::io::Result<std::fs::File> {
    OpenOptions::new().create(true).append(true).open(path)
}

/// The ranking a person was shown, as a record keeps it: the causes still possible (not ruled
/// out, above zero), in the report's order, and the unlisted cause's share.
pub fn set_ranking(record: &mut Record, report: &triage_engine::report::SymptomReport) {
    record.ranking = report
        .causes
        .iter()
        .filter(|c| !c.ruled_out && c.posterior > 0.0)
        .map(|c| crate::record::RankedCause { cause: c.cause.clone(), probability: c.posterior })
        .collect();
    record.unlisted = report.unlisted;
}

/// A new record of a session that ends now: its id and time set, facts, ranking and fixes
/// empty for the caller to fill.
#[must_use]
pub fn new_record(tool: Tool, kb: KbVersion) -> Record {
    Record {
        format: FORMAT.to_string(),
        id: new_id(),
        recorded_at: rfc3339(now()),
        tool,
        kb,
        symptom: None,
        facts: Vec::new(),
        ranking: Vec::new(),
        unlisted: 0.0,
        fixes: Vec::new(),
        confirmed_cause: None,
    }
}

/// 16 lowercase hex digits from a generator seeded by the operating system.
#[must_use]
pub fn new_id() -> String {
    format!("{:016x}", fastrand::u64(..))
}

/// `at` in UTC as RFC 3339 to the second (`2026-12-02T19:40:00Z`).
#[must_use]
pub fn rfc3339(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::record::{FactSource, RecordedFact, read_records};

    fn kb() -> KbVersion {
        KbVersion { name: "rdp".into(), version: "sha256:00".into() }
    }

    #[test]
    fn a_record_is_appended_to_the_file_of_its_day_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let recorder = Recorder::open(&dir.path().join("new/sub")).unwrap();
        let mut record = new_record(Tool::Ask, kb());
        record.recorded_at = "2026-12-02T23:59:59Z".into();
        record.facts.push(RecordedFact {
            fact: "note".into(),
            value: serde_json::json!("a \"quoted\"\nline"),
            source: FactSource::Given,
            step: 0,
        });
        let path = recorder.write(&record).unwrap();
        assert_eq!(path.file_name().unwrap(), "triage-outcomes-2026-12-02.jsonl");
        recorder.write(&record).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let (records, errors) = read_records("f", &text);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(records, vec![record.clone(), record]);
    }

    #[test]
    fn ids_and_times_have_the_documented_shape() {
        let record = new_record(Tool::Serve, kb());
        assert_eq!(record.id.len(), 16);
        assert!(record.id.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(record.id, new_record(Tool::Serve, kb()).id);
        assert!(
            OffsetDateTime::parse(
                &record.recorded_at,
                &time::format_description::well_known::Rfc3339
            )
            .is_ok(),
            "{}",
            record.recorded_at
        );
        assert!(record.recorded_at.ends_with('Z'));
    }

    #[test]
    fn a_folder_that_cannot_be_written_is_an_error_up_front() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, "x").unwrap();
        let error = Recorder::open(&file.join("sub")).unwrap_err();
        assert!(error.to_string().starts_with("cannot record outcomes in `"), "{error}");
    }

    #[test]
    fn concurrent_writers_do_not_interleave_lines() {
        let dir = tempfile::tempdir().unwrap();
        let recorder = Recorder::open(dir.path()).unwrap();
        // Long lines (many facts), so a split write would show.
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let recorder = recorder.clone();
                std::thread::spawn(move || {
                    for n in 0..50 {
                        let mut record = new_record(Tool::Plan, kb());
                        record.facts = (0..200)
                            .map(|i| RecordedFact {
                                fact: format!("fact_{t}_{n}_{i}"),
                                value: serde_json::json!("x".repeat(20)),
                                source: FactSource::Collected,
                                step: 0,
                            })
                            .collect();
                        recorder.write(&record).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let mut count = 0;
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            let (records, errors) = read_records("f", &text);
            assert!(errors.is_empty(), "{:?}", &errors[..errors.len().min(3)]);
            assert!(records.iter().all(|r| r.facts.len() == 200));
            count += records.len();
        }
        assert_eq!(count, 8 * 50);
    }
}
