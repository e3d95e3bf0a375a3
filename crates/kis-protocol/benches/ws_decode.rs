//! Feed decoding throughput. Goal: ≥ 5 M H0STCNT0 records/s on one core with no allocation on the hot path.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kis_protocol::ws::{Frame, FrameEncoder, H0stasp0, H0stcni0, H0stcnt0, NoticeKey, Records, WsError};

const H0STCNT0: &str = "0|H0STCNT0|001|005930^115214^250500^5^-19500^-7.22^257548.62^266000^266500^248500^250500^250000^2^11701513^3013709268750^113664^103131^-10533^60.51^7129195^4313943^1^0.37^73.08^090025^5^-15500^090025^5^-16000^114825^2^2000^20260724^20^N^8930^67892^101158^466092^0.20^8331745^140.44^0^^266000";
const H0STASP0: &str = "0|H0STASP0|001|005930^145856^0^358500^359000^359500^360000^360500^361000^361500^362000^362500^363000^358000^357500^357000^356500^356000^355500^355000^354500^354000^353500^53949^91247^124706^311138^36136^50040^21635^48345^14697^44313^40154^39078^38644^26290^25867^9410^17975^5281^14389^10406^796206^227494^0^0^0^0^529267^-346500^5^-100.00^25970877^-979^95^0^0^0^358250^4^1";
const NOTICE: &str = "HTS ID^1234567801^0000002891^^02^0^00^0^136480^0000000001^000003190^094941^0^2^2^06010^000000001^김한투^^1^N^^10^^하림^000003190";
const KEY: &str = "abcdefghijklmnopabcdefghijklmnop";
const IV: &str = "0123456789abcdef";

/// What a feed consumer reads from each trade.
fn read_tick(tick: &H0stcnt0<'_>) -> i64 {
    let code = tick.code();
    let hour = tick.hour().map_or(0, |t| i64::from(chrono::Timelike::num_seconds_from_midnight(&t)));
    let price = tick.price().unwrap_or(0);
    let volume = tick.volume().unwrap_or(0);
    let sign = tick.sign().map_or(0, |s| i64::from(s.is_up()));
    code.len() as i64 + hour + price + volume + sign
}

fn decode_h0stcnt0(text: &str) -> Result<i64, WsError> {
    let frame = Frame::parse(text)?;
    let mut sum = 0;
    for record in frame.records()? {
        sum += read_tick(&H0stcnt0::new(record?)?);
    }
    Ok(sum)
}

fn bench(c: &mut Criterion) {
    let payload = H0STCNT0.splitn(4, '|').nth(3).unwrap_or_default();
    let four = format!("0|H0STCNT0|004|{payload}^{payload}^{payload}^{payload}");

    let mut group = c.benchmark_group("ws_decode");
    group.throughput(Throughput::Elements(1));
    group.bench_function("h0stcnt0_single", |b| b.iter(|| decode_h0stcnt0(black_box(H0STCNT0))));
    group.throughput(Throughput::Elements(4));
    group.bench_function("h0stcnt0_nnn4", |b| b.iter(|| decode_h0stcnt0(black_box(&four))));

    group.throughput(Throughput::Elements(1));
    group.bench_function("h0stasp0_62_fields_10_levels", |b| {
        b.iter(|| -> Result<i64, WsError> {
            let frame = Frame::parse(black_box(H0STASP0))?;
            let mut sum = 0;
            for record in frame.records()? {
                let book = H0stasp0::new(record?)?;
                let levels = book.levels()?;
                sum += levels.iter().map(|l| l.ask + l.bid + l.ask_qty + l.bid_qty).sum::<i64>();
            }
            Ok(sum)
        })
    });

    let key = NoticeKey::new(KEY, IV).unwrap_or_else(|_| unreachable!());
    let encrypted = format!("1|H0STCNI0|001|{}", key.encrypt(NOTICE));
    group.bench_function("h0stcni0_decrypt_and_parse", |b| {
        b.iter(|| -> Result<i64, WsError> {
            let frame = Frame::parse(black_box(&encrypted))?;
            let plain = frame.plaintext(&key)?;
            let mut sum = 0;
            for record in Records::new(frame.tr_id(), frame.count(), &plain)? {
                let notice = H0stcni0::new(record?)?;
                sum += notice.qty()? + notice.price()? + i64::from(notice.is_fill());
            }
            Ok(sum)
        })
    });

    // The simulator's fast path: re-encoding four typed ticks into a reused buffer.
    let owned: Vec<_> = Frame::parse(&four)
        .and_then(|f| f.records())
        .map(|records| {
            records.filter_map(|r| r.ok().and_then(|r| H0stcnt0::new(r).ok())?.to_owned_record().ok()).collect()
        })
        .unwrap_or_default();
    let mut encoder = FrameEncoder::new();
    group.throughput(Throughput::Elements(4));
    group.bench_function("h0stcnt0_encode_nnn4", |b| b.iter(|| encoder.typed(black_box(&owned)).map(str::len)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
