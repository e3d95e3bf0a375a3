//! The daemon under test as a child process of the fault run: started with `run` on the generated config,
//! its output in a log file of its own per start, killed with SIGKILL or stopped with SIGTERM.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

/// The line the order router logs once its start-up reconciliation is done.
pub const READY: &str = "order_router ready";

pub struct DaemonProc {
    child: Child,
    pub log: PathBuf,
    /// How far the log has been scanned for [`READY`].
    scanned: u64,
    pub ready: bool,
}

impl DaemonProc {
    /// `kis-trader run --config CONFIG` in `dir`, output to `dir/daemon-N.log`, none of the caller's `KIS*`
    /// variables or `RUST_LOG` (the generated config alone decides).
    pub fn spawn(exe: &Path, config: &Path, dir: &Path, n: usize) -> anyhow::Result<DaemonProc> {
        let log = dir.join(format!("daemon-{n}.log"));
        let out = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let err = out.try_clone()?;
        let mut cmd = Command::new(exe);
        cmd.arg("run").arg("--config").arg(config).current_dir(dir).env_remove("RUST_LOG").env("NO_COLOR", "1");
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("KIS") {
                cmd.env_remove(name);
            }
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .with_context(|| format!("starting {}", exe.display()))?;
        Ok(DaemonProc { child, log, scanned: 0, ready: false })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the daemon logged [`READY`] (reads only what was appended since the last call).
    pub fn poll_ready(&mut self) -> bool {
        if self.ready {
            return true;
        }
        let Ok(mut file) = File::open(&self.log) else { return false };
        // Re-read a little before the last position: the line may have been cut by the previous read.
        let from = self.scanned.saturating_sub(READY.len() as u64);
        if file.seek(SeekFrom::Start(from)).is_err() {
            return false;
        }
        let mut text = Vec::new();
        if file.read_to_end(&mut text).is_err() {
            return false;
        }
        self.scanned = from + text.len() as u64;
        self.ready = text.windows(READY.len()).any(|w| w == READY.as_bytes());
        self.ready
    }

    /// The exit status, if the daemon has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// kill -9, and reap it.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM (the daemon's graceful stop), waiting up to `grace`; past it, kill -9. True if it stopped by
    /// itself.
    pub async fn terminate(&mut self, grace: Duration) -> bool {
        if self.exited().is_some() {
            return true;
        }
        let sent = Command::new("kill").arg("-TERM").arg(self.pid().to_string()).status();
        if !sent.is_ok_and(|s| s.success()) {
            self.kill9();
            return false;
        }
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if self.exited().is_some() {
                return true;
            }
            actix_rt::time::sleep(Duration::from_millis(100)).await;
        }
        self.kill9();
        false
    }
}

impl Drop for DaemonProc {
    fn drop(&mut self) {
        if self.exited().is_none() {
            self.kill9();
        }
    }
}
