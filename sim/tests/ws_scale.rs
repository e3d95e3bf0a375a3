//! The simulator at scale: 2,000 symbols at 100× streaming trades and books of every symbol to one
//! subscriber (registration cap raised) for 10 s, every frame validated with kis-protocol, nothing dropped
//! and nothing lost.

mod common;
#[path = "common/stream.rs"]
mod stream;

use std::time::Duration;

use common::{KRX_OPEN, at, bounded, start};
use kis_sim::SimConfig;
use kis_sim::config::SlowConsumer;

#[actix_rt::test]
async fn two_thousand_symbols_at_100x_stream_to_one_subscriber_without_loss() {
    bounded(60, async {
        let mut c =
            SimConfig { start: Some(at(KRX_OPEN)), symbols: 2_000, us_symbols: 0, speed: 100, ..SimConfig::default() };
        c.ws.max_registrations = 4_000;
        c.rest.paper_per_sec = 1_000;
        assert_eq!(c.ws.slow_consumer, SlowConsumer::Backpressure);
        let sim = start(c).await;
        let (status, body) = common::post(
            &format!("{}/oauth2/Approval", sim.rest_url()),
            serde_json::json!({"grant_type":"client_credentials","appkey":common::KEY,"secretkey":common::SECRET}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let key = body["approval_key"].as_str().unwrap().to_string();
        let codes: Vec<String> =
            kis_sim::exchange::lock(sim.state()).feeds.iter().map(|f| f.symbol.code().to_string()).collect();
        assert_eq!(codes.len(), 2_000);

        // (session frames, bytes still queued, open sessions) while the subscriber is still connected.
        let mut server = None;
        let count = stream::stream(&sim.ws_url(), &key, &codes, Duration::from_secs(10), true, |_| {
            let ex = kis_sim::exchange::lock(sim.state());
            let s = ex.ws.ids().first().and_then(|&id| ex.ws.session(id)).map(|s| (s.frames, s.queued_bytes()));
            server = Some((s, ex.ws.len()));
        })
        .await;

        let stats = sim.stats();
        assert!(!count.closed_early, "the session ended early: {count:?}");
        assert_eq!(stats.sessions_dropped, 0);
        let Some((Some((session_frames, queued)), open)) = server else { panic!("no session at the end: {count:?}") };
        assert_eq!(open, 1, "the subscriber's session was open at the end");
        assert_eq!((count.malformed, count.refused), (0, 0), "{count:?}");
        assert!(count.elapsed >= Duration::from_secs(10), "{count:?}");
        // Every registration and deregistration answered (2 × 4,000 replies), no PINGPONG in 10 s.
        assert_eq!(count.controls, 8_000);
        // After the last deregistration ack nothing more is queued, so what arrived is what was sent.
        assert_eq!(count.text_frames(), session_frames, "{count:?}");
        assert_eq!(count.frames, stats.frames_sent, "{count:?}");
        assert_eq!(queued, 0, "everything handed over was taken by the connection");
        assert!(count.records >= count.frames, "every frame holds at least one record: {count:?}");
        // A session cut when its queue filled delivered ~13 k frames; even a debug build at 2,000 symbols
        // streams far more than that in 10 s.
        assert!(count.window_frames >= 200_000, "{count:?}");
        sim.stop().await.unwrap();
    })
    .await;
}
