//! Where the exit state of the held positions lives between runs: `exit-state.json` in the daemon's state
//! directory. Written on a thread of its own (temp file, fsync, rename, fsync of the directory), so a slow
//! disk never holds up the RiskManager's event loop; read once at start with `spawn_blocking`.
//!
//! Snapshots coalesce: the writer always writes the newest one it has, so a burst of changes is one write.
//! One store serves every incarnation of the RiskManager (the daemon makes it once), so a restarted actor's
//! writes can never be overtaken by a stale write of the one before it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use kis_strategy::risk::{ExitState, ExitStateFile};

#[derive(Debug, thiserror::Error)]
pub enum ExitStoreError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a valid exit-state file: {detail}")]
    Corrupt { path: PathBuf, detail: String },
}

#[derive(Default)]
struct Queue {
    next: Option<ExitStateFile>,
    closed: bool,
    written: u64,
}

struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
}

/// A handle on the writer thread; cheap to clone. The thread ends when the last handle is dropped, after
/// writing what it still has.
#[derive(Clone)]
pub struct ExitStore {
    path: PathBuf,
    shared: Arc<Shared>,
    _owner: Arc<Owner>,
}

/// Closes the queue when the last handle goes.
struct Owner(Arc<Shared>);

impl Drop for Owner {
    fn drop(&mut self) {
        self.0.queue.lock().unwrap_or_else(PoisonError::into_inner).closed = true;
        self.0.wake.notify_all();
    }
}

impl ExitStore {
    /// Starts the writer for `path` (the file need not exist).
    pub fn spawn(path: PathBuf) -> std::io::Result<ExitStore> {
        let shared = Arc::new(Shared { queue: Mutex::new(Queue::default()), wake: Condvar::new() });
        let worker = shared.clone();
        let target = path.clone();
        std::thread::Builder::new().name("exit-state".into()).spawn(move || write_loop(&target, &worker))?;
        Ok(ExitStore { path, _owner: Arc::new(Owner(shared.clone())), shared })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Queues `file` to be written; replaces a snapshot not written yet. Never blocks on the disk.
    pub fn save(&self, file: ExitStateFile) {
        self.shared.queue.lock().unwrap_or_else(PoisonError::into_inner).next = Some(file);
        self.shared.wake.notify_all();
    }

    /// Snapshots written so far (for tests).
    pub fn written(&self) -> u64 {
        self.shared.queue.lock().unwrap_or_else(PoisonError::into_inner).written
    }

    /// Reads the saved states; no file is no state. Blocking: call it off the event loop.
    pub fn load(path: &Path) -> Result<Vec<ExitState>, ExitStoreError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(ExitStoreError::Read { path: path.to_path_buf(), source }),
        };
        let corrupt = |detail: String| ExitStoreError::Corrupt { path: path.to_path_buf(), detail };
        let file: ExitStateFile = serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
        if file.version != ExitStateFile::VERSION {
            return Err(corrupt(format!("format version {} (expected {})", file.version, ExitStateFile::VERSION)));
        }
        Ok(file.positions)
    }
}

fn write_loop(path: &Path, shared: &Shared) {
    loop {
        let next = {
            let mut q = shared.queue.lock().unwrap_or_else(PoisonError::into_inner);
            loop {
                if let Some(f) = q.next.take() {
                    break Some(f);
                }
                if q.closed {
                    break None;
                }
                q = shared.wake.wait(q).unwrap_or_else(PoisonError::into_inner);
            }
        };
        let Some(file) = next else { return };
        match write_atomically(path, &file) {
            Ok(()) => shared.queue.lock().unwrap_or_else(PoisonError::into_inner).written += 1,
            Err(e) => tracing::error!(target: "risk", path = %path.display(), error = %e, "cannot save the exit state"),
        }
    }
}

fn write_atomically(path: &Path, file: &ExitStateFile) -> std::io::Result<()> {
    let bytes = serde_json::to_vec_pretty(file).map_err(std::io::Error::other)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        // The rename is durable only once the directory entry is.
        std::fs::File::open(&dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use kis_model::{Price, Qty};

    #[test]
    fn snapshots_are_written_atomically_and_read_back() {
        let dir = std::env::temp_dir().join(format!("kis-exit-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("exit-state.json");
        assert!(ExitStore::load(&path).unwrap().is_empty(), "no file is no state");
        let store = ExitStore::spawn(path.clone()).unwrap();
        let state = ExitState {
            symbol: "005930".parse().unwrap(),
            qty: Qty::new(3),
            avg_price: Price::from_won(70_000),
            opened_at: "2026-03-04T00:01:00Z".parse().unwrap(),
            high_water: Price::from_won(71_000),
            trailing_armed: false,
        };
        let at = "2026-03-04T00:02:00Z".parse().unwrap();
        store.save(ExitStateFile::new(at, vec![]));
        store.save(ExitStateFile::new(at, vec![state]));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while ExitStore::load(&path).ok().is_none_or(|s| s.is_empty()) {
            assert!(std::time::Instant::now() < deadline, "never written");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(ExitStore::load(&path).unwrap(), vec![state]);
        let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().filter(|e| e.path() != path).collect();
        assert!(leftovers.is_empty(), "no temp file left: {leftovers:?}");
        std::fs::write(&path, "{\"version\": 9, \"saved_at\": \"2026-03-04T00:02:00Z\", \"positions\": []}").unwrap();
        let err = ExitStore::load(&path).unwrap_err();
        assert!(err.to_string().contains("format version 9"), "{err}");
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
