//! The synthetic market's promises, checked on simulated days.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Timelike, Utc};
use kis_model::tick_size::{InstrumentKind, is_on_tick, tick_up};
use kis_model::{Book, Market, MarketEvent, Side, Symbol, Trade, daily_limits};
use kis_synth::{Direction, MarketConfig, MarketSource, SyntheticMarket, Universe, UniverseConfig};
use rust_decimal::Decimal;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn market(seed: u64, krx: usize, us: usize, tpm: f64, start: &str) -> SyntheticMarket {
    let universe = Universe::generate(UniverseConfig { seed, krx_symbols: krx, us_symbols: us }).unwrap();
    let config = MarketConfig { seed, trades_per_minute: tpm, ..MarketConfig::default() };
    SyntheticMarket::new(universe, config, t(start)).unwrap()
}

fn collect(m: &mut SyntheticMarket, to: &str) -> Vec<MarketEvent> {
    let mut out = Vec::new();
    m.advance_to(t(to), &mut |e| out.push(*e)).unwrap();
    out
}

fn won(p: kis_model::Price) -> u64 {
    u64::try_from(p.value()).unwrap()
}

#[test]
fn same_seed_same_stream_whatever_the_steps_other_seed_other_stream() {
    let start = "2026-03-03T00:00:00Z";
    let end = "2026-03-03T00:40:00Z";
    let a = collect(&mut market(5, 20, 0, 10.0, start), end);
    assert!(a.len() > 10_000, "only {} events", a.len());
    // Same seed, advanced in 7-second slices (plus a few repeated and backward calls): identical stream.
    let mut m = market(5, 20, 0, 10.0, start);
    let mut b = Vec::new();
    let mut at = t(start);
    while at < t(end) {
        at = (at + TimeDelta::seconds(7)).min(t(end));
        m.advance_to(at, &mut |e| b.push(*e)).unwrap();
        m.advance_to(at - TimeDelta::seconds(3), &mut |e| b.push(*e)).unwrap();
    }
    assert_eq!(a, b);
    let c = collect(&mut market(6, 20, 0, 10.0, start), end);
    assert_ne!(a[..100], c[..100]);
    // Events come in time order.
    assert!(a.windows(2).all(|w| w[0].ts() <= w[1].ts()));
}

/// Per-symbol checks while a stream goes by.
#[derive(Default)]
struct Tracker {
    prev_close: HashMap<Symbol, u64>,
    last: HashMap<Symbol, (NaiveDate, u64)>,
    limits: HashMap<Symbol, kis_model::DailyLimits>,
    last_trade: Option<Trade>,
    trades: u64,
    books_after_trades: u64,
    day_opens: u64,
    gapped_opens: u64,
}

impl Tracker {
    fn new(m: &SyntheticMarket) -> Tracker {
        let prev_close = m.universe().specs().iter().map(|s| (s.symbol, won(s.prev_close))).collect();
        Tracker { prev_close, ..Tracker::default() }
    }

    fn on_trade(&mut self, tr: &Trade) {
        let day = tr.ts.date_naive();
        let price = won(tr.price);
        match self.last.get(&tr.symbol) {
            Some(&(d, last)) if d != day => {
                self.prev_close.insert(tr.symbol, last);
                self.limits.remove(&tr.symbol);
            }
            _ => {}
        }
        let prev = self.prev_close[&tr.symbol];
        let limits = *self.limits.entry(tr.symbol).or_insert_with(|| daily_limits(prev, InstrumentKind::Stock));
        if tr.aggressor.is_none() {
            self.day_opens += 1;
            self.gapped_opens += u64::from(price != prev);
        }
        assert!(is_on_tick(price, InstrumentKind::Stock), "{price} off the grid: {tr:?}");
        assert!(limits.contains(price), "{price} outside {limits:?} (prev close {prev}): {tr:?}");
        assert!(tr.qty.shares() > 0);
        match tr.aggressor {
            Some(Side::Buy) => assert_eq!(tr.ask, Some(tr.price), "buy not at the ask: {tr:?}"),
            Some(Side::Sell) => assert_eq!(tr.bid, Some(tr.price), "sell not at the bid: {tr:?}"),
            None => {}
        }
        self.last.insert(tr.symbol, (day, price));
        self.last_trade = Some(*tr);
        self.trades += 1;
    }

    fn on_book(&mut self, b: &Book) {
        let limits = self.limits[&b.symbol];
        if let (Some(bid), Some(ask)) = (b.best_bid(), b.best_ask()) {
            assert!(bid.price < ask.price, "crossed book {b:?}");
        }
        for side in [&b.asks, &b.bids] {
            for (i, level) in side.iter().enumerate() {
                if level.qty.is_zero() {
                    assert!(level.price.is_zero());
                    continue;
                }
                assert!(limits.contains(won(level.price)), "level outside limits {b:?}");
                if let Some(next) = side.get(i + 1).filter(|l| !l.qty.is_zero()) {
                    let (p, q) = (won(level.price), won(next.price));
                    let (lo, hi) = if p < q { (p, q) } else { (q, p) };
                    assert_eq!(tick_up(lo, 1, InstrumentKind::Stock), hi, "levels not one tick apart: {b:?}");
                }
            }
        }
        if let Some(tr) = self.last_trade.take()
            && tr.symbol == b.symbol
            && tr.ts == b.ts
        {
            // The book right after a trade brackets its price.
            assert!(b.best_bid().is_none_or(|l| l.price <= tr.price), "{tr:?} then {b:?}");
            assert!(b.best_ask().is_none_or(|l| l.price >= tr.price), "{tr:?} then {b:?}");
            self.books_after_trades += 1;
        }
    }
}

#[test]
fn three_days_of_trades_stay_on_the_grid_inside_limits_with_sane_books() {
    let mut m = market(11, 15, 0, 3.0, "2026-03-02T12:00:00Z");
    let mut tracker = Tracker::new(&m);
    m.advance_to(t("2026-03-05T23:00:00Z"), &mut |e| match e {
        MarketEvent::Trade(tr) => tracker.on_trade(tr),
        MarketEvent::Book(b) => tracker.on_book(b),
        MarketEvent::Bar(_) => panic!("bars are off by default"),
    })
    .unwrap();
    assert_eq!(tracker.day_opens, 15 * 3, "one opening print per symbol and day (03-03, 03-04, 03-05)");
    assert!(tracker.trades > 40_000, "{} trades", tracker.trades);
    assert_eq!(tracker.books_after_trades, tracker.trades);
    // Gap opens: most days open away from the previous close.
    assert!(tracker.gapped_opens * 10 >= tracker.day_opens * 7, "{}/{}", tracker.gapped_opens, tracker.day_opens);
    // The summary agrees with the tape and the history rolled: 120 days, the last one being 2026-03-05.
    for (symbol, &(day, last)) in &tracker.last {
        let s = m.summary(symbol).unwrap();
        assert_eq!((s.date, won(s.last)), (Some(day), last));
        assert!(!s.in_session);
        let daily = m.daily_bars(symbol).unwrap();
        assert_eq!(daily.len(), 120);
        let newest = daily.last().unwrap();
        assert_eq!((newest.ts, newest.close, newest.volume), (t("2026-03-05T00:00:00Z"), s.last, s.cum_volume));
        assert_eq!(won(daily[daily.len() - 2].close), tracker.prev_close[symbol]);
    }
}

#[test]
fn volume_follows_a_u_shape() {
    let mut m = market(21, 40, 0, 4.0, "2026-03-03T00:00:00Z");
    let mut buckets = [0u64; 13]; // half-hours from 09:00 KST = 00:00 UTC
    m.advance_to(t("2026-03-03T06:30:00Z"), &mut |e| {
        if let MarketEvent::Trade(tr) = e
            && tr.aggressor.is_some()
        {
            let minutes = tr.ts.hour() * 60 + tr.ts.minute();
            buckets[(minutes / 30) as usize] += tr.qty.shares();
        }
    })
    .unwrap();
    let (first, middle, last) = (buckets[0], buckets[6], buckets[12]);
    assert!(first > 2 * middle && last > 2 * middle, "09:00 {first}, 12:00 {middle}, 15:00 {last}");
}

#[test]
fn no_events_on_weekends_or_holidays_and_us_trades_only_in_its_session() {
    // Friday 2026-02-13 after the close; Seollal closes 02-16..18, so KRX is next open on Thursday 02-19.
    let mut m = market(3, 10, 4, 5.0, "2026-02-13T07:00:00Z");
    let mut krx_events = 0;
    let mut us_times = Vec::new();
    m.advance_to(t("2026-02-18T23:59:59Z"), &mut |e| match e.symbol().market() {
        Market::Krx => krx_events += 1,
        Market::Us => us_times.push(e.ts()),
    })
    .unwrap();
    assert_eq!(krx_events, 0);
    assert!(!m.is_open(Market::Krx));
    // NYSE: Friday 02-13 14:30-21:00 UTC, Presidents' Day 02-16 closed, then 02-17 and 02-18.
    let days: std::collections::BTreeSet<NaiveDate> = us_times.iter().map(|t| t.date_naive()).collect();
    let d = |day| NaiveDate::from_ymd_opt(2026, 2, day).unwrap();
    assert_eq!(days.into_iter().collect::<Vec<_>>(), vec![d(13), d(17), d(18)]);
    for ts in &us_times {
        let minutes = ts.hour() * 60 + ts.minute();
        assert!((14 * 60 + 30..21 * 60).contains(&minutes), "US event at {ts}");
    }
    assert_eq!(m.next_event_at(), Some(t("2026-02-19T00:00:00Z")));
    let events = collect(&mut m, "2026-02-19T00:01:00Z");
    assert!(!events.is_empty() && events.iter().all(|e| e.ts() >= t("2026-02-19T00:00:00Z")));
    assert!(m.is_open(Market::Krx));
}

#[test]
fn ranks_match_a_brute_force_sort() {
    let mut m = market(8, 60, 5, 5.0, "2026-03-03T00:00:00Z");
    m.advance_to(t("2026-03-03T02:00:00Z"), &mut |_| {}).unwrap();
    let mut all = m.summaries(Market::Krx);
    assert_eq!(all.len(), 60);

    all.sort_by(|a, b| b.cum_volume.cmp(&a.cum_volume).then(a.symbol.cmp(&b.symbol)));
    let want: Vec<Symbol> = all.iter().take(10).map(|s| s.symbol).collect();
    let got: Vec<Symbol> = m.volume_rank(Market::Krx, 10).iter().map(|s| s.symbol).collect();
    assert_eq!(got, want);

    let rate = |s: &kis_synth::SymbolSummary| (s.last.value() - s.prev_close.value(), s.prev_close.value());
    let cmp = |a: &kis_synth::SymbolSummary, b: &kis_synth::SymbolSummary| {
        let ((ca, pa), (cb, pb)) = (rate(a), rate(b));
        (ca * pb).cmp(&(cb * pa))
    };
    all.sort_by(|a, b| cmp(b, a).then(a.symbol.cmp(&b.symbol)));
    let want: Vec<Symbol> = all.iter().take(7).map(|s| s.symbol).collect();
    let rise = m.fluctuation_rank(Market::Krx, 7, Direction::Rise);
    assert_eq!(rise.iter().map(|s| s.symbol).collect::<Vec<_>>(), want);
    assert!(rise[0].change_rate > Decimal::ZERO, "nothing rose in two hours? {:?}", rise[0]);

    all.sort_by(|a, b| cmp(a, b).then(a.symbol.cmp(&b.symbol)));
    let want: Vec<Symbol> = all.iter().take(7).map(|s| s.symbol).collect();
    let fall = m.fluctuation_rank(Market::Krx, 7, Direction::Fall);
    assert_eq!(fall.iter().map(|s| s.symbol).collect::<Vec<_>>(), want);
    assert!(fall[0].change_rate < Decimal::ZERO);
    assert_eq!(m.volume_rank(Market::Krx, 1_000).len(), 60);
    assert!(m.volume_rank(Market::Us, 3).iter().all(|s| s.symbol.market() == Market::Us));
    assert!(m.volume_rank(Market::Krx, 0).is_empty());
}

#[test]
fn summary_bars_and_book_agree_with_the_tape() {
    let universe = Universe::generate(UniverseConfig { seed: 4, krx_symbols: 10, us_symbols: 2 }).unwrap();
    let config = MarketConfig { seed: 4, trades_per_minute: 8.0, emit_bars: true, ..MarketConfig::default() };
    let mut m = SyntheticMarket::new(universe, config, t("2026-03-03T00:00:00Z")).unwrap();
    let mut volume: HashMap<Symbol, u64> = HashMap::new();
    let mut value: HashMap<Symbol, Decimal> = HashMap::new();
    let mut bars: HashMap<Symbol, Vec<kis_model::Bar>> = HashMap::new();
    let mut last_book: HashMap<Symbol, Book> = HashMap::new();
    let mut by_side: HashMap<Symbol, (u64, u64, u64)> = HashMap::new();
    let end = t("2026-03-03T01:00:30Z");
    m.advance_to(end, &mut |e| match e {
        MarketEvent::Trade(tr) => {
            *volume.entry(tr.symbol).or_default() += tr.qty.shares();
            *value.entry(tr.symbol).or_default() += tr.price * tr.qty;
            assert_eq!(tr.cum_volume, volume[&tr.symbol]);
            let entry = by_side.entry(tr.symbol).or_default();
            match tr.aggressor {
                Some(Side::Buy) => entry.0 += tr.qty.shares(),
                Some(Side::Sell) => entry.1 += tr.qty.shares(),
                None => {}
            }
            entry.2 += 1;
        }
        MarketEvent::Bar(b) => bars.entry(b.symbol).or_default().push(*b),
        MarketEvent::Book(b) => {
            last_book.insert(b.symbol, *b);
        }
    })
    .unwrap();
    for spec in m.universe().specs().iter().filter(|s| s.symbol.market() == Market::Krx) {
        let sym = spec.symbol;
        let s = m.summary(&sym).unwrap();
        assert_eq!(s.cum_volume, volume[&sym]);
        assert_eq!(s.cum_value.amount, value[&sym]);
        assert_eq!((s.buy_volume, s.sell_volume, s.trades), (by_side[&sym].0, by_side[&sym].1, by_side[&sym].2));
        let minute = m.minute_bars(&sym).unwrap();
        // Bars emitted so far are the completed minutes: all but the one still forming at 01:00:30.
        assert_eq!(bars[&sym], minute[..minute.len() - 1]);
        assert_eq!(minute.iter().map(|b| b.volume).sum::<u64>(), s.cum_volume);
        assert_eq!(minute.iter().map(|b| b.high).max(), Some(s.high));
        assert_eq!(minute.iter().map(|b| b.low).min(), Some(s.low));
        assert_eq!(minute[0].open, s.open);
        let mut book = m.book(&sym).unwrap();
        assert_eq!(book.ts, end);
        book.ts = last_book[&sym].ts;
        assert_eq!(book, last_book[&sym]);
        assert_eq!(s.best_bid, book.best_bid().map(|l| l.price));
        assert_eq!(s.limits, Some(daily_limits(won(s.prev_close), InstrumentKind::Stock)));
        assert_eq!(m.today_bar(&sym).map(|b| b.volume), Some(s.cum_volume));
    }
    assert!(m.summaries(Market::Us).iter().all(|s| s.cum_volume == 0 && s.limits.is_none()));
}

#[test]
fn start_inside_a_session_opens_at_the_start() {
    let mut m = market(2, 10, 0, 5.0, "2026-03-03T03:00:00Z");
    assert_eq!(m.next_event_at(), Some(t("2026-03-03T03:00:00Z")));
    let events = collect(&mut m, "2026-03-03T03:00:00Z");
    let opens = events.iter().filter(|e| matches!(e, MarketEvent::Trade(tr) if tr.aggressor.is_none())).count();
    assert_eq!(opens, 10);
    assert!(m.is_open(Market::Krx));
    assert_eq!(m.daily_bars(&m.universe().specs()[0].symbol).unwrap().len(), 120);
}

#[test]
fn us_prices_are_whole_cents() {
    let mut m = market(9, 10, 8, 10.0, "2026-03-03T14:30:00Z");
    let mut n = 0;
    m.advance_to(t("2026-03-03T15:00:00Z"), &mut |e| {
        if let MarketEvent::Trade(tr) = e
            && tr.symbol.market() == Market::Us
        {
            n += 1;
            assert!(tr.price.value().scale() <= 2 && tr.price.value() >= Decimal::ONE, "{tr:?}");
        }
    })
    .unwrap();
    assert!(n > 1_000, "{n} US trades");
}

#[test]
fn calendar_end_is_an_error_not_a_guess() {
    let mut m = market(1, 10, 0, 1.0, "2027-12-30T00:00:00Z");
    let mut last = None;
    let err = m.advance_to(t("2028-01-10T00:00:00Z"), &mut |e| last = Some(e.ts())).unwrap_err();
    assert!(err.to_string().contains("2024..=2027"), "{err}");
    assert!(last.is_some_and(|ts| ts < t("2027-12-31T00:00:00Z")));
}
