//! The journal file: append-only JSON lines, each synced to disk before the call returns.
//!
//! Write-ahead discipline is what makes restarts safe: an `Intent` is durable before the order exists, and
//! `Sent` is durable before the request leaves, so after any crash the journal says either "never sent"
//! (no `Sent`) or "ask the broker" (`Sent` without an answer). A crash can only tear the line being
//! written; that line was never reported durable, so nothing was acted on, and reading drops it with a
//! warning. Anything unreadable *before* the last line is real damage and is refused, naming the line,
//! rather than guessed around.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use kis_model::ClientOrderId;
use thiserror::Error;

use crate::entry::{Entry, Event, IntentRecord};
use crate::intents::{Applied, FoldError, IntentBook};
use crate::reconcile::Action;

#[derive(Debug, Error)]
pub enum JournalError {
    #[error("journal {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("cannot create the journal's directory {dir}: {source}")]
    CreateDir { dir: PathBuf, source: io::Error },
    #[error("journal line {line} is corrupt ({detail}); the file is damaged before its end, refusing to guess")]
    Corrupt { line: usize, detail: String },
    #[error("journal line {line}: {source}")]
    Inconsistent { line: usize, source: FoldError },
    #[error("refused to journal: {0}")]
    Refused(#[from] FoldError),
    #[error("could not encode a journal entry: {0}")]
    Encode(String),
}

/// The last line, dropped because a crash cut it short.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornTail {
    /// 1-based line number.
    pub line: usize,
    pub bytes: usize,
}

/// The readable content of a journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOutcome {
    pub entries: Vec<Entry>,
    /// Byte length of the intact prefix: where the next append must start.
    pub intact_len: u64,
    pub torn: Option<TornTail>,
}

/// Parses journal text. A bad last line (with or without its newline) is a torn write; a bad line anywhere
/// else is corruption.
pub fn read_entries<R: Read>(mut input: R) -> Result<ReadOutcome, JournalError> {
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes).map_err(|source| JournalError::Io { path: PathBuf::from("<reader>"), source })?;
    let mut entries = Vec::new();
    let mut offset = 0usize;
    let mut line = 0usize;
    while offset < bytes.len() {
        line += 1;
        let rest = bytes.get(offset..).unwrap_or_default();
        let (text, consumed, complete) = match rest.iter().position(|&b| b == b'\n') {
            Some(end) => (rest.get(..end).unwrap_or_default(), end + 1, true),
            None => (rest, rest.len(), false),
        };
        let is_last = offset + consumed >= bytes.len();
        let parsed = if complete {
            serde_json::from_slice::<Entry>(text).map_err(|e| e.to_string())
        } else {
            Err("no end of line".to_string())
        };
        match parsed {
            Ok(entry) => entries.push(entry),
            Err(_) if is_last => {
                let torn = TornTail { line, bytes: consumed };
                return Ok(ReadOutcome { entries, intact_len: offset as u64, torn: Some(torn) });
            }
            Err(detail) => return Err(JournalError::Corrupt { line, detail }),
        }
        offset += consumed;
    }
    Ok(ReadOutcome { entries, intact_len: offset as u64, torn: None })
}

/// What opening found, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenReport {
    pub entries: usize,
    pub torn: Option<TornTail>,
    pub created: bool,
}

/// Whether an event reached the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Written,
    /// Already known (a repeated fill): nothing written.
    Duplicate,
}

/// When a recorded line is forced to the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncPolicy {
    /// Every `record*` call returns only after its line is on disk (`fsync`).
    Immediate,
    /// Every `record*` call returns once its line is written to the operating system (it survives the
    /// process being killed); forcing it to the disk is the owner's job, off its event loop, through a
    /// [`SyncHandle`] — and an order is sent only after the sync that covers its `Sent` line.
    Deferred,
}

/// A handle on the journal file that forces everything written so far to the disk. Blocking: run it on a
/// thread of its own.
#[derive(Debug)]
pub struct SyncHandle {
    file: File,
    path: PathBuf,
}

impl SyncHandle {
    pub fn sync(&self) -> Result<(), JournalError> {
        self.file.sync_data().map_err(|source| JournalError::Io { path: self.path.clone(), source })
    }
}

/// The open journal file and the book folded from it. Every `record*` call refuses events the book would
/// reject, so the file never holds an inconsistency, and returns after the line is written (synced per the
/// [`SyncPolicy`]; [`Journal::open`] syncs every line).
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
    len: u64,
    book: IntentBook,
    next_id: u64,
    policy: SyncPolicy,
}

impl Journal {
    /// Opens (or creates) the journal, drops a torn last line from the file so the next append starts on a
    /// clean line, and folds the entries.
    pub fn open(path: &Path) -> Result<(Journal, OpenReport), JournalError> {
        let io_err = |source| JournalError::Io { path: path.to_path_buf(), source };
        let created = !path.exists();
        let mut file = OpenOptions::new().read(true).append(true).create(true).open(path).map_err(io_err)?;
        if created {
            sync_parent_dir(path).map_err(io_err)?;
        }
        let outcome = read_entries(&mut file).map_err(|e| match e {
            JournalError::Io { source, .. } => io_err(source),
            other => other,
        })?;
        if let Some(torn) = &outcome.torn {
            tracing::warn!(
                journal = %path.display(),
                line = torn.line,
                bytes = torn.bytes,
                "journal ends with a torn line (crash mid-write); dropping it"
            );
            file.set_len(outcome.intact_len).map_err(io_err)?;
            file.sync_all().map_err(io_err)?;
        }
        let book = IntentBook::fold(&outcome.entries)
            .map_err(|(index, source)| JournalError::Inconsistent { line: index + 1, source })?;
        let next_id = book.max_id().map_or(1, |id| id.0.saturating_add(1));
        let report = OpenReport { entries: outcome.entries.len(), torn: outcome.torn, created };
        let journal = Journal {
            file,
            path: path.to_path_buf(),
            len: outcome.intact_len,
            book,
            next_id,
            policy: SyncPolicy::Immediate,
        };
        Ok((journal, report))
    }

    pub fn book(&self) -> &IntentBook {
        &self.book
    }

    /// A handle that syncs this journal's file from another thread.
    pub fn sync_handle(&self) -> Result<SyncHandle, JournalError> {
        let file = self.file.try_clone().map_err(|source| JournalError::Io { path: self.path.clone(), source })?;
        Ok(SyncHandle { file, path: self.path.clone() })
    }

    /// Whether `record*` syncs each line itself; switch to [`SyncPolicy::Deferred`] only once a
    /// [`SyncHandle`] is being served.
    pub fn set_sync_policy(&mut self, policy: SyncPolicy) {
        self.policy = policy;
    }

    pub fn policy(&self) -> SyncPolicy {
        self.policy
    }

    /// Bytes written so far (what a sync after now covers).
    pub fn written(&self) -> u64 {
        self.len
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Journals a new intent under the next id (above every id in the file, so ids never repeat across
    /// restarts) and returns that id once it is durable: only then may the order be sent.
    pub fn record_intent(
        &mut self,
        created: DateTime<Utc>,
        record: IntentRecord,
    ) -> Result<ClientOrderId, JournalError> {
        let id = ClientOrderId(self.next_id);
        self.record(Entry { ts: created, id, event: Event::Intent(record) })?;
        Ok(id)
    }

    /// Journals a state change of a known intent.
    pub fn record_event(
        &mut self,
        ts: DateTime<Utc>,
        id: ClientOrderId,
        event: Event,
    ) -> Result<Recorded, JournalError> {
        self.record(Entry { ts, id, event })
    }

    /// Writes what a reconciliation action means for the journal; returns the id of an adopted order's new
    /// intent. Conflicts and holdings are the router's business and write nothing.
    pub fn apply_action(&mut self, ts: DateTime<Utc>, action: &Action) -> Result<Option<ClientOrderId>, JournalError> {
        let entries = action.entries(ts, ClientOrderId(self.next_id));
        let adopted = matches!(action, Action::Adopt(_)).then_some(ClientOrderId(self.next_id));
        for entry in entries {
            self.record(entry)?;
        }
        Ok(adopted)
    }

    fn record(&mut self, entry: Entry) -> Result<Recorded, JournalError> {
        if self.book.check(&entry)? == Applied::DuplicateFill {
            return Ok(Recorded::Duplicate);
        }
        let mut line = serde_json::to_vec(&entry).map_err(|e| JournalError::Encode(e.to_string()))?;
        line.push(b'\n');
        let io_err = |source| JournalError::Io { path: self.path.clone(), source };
        let written = self.file.write_all(&line).and_then(|()| match self.policy {
            SyncPolicy::Immediate => self.file.sync_data(),
            SyncPolicy::Deferred => Ok(()),
        });
        if let Err(source) = written {
            // Cut a partial line off so the next append does not glue onto it; if even that fails, the
            // next open drops it as a torn line.
            let _ = self.file.set_len(self.len);
            return Err(io_err(source));
        }
        self.len += line.len() as u64;
        self.book.apply(&entry)?;
        if let Event::Intent(_) = entry.event {
            self.next_id = self.next_id.max(entry.id.0.saturating_add(1));
        }
        Ok(Recorded::Written)
    }
}

/// A new file's directory entry must be durable too, or a crash could lose the whole file.
fn sync_parent_dir(path: &Path) -> io::Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => File::open(dir)?.sync_all(),
        _ => Ok(()),
    }
}
