//! The journal file on disk: torn tails, corruption, duplicate fills, ids across reopen.

use std::fs;
use std::io::Write;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use kis_journal::{
    DoneReason, Event, FillId, FillRecord, IntentRecord, IntentState, Journal, JournalError, OrderKind, Origin,
    Recorded, StrategyId, TornTail, read_entries,
};
use kis_model::{ClientOrderId, OrdDvsn, OrderId, Price, Qty, Side};

/// A fresh directory per test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("kis-journal-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn file(&self) -> PathBuf {
        self.0.join("orders.jsonl")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn at(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_772_582_400 + s, 0).unwrap()
}

fn buy(qty: u64) -> IntentRecord {
    IntentRecord {
        symbol: "005930".parse().unwrap(),
        side: Side::Buy,
        kind: OrderKind::Krx(OrdDvsn::Limit),
        qty: Qty::new(qty),
        price: Some(Price::from_won(70000)),
        strategy: StrategyId::new("krx-scalping"),
        origin: Origin::Daemon,
    }
}

fn fill(id: &str, qty: u64) -> Event {
    Event::Fill(FillRecord {
        fill_id: FillId(id.into()),
        qty: Qty::new(qty),
        price: Price::from_won(70000),
        order_no: None,
        at: at(5),
    })
}

fn append_raw(path: &PathBuf, bytes: &[u8]) {
    fs::OpenOptions::new().append(true).open(path).unwrap().write_all(bytes).unwrap();
}

#[test]
fn torn_last_line_is_dropped_and_the_next_append_starts_clean() {
    let dir = TempDir::new("torn");
    let path = dir.file();
    {
        let (mut j, report) = Journal::open(&path).unwrap();
        assert!(report.created);
        let id = j.record_intent(at(0), buy(10)).unwrap();
        j.record_event(at(1), id, Event::Sent).unwrap();
    }
    let intact = fs::metadata(&path).unwrap().len();
    // The crash cut the third line short.
    let torn = br#"{"ts":"2026-03-04T00:00:02Z","id":1,"event":"ack"#;
    append_raw(&path, torn);

    let (mut j, report) = Journal::open(&path).unwrap();
    assert_eq!(report.entries, 2);
    assert_eq!(report.torn, Some(TornTail { line: 3, bytes: torn.len() }));
    assert_eq!(fs::metadata(&path).unwrap().len(), intact, "the torn bytes are cut off");
    assert_eq!(j.book().get(ClientOrderId(1)).unwrap().state, IntentState::Sent);
    let order_id = OrderId::parse("06010", "15").unwrap();
    j.record_event(at(3), ClientOrderId(1), Event::Acked { order_id }).unwrap();
    drop(j);

    let (j, report) = Journal::open(&path).unwrap();
    assert_eq!((report.entries, report.torn), (3, None));
    let view = j.book().get(ClientOrderId(1)).unwrap();
    assert_eq!((view.state, view.order_id), (IntentState::Acked, Some(order_id)));
}

#[test]
fn a_garbage_last_line_with_newline_is_torn_but_garbage_before_it_is_refused() {
    let dir = TempDir::new("corrupt");
    let path = dir.file();
    {
        let (mut j, _) = Journal::open(&path).unwrap();
        j.record_intent(at(0), buy(1)).unwrap();
    }
    // Delayed allocation can leave zeros where the last line should be.
    append_raw(&path, b"\0\0\0\0\n");
    let outcome = read_entries(fs::File::open(&path).unwrap()).unwrap();
    assert_eq!((outcome.entries.len(), outcome.torn), (1, Some(TornTail { line: 2, bytes: 5 })));

    append_raw(&path, b"{\"ts\":\"2026-03-04T00:00:09Z\",\"id\":1,\"event\":\"sent\"}\n");
    let err = Journal::open(&path).unwrap_err();
    match &err {
        JournalError::Corrupt { line, .. } => assert_eq!(*line, 2),
        other => panic!("expected corruption, got {other}"),
    }
    assert!(err.to_string().starts_with("journal line 2 is corrupt"), "{err}");
}

#[test]
fn well_formed_but_inconsistent_lines_are_refused_with_their_line() {
    let dir = TempDir::new("inconsistent");
    let path = dir.file();
    {
        let (mut j, _) = Journal::open(&path).unwrap();
        j.record_intent(at(0), buy(1)).unwrap();
    }
    append_raw(&path, b"{\"ts\":\"2026-03-04T00:00:09Z\",\"id\":9,\"event\":\"sent\"}\n");
    append_raw(&path, b"{\"ts\":\"2026-03-04T00:00:09Z\",\"id\":1,\"event\":\"sent\"}\n");
    let err = Journal::open(&path).unwrap_err();
    assert_eq!(err.to_string(), "journal line 2: event for intent c9, which was never journaled");
}

#[test]
fn duplicate_fill_notices_count_once_on_disk_and_when_read_back() {
    let dir = TempDir::new("dupfill");
    let path = dir.file();
    let (mut j, _) = Journal::open(&path).unwrap();
    let id = j.record_intent(at(0), buy(10)).unwrap();
    j.record_event(at(1), id, Event::Sent).unwrap();
    assert_eq!(j.record_event(at(2), id, fill("n:1:090001:4:70000", 4)).unwrap(), Recorded::Written);
    assert_eq!(j.record_event(at(3), id, fill("n:1:090001:4:70000", 4)).unwrap(), Recorded::Duplicate);
    assert_eq!(j.book().get(id).unwrap().filled, Qty::new(4));
    drop(j);
    assert_eq!(fs::read_to_string(&path).unwrap().lines().count(), 3);

    // A duplicate that did reach the file (an older writer) is still counted once.
    let dup = br#"{"ts":"2026-03-04T00:00:04Z","id":1,"event":"fill","fill_id":"n:1:090001:4:70000","qty":4,"price":"70000","at":"2026-03-04T00:00:05Z"}"#;
    append_raw(&path, dup);
    append_raw(&path, b"\n");
    let (j, report) = Journal::open(&path).unwrap();
    assert_eq!(report.entries, 4);
    let view = j.book().get(id).unwrap();
    assert_eq!((view.filled, view.state), (Qty::new(4), IntentState::PartiallyFilled));
}

#[test]
fn client_order_ids_keep_rising_across_reopen() {
    let dir = TempDir::new("ids");
    let path = dir.file();
    {
        let (mut j, _) = Journal::open(&path).unwrap();
        assert_eq!(j.record_intent(at(0), buy(1)).unwrap(), ClientOrderId(1));
        assert_eq!(j.record_intent(at(1), buy(1)).unwrap(), ClientOrderId(2));
        j.record_event(at(2), ClientOrderId(2), Event::Done { reason: DoneReason::NeverSent }).unwrap();
    }
    {
        let (mut j, _) = Journal::open(&path).unwrap();
        assert_eq!(j.record_intent(at(3), buy(1)).unwrap(), ClientOrderId(3));
    }
    let (mut j, report) = Journal::open(&path).unwrap();
    assert_eq!(report.entries, 4);
    assert_eq!(j.record_intent(at(4), buy(1)).unwrap(), ClientOrderId(4));
    assert_eq!(j.book().len(), 4);
}

#[test]
fn refused_events_write_nothing() {
    let dir = TempDir::new("refused");
    let path = dir.file();
    let (mut j, _) = Journal::open(&path).unwrap();
    j.record_intent(at(0), buy(1)).unwrap();
    let before = fs::read(&path).unwrap();
    let err = j.record_event(at(1), ClientOrderId(5), Event::Sent).unwrap_err();
    assert_eq!(err.to_string(), "refused to journal: event for intent c5, which was never journaled");
    assert_eq!(fs::read(&path).unwrap(), before);
}

#[test]
fn an_empty_or_missing_journal_opens_empty() {
    let outcome = read_entries(&b""[..]).unwrap();
    assert_eq!((outcome.entries.len(), outcome.intact_len, outcome.torn), (0, 0, None));
    let dir = TempDir::new("missing-dir");
    let err = Journal::open(&dir.0.join("no-such-dir/orders.jsonl")).unwrap_err();
    assert!(matches!(err, JournalError::Io { .. }), "{err}");
    assert!(err.to_string().contains("no-such-dir/orders.jsonl"), "{err}");
}
