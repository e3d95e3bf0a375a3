//! Frames generated and sent per second on loopback: the simulator with N symbols at speed X streams to one
//! subscriber of every symbol's trades and book (cap raised). Prints the figures (harness = false).
//!
//! Two clients, each against a fresh simulator:
//! - `raw`: a plain TCP socket that does the upgrade by hand, writes the subscribe frames, and then reads and
//!   discards, counting WebSocket frames from their headers. This measures the server's own generation +
//!   send rate (the client costs next to nothing).
//! - `awc`: the real awc client, validating every frame with kis-protocol (`Frame::parse`, record field
//!   counts 46 / 62). This measures the end-to-end validated rate.
//!
//! With the default `ws.slow_consumer = "backpressure"` the market waits for the reader, so "generated" and
//! "delivered" match and the rate is that of the slower side.
//!
//! `cargo bench -p kis-sim --bench ws_throughput` — knobs: `SIM_BENCH_SYMBOLS` (2000), `SIM_BENCH_SPEED`
//! (100), `SIM_BENCH_SECS` (10), `SIM_BENCH_TPM` (trades per symbol-minute, 20), `SIM_BENCH_CLIENT`
//! (`raw`, `awc` or `both`, default both).

#[path = "../tests/common/stream.rs"]
mod stream;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use kis_protocol::ws::{SubscribeRequest, WsTrId};
use kis_sim::{SimConfig, SimHandle, Simulator, Stats};

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Knobs {
    symbols: usize,
    speed: u32,
    secs: u64,
    tpm: f64,
}

async fn start(k: &Knobs) -> (SimHandle, String, Vec<String>) {
    let mut c = SimConfig {
        start: Some("2026-03-04T00:00:00Z".parse().unwrap()),
        symbols: k.symbols,
        us_symbols: 0,
        speed: k.speed,
        ..SimConfig::default()
    };
    c.market.trades_per_minute = k.tpm;
    c.ws.max_registrations = 2 * k.symbols + 1;
    c.rest.paper_per_sec = 1_000;
    let sim = Simulator::start(c).await.unwrap();
    let client = awc::Client::default();
    let mut r = client
        .post(format!("{}/oauth2/Approval", sim.rest_url()))
        .send_json(&serde_json::json!({"grant_type":"client_credentials","appkey":"bench","secretkey":"bench"}))
        .await
        .unwrap();
    let b: serde_json::Value = r.json().await.unwrap();
    let key = b["approval_key"].as_str().unwrap().to_string();
    let codes: Vec<String> =
        kis_sim::exchange::lock(sim.state()).feeds.iter().map(|f| f.symbol.code().to_string()).collect();
    (sim, key, codes)
}

/// What the raw client saw.
struct RawCount {
    subscribe: Duration,
    window: Duration,
    window_frames: u64,
    window_bytes: u64,
    server_before: Stats,
    server_after: Stats,
}

/// Appends one masked client text frame (mask key 0: the payload is unchanged, which RFC 6455 allows).
fn put_client_frame(out: &mut Vec<u8>, payload: &[u8]) {
    out.push(0x81);
    let n = payload.len();
    if n < 126 {
        out.push(0x80 | n as u8);
    } else {
        out.push(0x80 | 126);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    }
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(payload);
}

/// Counts complete frames at the front of `buf` and returns (data frames, control texts, bytes consumed).
fn count_frames(buf: &[u8]) -> (u64, u64, usize) {
    let (mut data, mut controls, mut pos) = (0, 0, 0);
    while let Some(h) = buf.get(pos..pos + 2) {
        let (len, head) = match h[1] & 0x7F {
            126 => match buf.get(pos + 2..pos + 4) {
                Some(b) => (usize::from(u16::from_be_bytes([b[0], b[1]])), 4),
                None => break,
            },
            127 => match buf.get(pos + 2..pos + 10) {
                Some(b) => (u64::from_be_bytes(b.try_into().unwrap()) as usize, 10),
                None => break,
            },
            n => (usize::from(n), 2),
        };
        let Some(payload) = buf.get(pos + head..pos + head + len) else { break };
        assert_eq!(h[0], 0x81, "unexpected opcode from the server");
        match payload.first() {
            Some(b'0' | b'1') => data += 1,
            _ => controls += 1,
        }
        pos += head + len;
    }
    (data, controls, pos)
}

/// The raw client, on its own thread with blocking sockets.
fn raw_client(addr: SocketAddr, key: &str, codes: &[String], secs: u64, sim_state: kis_sim::Shared) -> RawCount {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_nodelay(true).unwrap();
    write!(
        s,
        "GET /tryitout HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    .unwrap();
    let mut buf = vec![0u8; 1 << 20];
    let mut have = 0;
    let head_end = loop {
        let n = s.read(&mut buf[have..]).unwrap();
        assert!(n > 0, "connection closed during the upgrade");
        have += n;
        if let Some(i) = buf[..have].windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    assert!(buf.starts_with(b"HTTP/1.1 101"), "upgrade refused");
    buf.copy_within(head_end..have, 0);
    have -= head_end;
    let mut requests = Vec::new();
    for code in codes {
        for tr in [WsTrId::H0stcnt0, WsTrId::H0stasp0] {
            put_client_frame(&mut requests, SubscribeRequest::register(key, tr, code).to_json().as_bytes());
        }
    }
    let wanted = codes.len() as u64 * 2;
    let begun = Instant::now();
    let mut w = s.try_clone().unwrap();
    let writer = std::thread::spawn(move || w.write_all(&requests).unwrap());
    let stats = || kis_sim::exchange::lock(&sim_state).stats;
    let (mut controls, mut frames, mut bytes) = (0u64, 0u64, 0u64);
    // Set when the last registration is answered: (window start, server counters then).
    let mut window: Option<(Instant, Stats)> = None;
    let count = loop {
        let (d, c, used) = count_frames(&buf[..have]);
        buf.copy_within(used..have, 0);
        have -= used;
        controls += c;
        if let Some((start, before)) = window {
            frames += d;
            bytes += used as u64;
            if start.elapsed() >= Duration::from_secs(secs) {
                break RawCount {
                    subscribe: start.duration_since(begun),
                    window: start.elapsed(),
                    window_frames: frames,
                    window_bytes: bytes,
                    server_before: before,
                    server_after: stats(),
                };
            }
        } else if controls >= wanted {
            window = Some((Instant::now(), stats()));
        }
        let n = s.read(&mut buf[have..]).unwrap();
        assert!(n > 0, "server closed the connection");
        have += n;
    };
    writer.join().unwrap();
    count
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let k = Knobs {
        symbols: env("SIM_BENCH_SYMBOLS", 2_000),
        speed: env("SIM_BENCH_SPEED", 100),
        secs: env("SIM_BENCH_SECS", 10),
        tpm: env("SIM_BENCH_TPM", 20.0),
    };
    let which: String = env("SIM_BENCH_CLIENT", "both".to_string());
    let label = format!("symbols={} speed={}x tpm={} secs={}", k.symbols, k.speed, k.tpm, k.secs);
    actix_rt::System::new().block_on(async move {
        if which == "raw" || which == "both" {
            let (sim, key, codes) = start(&k).await;
            let (addr, state, secs) = (sim.ws_addr, sim.state().clone(), k.secs);
            let handle = std::thread::spawn(move || raw_client(addr, &key, &codes, secs, state));
            while !handle.is_finished() {
                actix_rt::time::sleep(Duration::from_millis(20)).await;
            }
            let r = handle.join().unwrap();
            let s = r.window.as_secs_f64();
            let sent = r.server_after.frames_sent - r.server_before.frames_sent;
            let held = kis_sim::exchange::lock(sim.state()).ws.held_steps;
            println!(
                "[raw] {label}: subscribe {:.2}s; server generated+sent {sent} frames in {s:.2}s ({:.0}/s, {:.1} MB/s); \
                 client read {} frames ({:.0}/s, {:.1} MB/s); dropped sessions {}, market held {held} steps",
                r.subscribe.as_secs_f64(),
                sent as f64 / s,
                (r.server_after.bytes_sent - r.server_before.bytes_sent) as f64 / s / 1e6,
                r.window_frames,
                r.window_frames as f64 / s,
                r.window_bytes as f64 / s / 1e6,
                r.server_after.sessions_dropped,
            );
            sim.stop().await.unwrap();
        }
        if which == "awc" || which == "both" {
            let (sim, key, codes) = start(&k).await;
            let count = stream::stream(&sim.ws_url(), &key, &codes, Duration::from_secs(k.secs), false, |_| {}).await;
            let stats = sim.stats();
            let held = kis_sim::exchange::lock(sim.state()).ws.held_steps;
            let s = count.elapsed.as_secs_f64();
            println!(
                "[awc] {label}: subscribe {:.2}s; client received+validated {} frames in the {s:.2}s window \
                 ({:.0}/s), {} frames / {} records in total, malformed {}, refused {}; server sent {} frames in \
                 total; dropped sessions {}, market held {held} steps",
                count.subscribe.as_secs_f64(),
                count.window_frames,
                count.window_frames as f64 / s,
                count.frames,
                count.records,
                count.malformed,
                count.refused,
                stats.frames_sent,
                stats.sessions_dropped,
            );
            sim.stop().await.unwrap();
        }
    });
}
