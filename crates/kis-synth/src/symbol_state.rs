//! One symbol's live state and the rules that make its trades and books.

use std::collections::VecDeque;

use chrono::{DateTime, NaiveDate, Utc};
use kis_model::{DailyLimits, MarketEvent, Qty, Side, Symbol, Trade};

use crate::book::{BookState, Frame};
use crate::config::MarketConfig;
use crate::grid::Grid;
use crate::history::{IntBar, NANOS_PER_MINUTE, record_minute};
use crate::intraday::activity;
use crate::regime::{Regime, RegimeState};
use crate::rng::Rng;
use crate::universe::SymbolSpec;

/// Session minutes the per-event volatility is scaled to (KRX 09:00-15:30 and NYSE 09:30-16:00 both last 390).
const SESSION_MINUTES: f64 = 390.0;

/// Typical trade value the size scale is derived from: KRW 2 M on KRX, USD 3,000 in the US.
const KRX_TRADE_VALUE: f64 = 2_000_000.0;
const US_TRADE_VALUE_CENTS: f64 = 300_000.0;

#[derive(Debug, Clone)]
pub struct SymbolState {
    pub symbol: Symbol,
    pub grid: Grid,
    pub venue: usize,
    rng: Rng,
    liquidity: f64,
    volatility: f64,
    /// Standard deviation of one event's fair-value move, as a fraction of price, in the normal regime.
    step_sigma: f64,
    /// Average trade size in shares; book levels are a multiple of it.
    size_scale: f64,
    pub prev_close: u64,
    pub band: DailyLimits,
    pub date: Option<NaiveDate>,
    pub open: u64,
    pub high: u64,
    pub low: u64,
    pub last: u64,
    pub cum_volume: u64,
    /// Cumulative traded value in minor units (won or cents).
    pub cum_value: u128,
    pub buy_volume: u64,
    pub sell_volume: u64,
    pub trades: u64,
    pub book: BookState,
    /// The fair value order flow drifts towards; on the grid and inside the band.
    target: u64,
    regime: RegimeState,
    pub minute_bars: Vec<IntBar>,
    pub bars_emitted: usize,
    pub history: VecDeque<IntBar>,
    /// Whether the current day is open (events are generated only then).
    pub in_session: bool,
    /// Session open of the current day, for the daily bar.
    session_open_ns: i64,
}

impl SymbolState {
    pub fn new(spec: &SymbolSpec, venue: usize, config: &MarketConfig, history: Vec<IntBar>) -> SymbolState {
        let grid = spec.grid();
        let prev_close = grid.from_price(spec.prev_close).unwrap_or(1);
        let rng = Rng::for_stream(config.seed, symbol_stream(&spec.symbol));
        let slots_per_day =
            (config.trades_per_minute * spec.liquidity * (1.0 + config.quotes_per_trade) * SESSION_MINUTES).max(1.0);
        let trade_value = match grid {
            Grid::Krx => KRX_TRADE_VALUE,
            Grid::UsCents => US_TRADE_VALUE_CENTS,
        };
        let band = grid.band(prev_close);
        let mut fresh = || 1;
        SymbolState {
            symbol: spec.symbol,
            grid,
            venue,
            rng,
            liquidity: spec.liquidity,
            volatility: spec.volatility,
            step_sigma: spec.volatility / slots_per_day.sqrt(),
            size_scale: (trade_value / prev_close as f64).clamp(1.0, 5_000.0),
            prev_close,
            band,
            date: None,
            open: 0,
            high: 0,
            low: 0,
            last: prev_close,
            cum_volume: 0,
            cum_value: 0,
            buy_volume: 0,
            sell_volume: 0,
            trades: 0,
            book: BookState::around(prev_close, true, Frame { grid, band }, &mut fresh),
            target: prev_close,
            regime: RegimeState::new(Regime::Normal, 0),
            minute_bars: Vec::new(),
            bars_emitted: 0,
            history: history.into(),
            in_session: false,
            session_open_ns: 0,
        }
    }

    fn frame(&self) -> Frame {
        Frame { grid: self.grid, band: self.band }
    }

    /// Quantity of a new book level: a few average trades, more for liquid names.
    fn fresh_qty(rng: &mut Rng, size_scale: f64, liquidity: f64) -> u64 {
        (size_scale * (3.0 + 9.0 * rng.unit()) * liquidity.max(0.3)) as u64 + 1
    }

    /// Opens the day at `ts_ns` with a gap from the previous close and an opening-auction print.
    pub fn open_day(
        &mut self,
        ts_ns: i64,
        date: NaiveDate,
        session_open_ns: i64,
        config: &MarketConfig,
        sink: &mut impl FnMut(&MarketEvent),
    ) {
        if self.date.is_some() {
            self.prev_close = self.last;
        }
        self.date = Some(date);
        self.session_open_ns = session_open_ns;
        self.in_session = true;
        self.band = self.grid.band(self.prev_close);
        self.regime.catch_up(ts_ns.div_euclid(NANOS_PER_MINUTE), &mut self.rng);
        let band = self.band;
        let grid = self.grid;

        // Gap: normal with a scale tied to the symbol's volatility, plus an occasional news gap of 3-12 %.
        let mut gap = self.rng.normal() * config.gap_sigma * (self.volatility / 0.02);
        if self.rng.chance(0.05) {
            let news = 0.03 + 0.09 * self.rng.unit();
            gap += if self.rng.chance(0.5) { news } else { -news };
        }
        let bp = (gap * 10_000.0).clamp(-5_000.0, 5_000.0) as i64;
        let raw = (i128::from(self.prev_close) * i128::from(10_000 + bp) / 10_000).max(1) as u64;
        let open = grid.floor(raw).clamp(band.lower, band.upper);

        let (rng, scale, liq) = (&mut self.rng, self.size_scale, self.liquidity);
        let at_ask = rng.chance(0.5);
        let mut fresh = || Self::fresh_qty(rng, scale, liq);
        self.book = BookState::around(open, at_ask, Frame { grid, band }, &mut fresh);
        self.target = open;

        let qty = (self.size_scale * (10.0 + 30.0 * self.rng.unit()) * self.liquidity) as u64 + 1;
        self.open = open;
        self.high = open;
        self.low = open;
        self.last = open;
        self.cum_volume = 0;
        self.cum_value = 0;
        self.buy_volume = 0;
        self.sell_volume = 0;
        self.trades = 0;
        self.minute_bars.clear();
        self.bars_emitted = 0;
        let (bid, ask) = (self.book.best_bid(), self.book.best_ask());
        self.print(ts_ns, open, qty, None, bid, ask, sink);
        self.emit_book(ts_ns, sink);
    }

    /// Closes the day: today's daily bar joins the history (the oldest day drops out).
    pub fn close_day(&mut self, history_days: usize) {
        if !self.in_session {
            return;
        }
        self.in_session = false;
        if self.trades > 0 {
            self.history.push_back(IntBar {
                start_ns: self.session_open_ns,
                open: self.open,
                high: self.high,
                low: self.low,
                close: self.last,
                volume: self.cum_volume,
            });
            while self.history.len() > history_days {
                self.history.pop_front();
            }
        }
    }

    /// One scheduled event at `ts_ns` of a session `[open_ns, close_ns)`: a trade (with the book after it) or a
    /// book-only update. Returns when the next one is due (nanoseconds).
    pub fn step(
        &mut self,
        ts_ns: i64,
        open_ns: i64,
        close_ns: i64,
        config: &MarketConfig,
        sink: &mut impl FnMut(&MarketEvent),
    ) -> i64 {
        self.regime.catch_up(ts_ns.div_euclid(NANOS_PER_MINUTE), &mut self.rng);
        self.move_target();
        if self.rng.unit() * (1.0 + config.quotes_per_trade) < 1.0 {
            if !self.trade(ts_ns, sink) {
                self.quote(ts_ns, sink);
            }
        } else {
            self.quote(ts_ns, sink);
        }
        debug_assert_eq!(self.book.check(self.frame()), Ok(()), "{}", self.symbol);
        self.next_due(ts_ns, open_ns, close_ns, config)
    }

    /// When the next event is due after `ts_ns`: exponential waiting time at the current rate (configured average
    /// × liquidity × intraday U-shape × regime and burst).
    pub fn next_due(&mut self, ts_ns: i64, open_ns: i64, close_ns: i64, config: &MarketConfig) -> i64 {
        let span = (close_ns - open_ns).max(1) as f64;
        let x = (ts_ns - open_ns) as f64 / span;
        let per_second = config.trades_per_minute / 60.0
            * (1.0 + config.quotes_per_trade)
            * self.liquidity
            * activity(x)
            * self.regime.rate_multiplier();
        let dt = (self.rng.exp1() / per_second * 1e9).min(1e15) as i64;
        ts_ns + dt.max(1)
    }

    /// The fair value takes a random-walk step scaled by the regime; it moves on the grid, inside the band.
    fn move_target(&mut self) {
        let tick = self.grid.tick(self.target) as f64;
        let sigma_ticks = self.step_sigma * self.regime.regime.vol_multiplier() * self.target as f64 / tick;
        let steps: i64 = if sigma_ticks < 0.7 {
            let u = self.rng.unit();
            let p = sigma_ticks * sigma_ticks / 2.0;
            if u < p {
                1
            } else if u < 2.0 * p {
                -1
            } else {
                0
            }
        } else {
            (self.rng.normal() * sigma_ticks).round().clamp(-50.0, 50.0) as i64
        };
        let g = self.grid;
        let moved = match steps {
            0 => self.target,
            s if s > 0 => g.up(self.target, s as u32),
            s => g.down(self.target, s.unsigned_abs() as u32),
        };
        self.target = moved.clamp(self.band.lower, self.band.upper);
    }

    /// An aggressive order against the book; `false` when neither side has anything to take.
    fn trade(&mut self, ts_ns: i64, sink: &mut impl FnMut(&MarketEvent)) -> bool {
        let (bid, ask) = (self.book.best_bid(), self.book.best_ask());
        let p_buy = match (bid, ask) {
            (_, Some(a)) if self.target >= a => 0.75,
            (Some(b), _) if self.target <= b => 0.25,
            _ => 0.5,
        };
        let side = match (self.rng.chance(p_buy), bid, ask) {
            (true, _, Some(_)) | (false, None, Some(_)) => Side::Buy,
            (false, Some(_), _) | (true, Some(_), None) => Side::Sell,
            _ => return false,
        };
        let size = ((self.size_scale * self.regime.size_multiplier() * 0.5 * self.rng.pareto2()) as u64).max(1);
        let frame = self.frame();
        let (rng, scale, liq) = (&mut self.rng, self.size_scale, self.liquidity);
        let mut fresh = || Self::fresh_qty(rng, scale, liq);
        let (price, filled) = match side {
            Side::Buy => (self.book.ask, self.book.take_ask(size, frame, &mut fresh)),
            Side::Sell => (self.book.bid, self.book.take_bid(size, frame, &mut fresh)),
        };
        match side {
            Side::Buy => self.buy_volume = self.buy_volume.saturating_add(filled),
            Side::Sell => self.sell_volume = self.sell_volume.saturating_add(filled),
        }
        self.print(ts_ns, price, filled, Some(side), bid, ask, sink);
        self.emit_book(ts_ns, sink);
        true
    }

    /// A book-only change: the book chases the fair value, fills a gap, or resizes a level.
    fn quote(&mut self, ts_ns: i64, sink: &mut impl FnMut(&MarketEvent)) {
        let frame = self.frame();
        let g = self.grid;
        let (rng, scale, liq) = (&mut self.rng, self.size_scale, self.liquidity);
        let mut fresh = || Self::fresh_qty(rng, scale, liq);
        let book = &mut self.book;
        let up_pressure = book.best_ask().is_some_and(|a| self.target > a);
        let down_pressure = book.best_bid().is_some_and(|b| self.target < b);
        let gap = book.has_gap(g);
        let done = if up_pressure {
            let q = fresh();
            if gap { book.improve_bid(frame, q) } else { book.cancel_best_ask(frame, &mut fresh) }
        } else if down_pressure {
            let q = fresh();
            if gap { book.improve_ask(frame, q) } else { book.cancel_best_bid(frame, &mut fresh) }
        } else {
            false
        };
        if !done {
            let q = fresh();
            let (coin, level_draw, add) = (self.rng.chance(0.5), self.rng.below(10) as usize, self.rng.chance(0.55));
            let book = &mut self.book;
            let side_empty = book.best_bid().is_none() || book.best_ask().is_none();
            // A gap (or an empty side) is filled from a random side first, the other if that one cannot move.
            let mut filled_gap = false;
            if gap || side_empty {
                for bid_side in [coin, !coin] {
                    filled_gap = if bid_side { book.improve_bid(frame, q) } else { book.improve_ask(frame, q) };
                    if filled_gap {
                        break;
                    }
                }
            }
            if !filled_gap {
                // Activity concentrates near the touch: level = floor(draw² / 10) favours the first levels.
                let level = level_draw * level_draw / 10;
                book.resize(coin, level, add, q / 2 + 1);
            }
        }
        self.emit_book(ts_ns, sink);
    }

    #[allow(clippy::too_many_arguments)]
    fn print(
        &mut self,
        ts_ns: i64,
        price: u64,
        qty: u64,
        aggressor: Option<Side>,
        bid: Option<u64>,
        ask: Option<u64>,
        sink: &mut impl FnMut(&MarketEvent),
    ) {
        self.last = price;
        self.high = self.high.max(price);
        self.low = if self.low == 0 { price } else { self.low.min(price) };
        self.cum_volume = self.cum_volume.saturating_add(qty);
        self.cum_value = self.cum_value.saturating_add(u128::from(price) * u128::from(qty));
        self.trades += 1;
        record_minute(&mut self.minute_bars, ts_ns, price, qty);
        let g = self.grid;
        sink(&MarketEvent::Trade(Trade {
            symbol: self.symbol,
            ts: DateTime::<Utc>::from_timestamp_nanos(ts_ns),
            price: g.to_price(price),
            qty: Qty::new(qty),
            aggressor,
            bid: bid.map(|p| g.to_price(p)),
            ask: ask.map(|p| g.to_price(p)),
            cum_volume: self.cum_volume,
        }));
    }

    fn emit_book(&self, ts_ns: i64, sink: &mut impl FnMut(&MarketEvent)) {
        let ts = DateTime::<Utc>::from_timestamp_nanos(ts_ns);
        sink(&MarketEvent::Book(self.book.snapshot(self.symbol, ts, self.grid)));
    }

    /// Emits completed minute bars: those ending at or before `boundary_ns`, or all of them when the day closes.
    pub fn emit_bars(&mut self, boundary_ns: Option<i64>, sink: &mut impl FnMut(&MarketEvent)) {
        while let Some(bar) = self.minute_bars.get(self.bars_emitted) {
            if boundary_ns.is_some_and(|b| bar.start_ns + NANOS_PER_MINUTE > b) {
                break;
            }
            sink(&MarketEvent::Bar(bar.to_bar(self.symbol, self.grid)));
            self.bars_emitted += 1;
        }
    }

    /// The day's bar so far, for the summary's daily view.
    pub fn today(&self) -> Option<IntBar> {
        (self.trades > 0).then_some(IntBar {
            start_ns: self.session_open_ns,
            open: self.open,
            high: self.high,
            low: self.low,
            close: self.last,
            volume: self.cum_volume,
        })
    }
}

/// A stream id from the symbol's text (FNV-1a), so a symbol's events do not depend on its position in the list.
pub fn symbol_stream(symbol: &Symbol) -> u64 {
    kis_model::fingerprint::fnv1a(symbol.to_string().as_bytes())
}
