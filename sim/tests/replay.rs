//! Replay mode over loopback: a recording written with kis-synth's `RecordingWriter` comes out of the
//! WebSocket as H0STCNT0 records carrying exactly the recorded prints, in order, and REST quotes follow it.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use awc::ws::{Frame, Message};
use chrono::{DateTime, TimeDelta, Utc};
use common::*;
use futures_util::{SinkExt, StreamExt};
use kis_model::tick_size::{floor_to_tick, tick_up, to_won};
use kis_model::{Book, InstrumentKind, Level, Price, Qty, Side, Symbol, Trade};
use kis_protocol::ws::{H0stcnt0, SubscribeRequest, WsMessage, WsTrId, decode_message};
use kis_sim::SimConfig;
use kis_synth::{RecordingWriter, Universe, UniverseConfig};
use serde_json::json;

/// One recorded print, as the test expects to see it again.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Print {
    code: String,
    price: i64,
    qty: i64,
    cum: i64,
}

fn temp_file(tag: &str) -> (PathBuf, PathBuf) {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("kis-sim-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    (dir.join("day.rec"), dir)
}

/// A one-level-deep book (the rest empty, as KIS sends levels it does not have).
fn book(symbol: Symbol, ts: DateTime<Utc>, bid: u64, ask: u64, qty: u64) -> Book {
    let empty = Level { price: Price::ZERO, qty: Qty::new(0) };
    let mut asks = [empty; 10];
    let mut bids = [empty; 10];
    asks[0] = Level { price: Price::from_won(ask), qty: Qty::new(qty) };
    bids[0] = Level { price: Price::from_won(bid), qty: Qty::new(qty) };
    Book { symbol, ts, asks, bids, depth: 10 }
}

/// Writes trades and books of two listed symbols and trades of one real listing the synthetic universe does
/// not have, from `start + 3 s`; returns the prints in tape order and each symbol's last price.
fn write_recording(path: &Path, config: &SimConfig) -> (Vec<Print>, [(Symbol, i64); 3]) {
    let universe = Universe::generate(UniverseConfig {
        seed: config.seed,
        krx_symbols: config.symbols,
        us_symbols: config.us_symbols,
    })
    .unwrap();
    let mut krx = universe.specs().iter().filter(|s| matches!(s.symbol, Symbol::Krx(_)));
    let (a, b) = (krx.next().unwrap(), krx.nth(1).unwrap());
    let base = |p: Price| floor_to_tick(to_won(p).unwrap(), InstrumentKind::Stock);
    let (pa, pb) = (base(a.prev_close), base(b.prev_close));
    let real = ["005930", "000660", "035420"]
        .into_iter()
        .map(|c| Symbol::krx(c).unwrap())
        .find(|s| universe.get(s).is_none())
        .unwrap();
    let up = |p: u64, n: u32| tick_up(p, n, InstrumentKind::Stock);
    let t0 = config.start.unwrap() + TimeDelta::milliseconds(3_000);
    let at = |ms: i64| t0 + TimeDelta::milliseconds(ms);
    // (ms after t0, symbol, price, qty, aggressor)
    let plan: [(i64, Symbol, u64, u64, Side); 8] = [
        (100, a.symbol, up(pa, 1), 5, Side::Buy),
        (200, a.symbol, pa, 3, Side::Sell),
        (400, b.symbol, up(pb, 2), 10, Side::Buy),
        (500, a.symbol, up(pa, 2), 1, Side::Buy),
        (600, b.symbol, up(pb, 1), 2, Side::Sell),
        (700, b.symbol, up(pb, 1), 4, Side::Sell),
        (800, real, 70_100, 7, Side::Buy),
        (900, real, 70_000, 2, Side::Sell),
    ];
    let mut w = RecordingWriter::new(std::io::BufWriter::new(std::fs::File::create(path).unwrap())).unwrap();
    w.write_book(&book(a.symbol, at(0), pa, up(pa, 1), 500)).unwrap();
    let mut prints = Vec::new();
    let mut cum = std::collections::HashMap::new();
    for (ms, symbol, price, qty, side) in plan {
        // Records go in time order (the replay refuses a record older than the one before it).
        if ms == 400 {
            w.write_book(&book(b.symbol, at(300), pb, up(pb, 1), 700)).unwrap();
        }
        let c = cum.entry(symbol).or_insert(0u64);
        *c += qty;
        let trade = Trade {
            symbol,
            ts: at(ms),
            price: Price::from_won(price),
            qty: Qty::new(qty),
            aggressor: Some(side),
            bid: None,
            ask: None,
            cum_volume: *c,
        };
        w.write_trade(&trade).unwrap();
        prints.push(Print {
            code: symbol.code().to_string(),
            price: i64::try_from(price).unwrap(),
            qty: i64::try_from(qty).unwrap(),
            cum: i64::try_from(*c).unwrap(),
        });
    }
    w.flush().unwrap();
    let last = |s: Symbol| prints.iter().rev().find(|p| p.code == s.code()).unwrap().price;
    (prints.clone(), [(a.symbol, last(a.symbol)), (b.symbol, last(b.symbol)), (real, last(real))])
}

#[actix_rt::test]
async fn replayed_prints_reach_the_websocket_exactly_and_in_order() {
    bounded(30, async {
        let (path, dir) = temp_file("replay");
        let mut c = config(KRX_OPEN);
        c.replay_file = Some(path.clone());
        let (expected, lasts) = write_recording(&path, &c);
        let sim = start(c).await;
        let (_, ap) = post(
            &format!("{}/oauth2/Approval", sim.rest_url()),
            json!({"grant_type":"client_credentials","appkey":KEY,"secretkey":SECRET}),
        )
        .await;
        let key = ap["approval_key"].as_str().unwrap().to_string();
        let (_, mut conn) = client().ws(format!("{}/tryitout", sim.ws_url())).connect().await.unwrap();
        for (symbol, _) in &lasts {
            let sub = SubscribeRequest::register(&key, WsTrId::H0stcnt0, symbol.code()).to_json();
            conn.send(Message::Text(sub.into())).await.unwrap();
        }
        let mut seen = Vec::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        while seen.len() < expected.len() && std::time::Instant::now() < deadline {
            let frame = actix_rt::time::timeout(Duration::from_secs(8), conn.next()).await;
            let bytes = match frame {
                Ok(Some(Ok(Frame::Text(b)))) => b,
                Ok(Some(Ok(Frame::Ping(p)))) => {
                    conn.send(Message::Pong(p)).await.unwrap();
                    continue;
                }
                Ok(Some(Ok(_))) => continue,
                other => panic!("stream ended after {} prints: {other:?}", seen.len()),
            };
            let text = std::str::from_utf8(&bytes).unwrap();
            if let WsMessage::Data(f) = decode_message(text).unwrap() {
                assert_eq!(f.tr_id(), "H0STCNT0");
                for r in H0stcnt0::records(&f).unwrap() {
                    let r = r.unwrap();
                    seen.push(Print {
                        code: r.code().to_string(),
                        price: r.price().unwrap(),
                        qty: r.volume().unwrap(),
                        cum: r.cum_volume().unwrap(),
                    });
                }
            }
        }
        assert_eq!(seen, expected);
        // Nothing more: the tape is exhausted.
        let extra = actix_rt::time::timeout(Duration::from_millis(500), async {
            loop {
                match conn.next().await {
                    Some(Ok(Frame::Text(b))) if b.starts_with(b"0|") => return Some(b),
                    None => return None,
                    _ => {}
                }
            }
        })
        .await;
        assert!(matches!(extra, Err(_) | Ok(None)), "an extra data frame: {extra:?}");
        // REST quotes reflect the last replayed print of each symbol.
        let tok = token(&sim, KEY, SECRET).await;
        for (symbol, last) in lasts {
            let q = [("FID_COND_MRKT_DIV_CODE", "J"), ("FID_INPUT_ISCD", symbol.code())];
            let (s, _, p) =
                uapi(&sim, &tok, "GET", "/uapi/domestic-stock/v1/quotations/inquire-price", "FHKST01010100", &q, "")
                    .await;
            assert_eq!(s, 200, "{p}");
            assert_eq!(p["output"]["stck_prpr"], last.to_string(), "{p}");
            let vol: i64 = expected.iter().filter(|e| e.code == symbol.code()).map(|e| e.qty).sum();
            assert_eq!(p["output"]["acml_vol"], vol.to_string(), "{p}");
        }
        let stats = sim.stats();
        assert_eq!((stats.trades, stats.books), (8, 2));
        sim.stop().await.unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    })
    .await;
}

#[actix_rt::test]
async fn a_missing_replay_file_stops_the_start_and_names_it() {
    bounded(10, async {
        let (path, dir) = temp_file("replay-missing");
        let mut c = config(KRX_OPEN);
        c.replay_file = Some(path.clone());
        let err = kis_sim::Simulator::start(c).await.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.starts_with("replay file") && err.contains(&path.display().to_string()), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    })
    .await;
}
