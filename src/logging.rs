//! Logs of `kis-trader run`: stdout plus one file per day under the configured directory
//! (`logs/kis-trader.YYYY-MM-DD`), both with the same lines.
//!
//! Secrets are kept out of log lines by construction (they are `Secret`s whose `Debug`/`Display` redact).
//! As a second line of defence every line is scrubbed of the configured credential values before it is
//! written, so a future `format!` that exposes one by mistake still does not reach a file.

use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Values shorter than this are not scrubbed: they would match ordinary text.
const MIN_SCRUB_LEN: usize = 6;

/// Keeps the file writer's background thread alive; dropping it flushes the last lines.
pub struct LogGuard {
    _file: WorkerGuard,
}

/// Replaces each secret value in a line with `***`.
#[derive(Clone)]
pub struct Scrubber(Arc<Vec<String>>);

impl Scrubber {
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Scrubber {
        Scrubber(Arc::new(secrets.into_iter().filter(|s| s.len() >= MIN_SCRUB_LEN).collect()))
    }

    fn scrub<'a>(&self, line: &'a [u8]) -> std::borrow::Cow<'a, [u8]> {
        let Ok(text) = std::str::from_utf8(line) else { return std::borrow::Cow::Borrowed(line) };
        if !self.0.iter().any(|s| text.contains(s.as_str())) {
            return std::borrow::Cow::Borrowed(line);
        }
        let mut out = text.to_string();
        for s in self.0.iter() {
            out = out.replace(s.as_str(), "***");
        }
        std::borrow::Cow::Owned(out.into_bytes())
    }
}

/// A writer that scrubs what passes through it.
pub struct ScrubbingWriter<W> {
    inner: W,
    scrubber: Scrubber,
}

impl<W: Write> Write for ScrubbingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let scrubbed = self.scrubber.scrub(buf);
        self.inner.write_all(&scrubbed)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[derive(Clone)]
struct Scrubbing<M> {
    make: M,
    scrubber: Scrubber,
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Scrubbing<M> {
    type Writer = ScrubbingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        ScrubbingWriter { inner: self.make.make_writer(), scrubber: self.scrubber.clone() }
    }
}

/// Installs the global subscriber: `level` unless `RUST_LOG` says otherwise.
pub fn init(dir: &Path, level: &str, scrubber: Scrubber) -> anyhow::Result<LogGuard> {
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("cannot create the log directory {}: {e}", dir.display()))?;
    let appender = tracing_appender::rolling::daily(dir, "kis-trader");
    let (file, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    // Colours only for a person at a terminal (and never with NO_COLOR): piped output stays plain text.
    let colour = std::io::IsTerminal::is_terminal(&io::stdout()) && std::env::var_os("NO_COLOR").is_none();
    let stdout = tracing_subscriber::fmt::layer()
        .with_ansi(colour)
        .with_target(true)
        .with_writer(Scrubbing { make: io::stdout, scrubber: scrubber.clone() });
    let files = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_target(true)
        .with_writer(Scrubbing { make: file, scrubber });
    tracing_subscriber::registry()
        .with(filter)
        .with(stdout)
        .with(files)
        .try_init()
        .map_err(|e| anyhow::anyhow!("cannot install the logger: {e}"))?;
    Ok(LogGuard { _file: guard })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_lose_every_configured_secret() {
        let scrubber = Scrubber::new(["PSKEY1234567890".to_string(), "12345678".to_string(), "ab".to_string()]);
        let mut out = Vec::new();
        {
            let mut w = ScrubbingWriter { inner: &mut out, scrubber };
            w.write_all(b"key=PSKEY1234567890 account=12345678-01 ab\n").unwrap();
            w.write_all(b"plain line\n").unwrap();
        }
        assert_eq!(String::from_utf8(out).unwrap(), "key=*** account=***-01 ab\nplain line\n");
    }
}
