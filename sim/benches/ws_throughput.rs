//! Frames generated and sent per second on loopback: the simulator with N symbols at speed X streams to one
//! awc client, which counts and validates every frame. Prints the figures (harness = false).
//!
//! `cargo bench -p kis-sim --bench ws_throughput` — knobs: `SIM_BENCH_SYMBOLS` (2000), `SIM_BENCH_SPEED`
//! (1000), `SIM_BENCH_SECS` (10), `SIM_BENCH_TPM` (trades per symbol-minute, 20).

#[path = "../tests/common/stream.rs"]
mod stream;

use std::time::Duration;

use kis_sim::{SimConfig, Simulator};

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let symbols: usize = env("SIM_BENCH_SYMBOLS", 2_000);
    let speed: u32 = env("SIM_BENCH_SPEED", 1_000);
    let secs: u64 = env("SIM_BENCH_SECS", 10);
    let tpm: f64 = env("SIM_BENCH_TPM", 20.0);
    actix_rt::System::new().block_on(async move {
        let mut c = SimConfig {
            start: Some("2026-03-04T00:00:00Z".parse().unwrap()),
            symbols,
            us_symbols: 0,
            speed,
            ..SimConfig::default()
        };
        c.market.trades_per_minute = tpm;
        c.ws.max_registrations = 2 * symbols + 1;
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
        let count = stream::stream(&sim.ws_url(), &key, &codes, Duration::from_secs(secs)).await;
        let stats = sim.stats();
        let s = count.elapsed.as_secs_f64();
        println!(
            "symbols={symbols} speed={speed}x tpm={tpm} secs={s:.1}: server sent {} frames ({:.0}/s), {:.1} MB/s; \
             client received+validated {} frames ({:.0}/s), {} records ({:.0}/s), malformed {}, dropped sessions {}, \
             market events {} trades + {} books",
            stats.frames_sent,
            stats.frames_sent as f64 / s,
            stats.bytes_sent as f64 / s / 1e6,
            count.frames,
            count.frames as f64 / s,
            count.records,
            count.records as f64 / s,
            count.malformed,
            stats.sessions_dropped,
            stats.trades,
            stats.books,
        );
        sim.stop().await.unwrap();
    });
}
