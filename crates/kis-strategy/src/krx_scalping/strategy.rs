//! The KRX scalping strategy: per-trade momentum entries inside KST time windows, exits by the exit rules.
//!
//! Indicators (RSI, Bollinger, volume surge, up-ticks, micro-trend) run on **trade prices**, one update per
//! print: a scalper's horizon is seconds to minutes, and tick indicators are warm seconds after the open,
//! which the 09:00 window needs. ATR runs on one-minute bars built from the trades and only widens the stop
//! distance handed to sizing.
//!
//! On each trade, in order: state is updated; nothing is emitted while an order is pending; a held position
//! is checked by the exit rules (stop-loss first) and exits with a limit `exit_limit_ticks` below the last
//! price; a flat position enters when the time is inside an enabled window whose own condition holds and
//! every enabled entry condition holds. One position per symbol: no adds while holding.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use kis_indicators::{Aggressor, Atr, Bollinger, Rsi, TradeStrength, VolumeSurge};
use kis_model::tick_size::{self, InstrumentKind};
use kis_model::{Bar, MarketEvent, Price, Side, Symbol};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::bar_aggregator::{BarAggregator, BarInterval};
use crate::context::Context;
use crate::error::ConfigError;
use crate::krx_scalping::config::{ScalpingConfig, SpreadLimit};
use crate::krx_scalping::micro_trend::{MicroTrend, UptickRun};
use crate::krx_scalping::session::Session;
use crate::kst::KstSpan;
use crate::risk::{ExitMonitor, volatility_stop_distance};
use crate::signal::{ExitReason, Signal, SignalKind, SignalQty, StrategyId};
use crate::strategy::Strategy;
use kis_model::kst::kst_seconds_of_day;

/// Which window an entry came from (it is in the signal's reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryWindow {
    GapUp,
    PullbackRebound,
    ClosingRun,
}

impl fmt::Display for EntryWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EntryWindow::GapUp => "gap-up chase",
            EntryWindow::PullbackRebound => "pullback rebound",
            EntryWindow::ClosingRun => "closing run",
        })
    }
}

/// When a one-minute bar's close printed, relative to its start: its last second, so a bar starting 09:29
/// still belongs to the 09:00–09:30 window and a day's last bar to that day.
const BAR_CLOSE_AFTER: Duration = Duration::seconds(59);

/// Whole won of a KRX price. Prices built from integers carry scale 0, so the mantissa is the answer and the
/// general conversion (a tenth of the per-trade budget) is only the fallback.
fn whole_won(price: Price) -> Option<u64> {
    let v = price.value();
    if v.scale() == 0 && !v.is_sign_negative() {
        u64::try_from(v.mantissa()).ok()
    } else {
        tick_size::to_won(price).ok()
    }
}

/// Percent (Decimal) to millionths, for integer comparisons on the hot path.
fn pct_to_ppm(pct: Decimal) -> u64 {
    pct.saturating_mul(Decimal::from(10_000)).round().to_u64().unwrap_or(u64::MAX)
}

#[derive(Debug, Clone)]
struct Spans {
    gap_up: Option<KstSpan>,
    pullback: Option<KstSpan>,
    closing: Option<KstSpan>,
    gap_ppm: u64,
    pullback_ppm: u64,
}

#[derive(Debug, Clone)]
pub struct KrxScalping {
    id: StrategyId,
    symbol: Symbol,
    kind: InstrumentKind,
    config: ScalpingConfig,
    spans: Spans,
    spread_pct_ppm: Option<u64>,
    rsi: Rsi,
    bands: Bollinger,
    strength: TradeStrength,
    surge: VolumeSurge,
    upticks: UptickRun,
    trend: MicroTrend,
    session: Session,
    minute_bars: BarAggregator,
    completed: Vec<Bar>,
    atr: Atr,
    exits: ExitMonitor,
    bid: Option<Price>,
    ask: Option<Price>,
    rejected: u64,
}

/// Indicator readings of the current trade, for the entry decision and its message.
#[derive(Debug, Clone, Copy)]
struct Readings {
    rsi: Option<f64>,
    percent_b: Option<f64>,
    strength: Option<f64>,
    surge: Option<f64>,
}

impl KrxScalping {
    /// `kind` picks the tick grid (stocks and ETFs differ); the caller knows it from the symbol's listing.
    pub fn new(symbol: Symbol, kind: InstrumentKind, config: ScalpingConfig) -> Result<KrxScalping, ConfigError> {
        config.validate()?;
        let param = |field: &'static str| move |e: kis_indicators::ParamError| ConfigError::new(field, e.to_string());
        let w = &config.windows;
        let spans = Spans {
            gap_up: w.gap_up.enabled.then_some(KstSpan::new(w.gap_up.start, w.gap_up.end)),
            pullback: w
                .pullback_rebound
                .enabled
                .then_some(KstSpan::new(w.pullback_rebound.start, w.pullback_rebound.end)),
            closing: w.closing_run.enabled.then_some(KstSpan::new(w.closing_run.start, w.closing_run.end)),
            gap_ppm: pct_to_ppm(w.gap_up.min_gap_pct),
            pullback_ppm: pct_to_ppm(w.pullback_rebound.min_pullback_pct),
        };
        Ok(KrxScalping {
            id: StrategyId::new(&config.id),
            symbol,
            kind,
            spans,
            spread_pct_ppm: match config.spread.max {
                SpreadLimit::Pct(p) => Some(pct_to_ppm(p)),
                SpreadLimit::Ticks(_) => None,
            },
            rsi: Rsi::new(config.rsi.period).map_err(param("rsi.period"))?,
            bands: Bollinger::new(config.bollinger.period, config.bollinger.std_devs)
                .map_err(param("bollinger.period"))?,
            strength: TradeStrength::new(),
            surge: VolumeSurge::new(config.volume.surge_lookback_trades)
                .map_err(param("volume.surge_lookback_trades"))?,
            upticks: UptickRun::default(),
            trend: MicroTrend::new(config.micro_trend.window_trades),
            session: Session::default(),
            minute_bars: BarAggregator::new(BarInterval::Min1, chrono_tz::Asia::Seoul),
            completed: Vec::with_capacity(2),
            atr: Atr::new(config.atr_period).map_err(param("atr_period"))?,
            exits: ExitMonitor::new(config.exits)?,
            bid: None,
            ask: None,
            rejected: 0,
            config,
        })
    }

    pub fn config(&self) -> &ScalpingConfig {
        &self.config
    }

    /// Updates every indicator with one print. Returns the readings, or `None` (counted as rejected) when
    /// the price is not a positive whole number of won.
    fn update(
        &mut self,
        ts: DateTime<Utc>,
        price: Price,
        qty: u64,
        aggressor: Option<Side>,
    ) -> Option<(u64, Readings)> {
        let won = match whole_won(price) {
            Some(w) if w > 0 => w,
            _ => {
                self.rejected += 1;
                return None;
            }
        };
        if self.session.on_price(ts, won, self.spans.pullback_ppm) {
            // A new day: 체결강도 is a session figure, and tick runs must not span the overnight gap.
            self.strength.reset();
            self.upticks.clear();
            self.trend.clear();
        }
        let p = won as f64;
        let rsi = self.rsi.update(p).ok().flatten();
        let percent_b = self.bands.update(p).ok().flatten().and_then(|b| {
            let width = b.upper - b.lower;
            (width > 0.0).then(|| (p - b.lower) / width)
        });
        let strength = match aggressor {
            Some(Side::Buy) => self.strength.update(Aggressor::Buy, qty),
            Some(Side::Sell) => self.strength.update(Aggressor::Sell, qty),
            None => self.strength.value(),
        };
        let surge = self.surge.update(qty);
        self.upticks.push(won);
        self.trend.push(won);
        Some((won, Readings { rsi, percent_b, strength, surge }))
    }

    fn feed_minute_bars(&mut self) {
        for i in 0..self.completed.len() {
            if let Some(b) = self.completed.get(i).copied() {
                self.feed_atr(&b);
            }
        }
        self.completed.clear();
    }

    fn feed_atr(&mut self, b: &Bar) {
        let hlc = (b.high.value().to_f64(), b.low.value().to_f64(), b.close.value().to_f64());
        if let (Some(h), Some(l), Some(c)) = hlc
            && self.atr.update(h, l, c).is_ok()
        {
            return;
        }
        self.rejected += 1;
    }

    fn window_at(&self, ts: DateTime<Utc>) -> Option<EntryWindow> {
        let s = kst_seconds_of_day(ts);
        let sp = &self.spans;
        if sp.gap_up.is_some_and(|w| w.contains(s)) && self.session.gapped_up(sp.gap_ppm) {
            Some(EntryWindow::GapUp)
        } else if sp.pullback.is_some_and(|w| w.contains(s)) && self.session.pullback_seen() {
            Some(EntryWindow::PullbackRebound)
        } else if sp.closing.is_some_and(|w| w.contains(s)) {
            Some(EntryWindow::ClosingRun)
        } else {
            None
        }
    }

    /// Spread in ticks at the bid, and whether it is within the limit.
    fn spread_ok(&self) -> (bool, Option<u64>) {
        let (Some(bid), Some(ask)) = (self.bid, self.ask) else { return (false, None) };
        let (Some(bid), Some(ask)) = (whole_won(bid), whole_won(ask)) else { return (false, None) };
        if bid == 0 || ask < bid {
            return (false, None);
        }
        let ticks = (ask - bid) / tick_size::krx_tick_size(bid, self.kind);
        let ok = match (self.config.spread.max, self.spread_pct_ppm) {
            (SpreadLimit::Ticks(max), _) => ticks <= u64::from(max),
            (SpreadLimit::Pct(_), Some(ppm)) => u128::from(ask - bid) * 1_000_000 <= u128::from(bid) * u128::from(ppm),
            (SpreadLimit::Pct(_), None) => false,
        };
        (ok, Some(ticks))
    }

    /// `Some(spread in ticks, when known)` when every enabled entry condition holds, cheapest checks first.
    fn entry_conditions(&self, r: &Readings) -> Option<Option<u64>> {
        let c = &self.config;
        if c.upticks.enabled && self.upticks.run() < c.upticks.count {
            return None;
        }
        if c.rsi.enabled && !r.rsi.is_some_and(|v| v >= c.rsi.min && v <= c.rsi.max) {
            return None;
        }
        if c.bollinger.enabled
            && !r.percent_b.is_some_and(|b| b >= c.bollinger.min_percent_b && b <= c.bollinger.max_percent_b)
        {
            return None;
        }
        if c.volume.enabled
            && !(r.strength.is_some_and(|s| s >= c.volume.min_trade_strength)
                || r.surge.is_some_and(|s| s >= c.volume.surge_multiple))
        {
            return None;
        }
        if c.micro_trend.enabled && !self.trend.is_rising() {
            return None;
        }
        let (spread_ok, ticks) = self.spread_ok();
        if c.spread.enabled && !spread_ok {
            return None;
        }
        Some(ticks)
    }

    fn signal(
        &self,
        side: Side,
        kind: SignalKind,
        quantity: SignalQty,
        limit: u64,
        stop: Option<Price>,
        reason: String,
    ) -> Signal {
        Signal {
            symbol: self.symbol,
            side,
            kind,
            quantity,
            limit: Some(Price::from_won(limit)),
            stop,
            order_type: crate::OrderType::Limit,
            strategy_id: self.id.clone(),
            reason,
        }
    }

    fn exit_signal(&self, reason: ExitReason, won: u64) -> Signal {
        let limit = tick_size::tick_down(won, self.config.exit_limit_ticks, self.kind).unwrap_or(won);
        let why = format!("{reason} at {won}");
        self.signal(Side::Sell, SignalKind::Exit(reason), SignalQty::All, limit, None, why)
    }

    fn entry_signal(&self, window: EntryWindow, won: u64, r: &Readings, spread_ticks: Option<u64>) -> Signal {
        let limit = tick_size::tick_up(won, self.config.entry_limit_ticks, self.kind);
        let distance = volatility_stop_distance(
            Price::from_won(limit),
            self.config.exits.stop_loss_pct.unwrap_or(Decimal::ZERO),
            self.atr.value(),
            self.config.atr_stop_multiple,
        );
        let stop = (Decimal::from(limit) - distance)
            .floor()
            .to_u64()
            .map(|s| tick_size::floor_to_tick(s, self.kind))
            .filter(|s| *s > 0 && *s < limit)
            .map(Price::from_won);
        let f = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.2}"));
        let why = format!(
            "{window}: {} up-ticks, RSI {}, %B {}, strength {}, surge {}, spread {} ticks, slope {}",
            self.upticks.run(),
            f(r.rsi),
            f(r.percent_b),
            f(r.strength),
            f(r.surge),
            spread_ticks.map_or_else(|| "-".to_string(), |t| t.to_string()),
            f(self.trend.slope()),
        );
        self.signal(
            Side::Buy,
            SignalKind::Entry,
            SignalQty::CashFraction(self.config.entry_cash_fraction),
            limit,
            stop,
            why,
        )
    }

    fn on_print(
        &mut self,
        ts: DateTime<Utc>,
        price: Price,
        qty: u64,
        aggressor: Option<Side>,
        ctx: &Context,
        out: &mut Vec<Signal>,
    ) {
        let Some((won, readings)) = self.update(ts, price, qty, aggressor) else { return };
        if ctx.order_pending {
            return;
        }
        match ctx.position.filter(|p| !p.qty.is_zero() && p.symbol == self.symbol) {
            Some(position) => {
                if let Some(reason) = self.exits.check(&position, price, ctx.now) {
                    out.push(self.exit_signal(reason, won));
                }
            }
            None => {
                self.exits.clear();
                if let Some(window) = self.window_at(ts)
                    && let Some(ticks) = self.entry_conditions(&readings)
                {
                    out.push(self.entry_signal(window, won, &readings, ticks));
                }
            }
        }
    }

    fn reset(&mut self) {
        self.rsi.reset();
        self.bands.reset();
        self.strength.reset();
        self.surge.reset();
        self.upticks.clear();
        self.trend.clear();
        self.session = Session::default();
        self.minute_bars.reset();
        self.atr.reset();
        self.exits.clear();
        self.bid = None;
        self.ask = None;
    }
}

impl Strategy for KrxScalping {
    fn id(&self) -> &StrategyId {
        &self.id
    }

    fn symbol(&self) -> Symbol {
        self.symbol
    }

    /// Trades drive everything; books refresh the bid/ask the spread rule reads; a bar counts as one print at
    /// its close (its high/low feed ATR as a one-minute bar), so bar-only backtests work with the spread
    /// rule disabled.
    fn on_event(&mut self, event: &MarketEvent, ctx: &Context, out: &mut Vec<Signal>) {
        match event {
            MarketEvent::Trade(t) if t.symbol == self.symbol => {
                if t.bid.is_some() && t.ask.is_some() {
                    self.bid = t.bid;
                    self.ask = t.ask;
                }
                self.minute_bars.push_trade(t.symbol, t.ts, t.price, t.qty, &mut self.completed);
                self.feed_minute_bars();
                self.on_print(t.ts, t.price, t.qty.shares(), t.aggressor, ctx, out);
            }
            MarketEvent::Book(b) if b.symbol == self.symbol => {
                self.bid = b.best_bid().map(|l| l.price);
                self.ask = b.best_ask().map(|l| l.price);
            }
            MarketEvent::Bar(b) if b.symbol == self.symbol => {
                self.feed_atr(b);
                self.on_print(b.ts + BAR_CLOSE_AFTER, b.close, b.volume, None, ctx, out);
            }
            _ => {}
        }
    }

    /// Starts over and folds `bars` (one-minute bars, oldest first) in as prints at their closes.
    fn warm_up(&mut self, bars: &[Bar]) {
        self.reset();
        let symbol = self.symbol;
        for b in bars.iter().filter(|b| b.symbol == symbol) {
            self.feed_atr(b);
            let _ = self.update(b.ts + BAR_CLOSE_AFTER, b.close, b.volume, None);
        }
    }

    fn rejected_events(&self) -> u64 {
        self.rejected
    }
}
