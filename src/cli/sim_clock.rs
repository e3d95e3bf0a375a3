//! The venue clock of a daemon trading on a simulator outside its process (`[sim] external = true`): the
//! simulator's virtual time, read from its admin status (`clock`, `speed`) and extrapolated in between.
//!
//! A thread of its own re-reads the status every [`RESYNC`] (a loopback GET of a few hundred bytes), so no
//! event loop waits on it and the clock follows the simulator when it holds or slows its market. Between
//! readings the time runs at `speed`; it never goes backwards, so a reading slightly behind the extrapolation
//! holds the clock still instead of rewinding journal and holding times.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{DateTime, TimeDelta, Utc};
use kis_actors::venue_clock::VenueClock;

/// How often the simulator's clock is read again.
const RESYNC: Duration = Duration::from_millis(500);
/// Connect and read limit of one status call.
const IO_TIMEOUT: Duration = Duration::from_secs(2);

/// One reading: the simulator's time at a local instant, and how fast it runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Anchor {
    pub taken: Instant,
    pub virtual_at: DateTime<Utc>,
    pub speed: u32,
}

impl Anchor {
    /// The simulator's time at `now`, extrapolated from this reading.
    pub fn at(&self, now: Instant) -> DateTime<Utc> {
        let real = now.saturating_duration_since(self.taken);
        let nanos = real.as_nanos().saturating_mul(u128::from(self.speed));
        self.virtual_at + TimeDelta::nanoseconds(i64::try_from(nanos).unwrap_or(i64::MAX))
    }
}

/// `clock` and `speed` of a `/sim-admin/status` body.
pub fn parse_status(body: &[u8]) -> anyhow::Result<(DateTime<Utc>, u32)> {
    let value: serde_json::Value = serde_json::from_slice(body).context("the simulator's status is not JSON")?;
    let clock = value.get("clock").and_then(|c| c.as_str()).context("the simulator's status has no `clock`")?;
    let clock = DateTime::parse_from_rfc3339(clock).context("the simulator's `clock` is not RFC 3339")?;
    let speed =
        value.get("speed").and_then(serde_json::Value::as_u64).context("the simulator's status has no `speed`")?;
    let speed = u32::try_from(speed).ok().filter(|s| *s > 0).context("the simulator's `speed` is out of range")?;
    Ok((clock.with_timezone(&Utc), speed))
}

/// The `host:port` of an `http://host:port/…` URL.
fn socket_of(rest_base: &str) -> anyhow::Result<SocketAddr> {
    let rest = rest_base.strip_prefix("http://").context("[sim] external = true needs an http:// rest_base")?;
    let authority = rest.split('/').next().unwrap_or("");
    authority
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {authority:?}"))?
        .next()
        .with_context(|| format!("{authority:?} names no address"))
}

/// One status call (HTTP/1.1 with `connection: close`, so the body ends with the stream).
fn read_status(addr: SocketAddr) -> anyhow::Result<Anchor> {
    let mut tcp = TcpStream::connect_timeout(&addr, IO_TIMEOUT).with_context(|| format!("connecting to {addr}"))?;
    tcp.set_read_timeout(Some(IO_TIMEOUT))?;
    tcp.set_write_timeout(Some(IO_TIMEOUT))?;
    tcp.write_all(b"GET /sim-admin/status HTTP/1.1\r\nhost: sim\r\nconnection: close\r\n\r\n")?;
    let mut reply = Vec::new();
    tcp.read_to_end(&mut reply)?;
    let taken = Instant::now();
    let Some(split) = reply.windows(4).position(|w| w == b"\r\n\r\n") else {
        bail!("the simulator's status reply has no body");
    };
    if !reply.starts_with(b"HTTP/1.1 200") {
        bail!("the simulator's status answered {:?}", String::from_utf8_lossy(&reply[..split.min(40)]));
    }
    let (virtual_at, speed) = parse_status(&reply[split + 4..])?;
    Ok(Anchor { taken, virtual_at, speed })
}

/// Reads the simulator's clock once (failing if it cannot), then follows it from a thread of its own.
pub fn follow(rest_base: &str) -> anyhow::Result<VenueClock> {
    let addr = socket_of(rest_base)?;
    let first = read_status(addr).context("reading the external simulator's clock")?;
    let anchor = Arc::new(Mutex::new(first));
    let last_shown = Arc::new(Mutex::new(first.virtual_at));
    let updated = anchor.clone();
    std::thread::Builder::new()
        .name("sim-clock".into())
        .spawn(move || {
            let mut failing = false;
            loop {
                std::thread::sleep(RESYNC);
                match read_status(addr) {
                    Ok(a) => {
                        failing = false;
                        *updated.lock().unwrap_or_else(PoisonError::into_inner) = a;
                    }
                    Err(e) if !failing => {
                        failing = true;
                        tracing::warn!(error = %e, "cannot read the simulator's clock; extrapolating");
                    }
                    Err(_) => {}
                }
            }
        })
        .context("starting the simulator clock thread")?;
    Ok(VenueClock::from_fn(move || {
        let now = anchor.lock().unwrap_or_else(PoisonError::into_inner).at(Instant::now());
        let mut shown = last_shown.lock().unwrap_or_else(PoisonError::into_inner);
        *shown = (*shown).max(now);
        *shown
    })
    .with_speed(f64::from(first.speed)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reading_runs_at_its_speed() {
        let taken = Instant::now();
        let virtual_at: DateTime<Utc> = "2026-03-04T00:10:00Z".parse().unwrap();
        let a = Anchor { taken, virtual_at, speed: 60 };
        assert_eq!(a.at(taken), virtual_at);
        assert_eq!(a.at(taken + Duration::from_millis(1_500)), virtual_at + TimeDelta::seconds(90));
        // An instant before the reading is the reading itself, never earlier.
        assert_eq!(Anchor { taken: taken + Duration::from_secs(1), ..a }.at(taken), virtual_at);
    }

    #[test]
    fn status_bodies_are_read_or_refused_with_the_field_named() {
        let (clock, speed) =
            parse_status(br#"{"clock":"2026-03-04T00:10:00.250000000Z","speed":60,"env":"real"}"#).unwrap();
        assert_eq!((clock.to_rfc3339(), speed), ("2026-03-04T00:10:00.250+00:00".to_string(), 60));
        let err = parse_status(br#"{"speed":60}"#).unwrap_err().to_string();
        assert!(err.contains("no `clock`"), "{err}");
        let err = parse_status(br#"{"clock":"2026-03-04T00:10:00Z","speed":0}"#).unwrap_err().to_string();
        assert!(err.contains("`speed` is out of range"), "{err}");
        assert!(socket_of("https://127.0.0.1:1").is_err());
        assert_eq!(socket_of("http://127.0.0.1:4321/x").unwrap().port(), 4321);
    }
}
