//! The synthetic market: every symbol of a universe trading in virtual time on its venue's real calendar.
//!
//! Events are scheduled in one priority queue keyed by (time, tag), so the stream is in time order across
//! symbols and does not depend on how the caller slices time: advancing by one day or by a million small steps
//! yields the same events. Each symbol draws from its own random stream.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use chrono::{DateTime, Utc};
use kis_calendar::{CalendarError, KrxCalendar, NyseCalendar, Session};
use kis_model::{Bar, Book, Market, MarketEvent, Symbol};
use thiserror::Error;

use crate::config::{ConfigError, MarketConfig};
use crate::history::{NANOS_PER_MINUTE, past_daily_bars};
use crate::ranks::{self, Direction};
use crate::rng::Rng;
use crate::source::MarketSource;
use crate::summary::SymbolSummary;
use crate::symbol_state::{SymbolState, symbol_stream};
use crate::universe::Universe;
use crate::venue::VenueCalendar;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum MarketError {
    #[error("market configuration: {0}")]
    Config(#[from] ConfigError),
    #[error("market calendar: {0}")]
    Calendar(#[from] CalendarError),
    #[error("time {0} cannot be simulated (nanosecond timestamps cover 1677 to 2262)")]
    TimeOutOfRange(DateTime<Utc>),
}

/// Heap tags at or above this are venue events; below, symbol indices. Symbols sort first at equal times, so a
/// minute boundary sees every trade stamped before it.
const VENUE_TAG: u32 = u32::MAX - 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VenueEvent {
    Open = 0,
    Close = 1,
    Minute = 2,
}

fn venue_tag(venue: usize, event: VenueEvent) -> u32 {
    VENUE_TAG + (venue as u32) * 4 + event as u32
}

#[derive(Debug, Clone)]
struct Venue {
    calendar: VenueCalendar,
    members: Vec<u32>,
    /// The session in progress, or the next one (its open is in the heap).
    session: Option<Session>,
    open_ns: i64,
    close_ns: i64,
    is_open: bool,
}

/// A deterministic market of synthetic trades and books. See the crate documentation.
#[derive(Debug, Clone)]
pub struct SyntheticMarket {
    config: MarketConfig,
    universe: Universe,
    symbols: Vec<SymbolState>,
    index: HashMap<Symbol, usize>,
    venues: Vec<Venue>,
    heap: BinaryHeap<Reverse<(i64, u32)>>,
    now_ns: i64,
}

fn nanos(ts: DateTime<Utc>) -> Result<i64, MarketError> {
    ts.timestamp_nanos_opt().ok_or(MarketError::TimeOutOfRange(ts))
}

fn instant(ns: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_nanos(ns)
}

impl SyntheticMarket {
    /// A market on the shipped KRX and NYSE calendars whose virtual time starts at `start`. If `start` falls
    /// inside a session, that session opens at `start`; otherwise the first event is the next open.
    pub fn new(universe: Universe, config: MarketConfig, start: DateTime<Utc>) -> Result<Self, MarketError> {
        Self::with_calendars(universe, config, start, KrxCalendar::shipped()?, NyseCalendar::shipped()?)
    }

    pub fn with_calendars(
        universe: Universe,
        config: MarketConfig,
        start: DateTime<Utc>,
        krx: KrxCalendar,
        nyse: NyseCalendar,
    ) -> Result<Self, MarketError> {
        config.validate()?;
        let start_ns = nanos(start)?;
        let mut venues = Vec::new();
        let mut symbols = Vec::with_capacity(universe.len());
        let mut heap = BinaryHeap::new();
        for (venue_index, (calendar, market)) in
            [(VenueCalendar::Krx(krx), Market::Krx), (VenueCalendar::Nyse(nyse), Market::Us)].into_iter().enumerate()
        {
            let specs: Vec<_> = universe.specs().iter().filter(|s| s.symbol.market() == market).collect();
            let session = calendar.current_or_next(start)?;
            let open_at = nanos(session.open_utc())?.max(start_ns);
            let opens = calendar.opens_before(session.date, config.history_days);
            let mut members = Vec::with_capacity(specs.len());
            for spec in specs {
                let mut rng = Rng::for_stream(config.seed ^ 0x6869_7374, symbol_stream(&spec.symbol));
                let grid = spec.grid();
                let prev = grid.from_price(spec.prev_close).unwrap_or(1);
                let daily_volume = config.trades_per_minute * spec.liquidity * 390.0 * (2_000_000.0 / prev as f64);
                let history = past_daily_bars(&mut rng, grid, prev, spec.volatility, daily_volume, &opens);
                members.push(symbols.len() as u32);
                symbols.push(SymbolState::new(spec, venue_index, &config, history));
            }
            if !members.is_empty() {
                heap.push(Reverse((open_at, venue_tag(venues.len(), VenueEvent::Open))));
            }
            venues.push(Venue { calendar, members, session: Some(session), open_ns: 0, close_ns: 0, is_open: false });
        }
        let index = symbols.iter().enumerate().map(|(i, s)| (s.symbol, i)).collect();
        Ok(SyntheticMarket { config, universe, symbols, index, venues, heap, now_ns: start_ns })
    }

    pub fn config(&self) -> &MarketConfig {
        &self.config
    }

    pub fn universe(&self) -> &Universe {
        &self.universe
    }

    /// Whether `market`'s session is open at the current virtual time.
    pub fn is_open(&self, market: Market) -> bool {
        self.venue_of(market).is_some_and(|v| v.is_open)
    }

    /// The session in progress on `market`, or the next one.
    pub fn session(&self, market: Market) -> Option<Session> {
        self.venue_of(market).and_then(|v| v.session)
    }

    fn venue_of(&self, market: Market) -> Option<&Venue> {
        self.venues.get(match market {
            Market::Krx => 0,
            Market::Us => 1,
        })
    }

    pub fn summary(&self, symbol: &Symbol) -> Option<SymbolSummary> {
        self.index.get(symbol).map(|&i| SymbolSummary::of(&self.symbols[i]))
    }

    /// Summaries of every symbol of `market`, in universe order.
    pub fn summaries(&self, market: Market) -> Vec<SymbolSummary> {
        self.symbols.iter().filter(|s| s.symbol.market() == market).map(SymbolSummary::of).collect()
    }

    /// The current book, stamped with the current virtual time.
    pub fn book(&self, symbol: &Symbol) -> Option<Book> {
        let s = &self.symbols[*self.index.get(symbol)?];
        Some(s.book.snapshot(s.symbol, instant(self.now_ns), s.grid))
    }

    /// Today's 1-minute bars, oldest first; the last one is still forming while the session runs.
    pub fn minute_bars(&self, symbol: &Symbol) -> Option<Vec<Bar>> {
        let s = &self.symbols[*self.index.get(symbol)?];
        Some(s.minute_bars.iter().map(|b| b.to_bar(s.symbol, s.grid)).collect())
    }

    /// Completed daily bars, oldest first (`ts` = the session open). Today's bar joins when the session closes.
    pub fn daily_bars(&self, symbol: &Symbol) -> Option<Vec<Bar>> {
        let s = &self.symbols[*self.index.get(symbol)?];
        Some(s.history.iter().map(|b| b.to_bar(s.symbol, s.grid)).collect())
    }

    /// Today's daily bar so far (`None` before the day's first trade): the last row of a daily chart.
    pub fn today_bar(&self, symbol: &Symbol) -> Option<Bar> {
        let s = &self.symbols[*self.index.get(symbol)?];
        s.today().map(|b| b.to_bar(s.symbol, s.grid))
    }

    /// Top `n` of `market` by cumulative volume today.
    pub fn volume_rank(&self, market: Market, n: usize) -> Vec<SymbolSummary> {
        let mut c = self.candidates(market);
        ranks::by_volume(&self.symbols, &mut c, n);
        c.into_iter().map(|i| SymbolSummary::of(&self.symbols[i])).collect()
    }

    /// Top `n` of `market` by change against the previous close.
    pub fn fluctuation_rank(&self, market: Market, n: usize, direction: Direction) -> Vec<SymbolSummary> {
        let mut c = self.candidates(market);
        ranks::by_change(&self.symbols, &mut c, n, direction);
        c.into_iter().map(|i| SymbolSummary::of(&self.symbols[i])).collect()
    }

    fn candidates(&self, market: Market) -> Vec<usize> {
        (0..self.symbols.len()).filter(|&i| self.symbols[i].symbol.market() == market).collect()
    }

    fn dispatch(&mut self, t: i64, tag: u32, sink: &mut impl FnMut(&MarketEvent)) -> Result<(), MarketError> {
        if tag < VENUE_TAG {
            let Some(s) = self.symbols.get_mut(tag as usize) else { return Ok(()) };
            let Some(v) = self.venues.get(s.venue) else { return Ok(()) };
            if s.in_session && t < v.close_ns {
                let next = s.step(t, v.open_ns, v.close_ns, &self.config, sink);
                if next < v.close_ns {
                    self.heap.push(Reverse((next, tag)));
                }
            }
            return Ok(());
        }
        let vi = ((tag - VENUE_TAG) / 4) as usize;
        let Some(v) = self.venues.get_mut(vi) else { return Ok(()) };
        match (tag - VENUE_TAG) % 4 {
            0 => {
                let Some(session) = v.session else { return Ok(()) };
                v.open_ns = nanos(session.open_utc())?;
                v.close_ns = nanos(session.close_utc())?;
                v.is_open = true;
                for &m in &v.members {
                    let s = &mut self.symbols[m as usize];
                    s.open_day(t, session.date, v.open_ns, &self.config, sink);
                    let next = s.next_due(t, v.open_ns, v.close_ns, &self.config);
                    if next < v.close_ns {
                        self.heap.push(Reverse((next, m)));
                    }
                }
                self.heap.push(Reverse((v.close_ns, venue_tag(vi, VenueEvent::Close))));
                let boundary = t - t.rem_euclid(NANOS_PER_MINUTE) + NANOS_PER_MINUTE;
                if self.config.emit_bars && boundary < v.close_ns {
                    self.heap.push(Reverse((boundary, venue_tag(vi, VenueEvent::Minute))));
                }
            }
            1 => {
                v.is_open = false;
                for &m in &v.members {
                    let s = &mut self.symbols[m as usize];
                    if self.config.emit_bars {
                        s.emit_bars(None, sink);
                    }
                    s.close_day(self.config.history_days);
                }
                v.session = None;
                let next = v.calendar.current_or_next(instant(t))?;
                v.session = Some(next);
                self.heap.push(Reverse((nanos(next.open_utc())?, venue_tag(vi, VenueEvent::Open))));
            }
            _ => {
                for &m in &v.members {
                    self.symbols[m as usize].emit_bars(Some(t), sink);
                }
                if t + NANOS_PER_MINUTE < v.close_ns {
                    self.heap.push(Reverse((t + NANOS_PER_MINUTE, venue_tag(vi, VenueEvent::Minute))));
                }
            }
        }
        Ok(())
    }
}

impl MarketSource for SyntheticMarket {
    type Error = MarketError;

    /// Emits every event due at or before `ts`, in time order. A `ts` in the past changes nothing. A calendar
    /// that runs out of covered years stops its venue with an error; events before it were delivered.
    fn advance_to(&mut self, ts: DateTime<Utc>, sink: &mut impl FnMut(&MarketEvent)) -> Result<(), MarketError> {
        let target = nanos(ts)?;
        while let Some(&Reverse((t, tag))) = self.heap.peek() {
            if t > target {
                break;
            }
            self.heap.pop();
            self.now_ns = t;
            self.dispatch(t, tag, sink)?;
        }
        self.now_ns = self.now_ns.max(target);
        Ok(())
    }

    fn now(&self) -> DateTime<Utc> {
        instant(self.now_ns)
    }

    fn next_event_at(&self) -> Option<DateTime<Utc>> {
        self.heap.peek().map(|Reverse((t, _))| instant(*t))
    }
}
