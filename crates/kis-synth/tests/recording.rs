//! The recording format: round trip, replay through `MarketSource`, and errors that name the line.

use chrono::{DateTime, TimeDelta, Utc};
use kis_model::{MarketEvent, Price};
use kis_synth::recording::{HEADER, parse_line};
use kis_synth::{
    LineError, MarketConfig, MarketSource, RecordingError, RecordingReader, RecordingWriter, ReplaySource,
    SyntheticMarket, Universe, UniverseConfig,
};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Ten KRX and three US symbols with bars on; 10 minutes of the KRX open and 10 of the NYSE open.
fn synthetic_events() -> Vec<MarketEvent> {
    let universe = Universe::generate(UniverseConfig { seed: 12, krx_symbols: 10, us_symbols: 3 }).unwrap();
    let config = MarketConfig { seed: 12, trades_per_minute: 6.0, emit_bars: true, ..MarketConfig::default() };
    let mut m = SyntheticMarket::new(universe, config, t("2026-03-03T00:00:00Z")).unwrap();
    let mut events = Vec::new();
    m.advance_to(t("2026-03-03T00:10:00Z"), &mut |e| events.push(*e)).unwrap();
    m.advance_to(t("2026-03-03T14:30:00Z"), &mut |_| {}).unwrap();
    m.advance_to(t("2026-03-03T14:40:00Z"), &mut |e| events.push(*e)).unwrap();
    events
}

fn write_all(events: &[MarketEvent]) -> Vec<u8> {
    let mut w = RecordingWriter::new(Vec::new()).unwrap();
    for e in events {
        w.write(e).unwrap();
    }
    w.flush().unwrap();
    w.into_inner()
}

#[test]
fn write_then_read_gives_the_same_events() {
    let events = synthetic_events();
    assert!(events.iter().any(|e| matches!(e, MarketEvent::Bar(_))));
    assert!(events.iter().any(|e| e.symbol().market() == kis_model::Market::Us));
    let bytes = write_all(&events);
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.starts_with("#kis-recording v1\nT,2026-03-03T00:00:00.000000000Z,"), "{}", &text[..80]);
    let read: Vec<MarketEvent> = RecordingReader::new(&bytes[..]).map(|r| r.unwrap().event).collect();
    assert_eq!(read, events);
}

#[test]
fn replay_delivers_the_recording_in_time_order_through_advance_to() {
    let events = synthetic_events();
    let bytes = write_all(&events);
    let mut replay = ReplaySource::new(&bytes[..], t("2026-03-02T23:59:00Z"));
    assert_eq!(replay.next_event_at(), Some(t("2026-03-03T00:00:00Z")));
    let mut got = Vec::new();
    let mut at = t("2026-03-02T23:59:00Z");
    while at < t("2026-03-03T15:00:00Z") {
        at += TimeDelta::seconds(13);
        replay.advance_to(at, &mut |e| got.push(*e)).unwrap();
        assert_eq!(replay.now(), at);
        assert!(replay.next_event_at().is_none_or(|next| next > at));
    }
    assert_eq!(got, events);
    assert_eq!(replay.next_event_at(), None);
}

#[test]
fn written_lines_have_the_documented_shape() {
    let mut w = RecordingWriter::new(Vec::new()).unwrap();
    let line = "T,2026-03-03T00:00:01.000000500Z,005930,70100,3,B,70000,70100,12";
    let (event, at) = parse_line(line).unwrap();
    assert_eq!(at, t("2026-03-03T00:00:01.000000500Z"));
    w.write(&event).unwrap();
    let us = "T,2026-03-03T14:30:00.000000000Z,NASDAQ:AAPL,190.5,100,,,,0";
    let (event, _) = parse_line(us).unwrap();
    let MarketEvent::Trade(trade) = event else { panic!("not a trade") };
    assert_eq!((trade.price, trade.aggressor, trade.bid), ("190.50".parse::<Price>().unwrap(), None, None));
    w.write(&event).unwrap();
    let bar = "M,2026-03-03T00:00:00.000000000Z,005930,60,70000,70500,69900,70100,1234";
    let (event, available) = parse_line(bar).unwrap();
    assert_eq!(available, t("2026-03-03T00:01:00Z"));
    w.write(&event).unwrap();
    let text = String::from_utf8(w.into_inner()).unwrap();
    assert_eq!(text, format!("{HEADER}\n{line}\n{us}\n{bar}\n"));
}

fn errors_of(text: &str) -> Vec<String> {
    RecordingReader::new(text.as_bytes()).filter_map(|r| r.err()).map(|e| e.to_string()).collect()
}

#[test]
fn reader_errors_name_the_line_and_the_problem() {
    let text = format!(
        "{HEADER}\n\
         # a comment, then a blank line\n\
         \n\
         T,2026-03-03T00:00:01Z,005930,70100,3,B,70000,70100,12\n\
         X,2026-03-03T00:00:01Z,005930\n\
         T,2026-03-03T00:00:01Z,005930,70100,3,B,70000\n\
         T,yesterday,005930,70100,3,B,70000,70100,12\n\
         T,2026-03-03T00:00:01Z,ABCDEF,70100,3,B,70000,70100,12\n\
         T,2026-03-03T00:00:01Z,005930,-1,3,B,70000,70100,12\n\
         T,2026-03-03T00:00:01Z,005930,70100,1.5,B,70000,70100,12\n\
         T,2026-03-03T00:00:01Z,005930,70100,3,Q,70000,70100,12\n\
         M,2026-03-03T00:00:00Z,005930,60,70000,69000,69900,70100,1\n\
         M,2026-03-03T00:00:00Z,005930,0,70000,70500,69900,70100,1\n\
         B,2026-03-03T00:00:01Z,005930,11{}\n\
         T,2026-03-03T00:00:02Z,005930,70100,3,S,70000,70100,15\n",
        ",1,1".repeat(20)
    );
    let errors = errors_of(&text);
    assert_eq!(
        errors,
        [
            "line 5: unknown record kind \"X\": expected T (trade), B (book) or M (bar)",
            "line 6: T record has 7 fields, expected 9",
            "line 7: bad timestamp \"yesterday\": expected RFC 3339, e.g. 2026-03-03T00:00:01.123456789Z",
            "line 8: bad symbol: invalid KRX code \"ABCDEF\": expected 6 digits/letters (e.g. 005930, A005930, 5930) or an ETN code Q + 6",
            "line 9: bad price: invalid price \"-1\": expected a non-negative decimal",
            "line 10: bad qty \"1.5\": expected a whole number",
            "line 11: bad aggressor \"Q\": expected B, S or empty",
            "line 12: bar prices are inconsistent: low 69900, high 69000, open 70000, close 70100",
            "line 13: bar period 0 s: expected 1 s or more",
            "line 14: book depth 11 is outside 0..=10",
        ]
    );
    // Good lines around the bad ones are still read.
    let good: Vec<u64> = RecordingReader::new(text.as_bytes()).filter_map(|r| r.ok()).map(|r| r.line).collect();
    assert_eq!(good, [4, 15]);
}

#[test]
fn header_problems_stop_the_reader() {
    assert_eq!(
        errors_of("T,2026-03-03T00:00:01Z,005930,1,1,,,,0\nT,x\n"),
        [
            "line 1: missing header: the first line must be \"#kis-recording v1\", found \"T,2026-03-03T00:00:01Z,005930,1,1,,,,0\""
        ]
    );
    assert_eq!(
        errors_of("#kis-recording v9\n"),
        ["line 1: unsupported recording version \"v9\": this reader knows \"#kis-recording v1\""]
    );
    let bytes = b"#kis-recording v1\nT,\xff\n";
    let errs: Vec<String> = RecordingReader::new(&bytes[..]).filter_map(|r| r.err()).map(|e| e.to_string()).collect();
    assert_eq!(errs, ["line 2: line is not valid UTF-8"]);
    assert!(errors_of("").is_empty(), "an empty input is an empty recording");
}

#[test]
fn replay_refuses_events_out_of_time_order_and_goes_on() {
    let text = format!(
        "{HEADER}\n\
         T,2026-03-03T00:00:02Z,005930,70100,3,B,70000,70100,3\n\
         T,2026-03-03T00:00:01Z,005930,70100,1,B,70000,70100,4\n\
         T,2026-03-03T00:00:03Z,005930,70000,2,S,70000,70100,6\n"
    );
    let mut replay = ReplaySource::new(text.as_bytes(), t("2026-03-03T00:00:00Z"));
    let mut n = 0;
    let err = replay.advance_to(t("2026-03-03T00:00:10Z"), &mut |_| n += 1).unwrap_err();
    assert_eq!(n, 1);
    assert_eq!(err.line(), 3);
    assert!(matches!(err, RecordingError::Line { problem: LineError::OutOfOrder { .. }, .. }));
    assert!(err.to_string().starts_with("line 3: event available at 2026-03-03 00:00:01 UTC comes after"), "{err}");
    replay.advance_to(t("2026-03-03T00:00:10Z"), &mut |_| n += 1).unwrap();
    assert_eq!(n, 2);
}

/// A reader that fails after its first line.
struct Failing(bool);

impl std::io::Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.0 {
            return Err(std::io::Error::other("disk gone"));
        }
        self.0 = true;
        let h = format!("{HEADER}\n");
        buf[..h.len()].copy_from_slice(h.as_bytes());
        Ok(h.len())
    }
}

#[test]
fn read_failures_are_reported_with_the_line() {
    let errs = errors_of_reader(std::io::BufReader::new(Failing(false)));
    assert_eq!(errs, ["line 2: read failed: disk gone"]);
}

fn errors_of_reader(r: impl std::io::BufRead) -> Vec<String> {
    RecordingReader::new(r).filter_map(|r| r.err()).map(|e| e.to_string()).collect()
}

proptest::proptest! {
    #[test]
    fn reader_never_panics_on_arbitrary_text(body in "\\PC{0,400}", lines in proptest::collection::vec("[TBM#,0-9:.ZT-]{0,120}", 0..20)) {
        for text in [body.clone(), format!("{HEADER}\n{body}"), format!("{HEADER}\n{}", lines.join("\n"))] {
            for record in RecordingReader::new(text.as_bytes()) {
                if let Err(e) = record {
                    proptest::prop_assert!(e.to_string().starts_with("line "));
                }
            }
            let mut replay = ReplaySource::new(text.as_bytes(), DateTime::UNIX_EPOCH);
            for _ in 0..25 {
                let _ = replay.advance_to(DateTime::<Utc>::MAX_UTC, &mut |_| {});
            }
        }
    }

    #[test]
    fn reader_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
        let mut input = HEADER.as_bytes().to_vec();
        input.push(b'\n');
        input.extend_from_slice(&bytes);
        for record in RecordingReader::new(&input[..]) {
            let _ = record;
        }
    }
}
