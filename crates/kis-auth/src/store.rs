//! The token state file: what was issued, so that a restart reuses it instead of issuing again (KIS texts the
//! user on every issue and refuses more than one a minute).
//!
//! Decisions:
//! - One JSON file holds entries for several app keys and environments, keyed by [`StoreKey`]: the environment
//!   label and a hash of the app key — never the key itself, which is a credential.
//! - Written atomically: a temporary file created with mode 0600 (never wider, not even for an instant), fsync,
//!   rename over the old file, fsync of the directory. A crash leaves the old file or the new one.
//! - A file readable or writable by group or others is **not trusted**: [`TokenStore::load`] refuses it with
//!   [`StoreError::TooOpen`]. Its tokens may have been read (or planted) by someone else; the manager then
//!   issues afresh and the next save replaces the file with a 0600 one. Failing closed costs one issue.
//! - One process per state file: concurrent writers would not corrupt the file (rename is atomic) but the
//!   last one wins.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use kis_model::Secret;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::policy::TokenTimes;

const FORMAT_VERSION: u32 = 1;

/// Which entry of the file: `<environment>:<app key hash>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StoreKey(String);

impl StoreKey {
    /// `environment` is the venue label (`real`, `paper`, `sim`): a paper token is useless on the real
    /// service and the other way round, even for the same app key.
    pub fn new(environment: &str, app_key: &Secret) -> StoreKey {
        StoreKey(format!("{environment}:{}", fingerprint(app_key.expose())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// With KIS app keys being 36 random characters, 64 bits of hash say nothing usable about the key.
fn fingerprint(text: &str) -> String {
    kis_model::fingerprint::fingerprint_hex(text)
}

/// What is remembered for one app key on one environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreEntry {
    pub access_token: Option<StoredToken>,
    pub approval_key: Option<StoredApproval>,
    /// The last `tokenP` attempt, successful or not: the one-a-minute rule holds across restarts.
    pub last_issue_attempt: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredToken {
    pub token: Secret,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl StoredToken {
    pub fn times(&self) -> TokenTimes {
        TokenTimes { issued_at: self.issued_at, expires_at: self.expires_at }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredApproval {
    pub key: Secret,
    pub issued_at: DateTime<Utc>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreFile {
    version: u32,
    entries: BTreeMap<String, StoreEntry>,
}

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("token state file {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("token state file {path} is not valid ({reason}); it will be replaced")]
    Corrupt { path: PathBuf, reason: String },
    #[error("token state file {path} has mode {mode:o}: readable or writable by others, so its tokens are not used")]
    TooOpen { path: PathBuf, mode: u32 },
}

#[derive(Debug, Clone)]
pub struct TokenStore {
    path: PathBuf,
}

impl TokenStore {
    pub fn new(path: impl Into<PathBuf>) -> TokenStore {
        TokenStore { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The entry for `key`; `Ok(None)` when there is no file or no such entry.
    pub fn load(&self, key: &StoreKey) -> Result<Option<StoreEntry>, StoreError> {
        Ok(self.read_all()?.entries.remove(key.as_str()))
    }

    /// Replaces the entry for `key`, keeping the other entries of a trusted file (an untrusted or unreadable
    /// file is replaced whole).
    pub fn save(&self, key: &StoreKey, entry: &StoreEntry) -> Result<(), StoreError> {
        let mut file = self.read_all().unwrap_or_default();
        file.version = FORMAT_VERSION;
        file.entries.insert(key.as_str().to_string(), entry.clone());
        let json = serde_json::to_vec_pretty(&file)
            .map_err(|e| StoreError::Corrupt { path: self.path.clone(), reason: e.to_string() })?;
        self.write_atomically(&json)
    }

    fn read_all(&self) -> Result<StoreFile, StoreError> {
        let io = |source| StoreError::Io { path: self.path.clone(), source };
        let meta = match fs::metadata(&self.path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(StoreFile::default()),
            Err(e) => return Err(io(e)),
        };
        check_mode(&self.path, &meta)?;
        let bytes = fs::read(&self.path).map_err(io)?;
        let file: StoreFile = serde_json::from_slice(&bytes)
            // Position only: serde_json's message may quote the value, and the values are tokens.
            .map_err(|e| StoreError::Corrupt {
                path: self.path.clone(),
                reason: format!("{:?} error at line {} column {}", e.classify(), e.line(), e.column()),
            })?;
        if file.version != FORMAT_VERSION {
            return Err(StoreError::Corrupt {
                path: self.path.clone(),
                reason: format!("format version {} (expected {FORMAT_VERSION})", file.version),
            });
        }
        Ok(file)
    }

    fn write_atomically(&self, bytes: &[u8]) -> Result<(), StoreError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let io = |source| StoreError::Io { path: self.path.clone(), source };
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        create_private_dir(&dir).map_err(io)?;
        let name = self.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = dir.join(format!(".{name}.{}.{}.tmp", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)));
        let result = (|| {
            let mut f = private_create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            drop(f);
            fs::rename(&tmp, &self.path)?;
            // The rename is durable only once the directory entry is.
            fs::File::open(&dir)?.sync_all()
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result.map_err(io)
    }
}

#[cfg(unix)]
fn private_create(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)
}

#[cfg(not(unix))]
fn private_create(path: &Path) -> std::io::Result<fs::File> {
    fs::OpenOptions::new().write(true).create_new(true).open(path)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)
}

#[cfg(unix)]
fn check_mode(path: &Path, meta: &fs::Metadata) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(StoreError::TooOpen { path: path.to_path_buf(), mode });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_path: &Path, _meta: &fs::Metadata) -> Result<(), StoreError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_separate_environments_and_app_keys_without_holding_the_key() {
        let a = Secret::new("PSabcdefghijklmnopqrstuvwxyz01234567");
        let b = Secret::new("PSabcdefghijklmnopqrstuvwxyz01234568");
        let key = StoreKey::new("paper", &a);
        assert_ne!(key, StoreKey::new("real", &a));
        assert_ne!(key, StoreKey::new("paper", &b));
        assert_eq!(key, StoreKey::new("paper", &a.clone()));
        assert!(!key.as_str().contains("abcdef"));
        // FNV-1a test vector: "a" → af63dc4c8601ec8c.
        assert_eq!(fingerprint("a"), "af63dc4c8601ec8c");
    }
}
