//! The US RSI + MACD rules, evaluated at most once per `check_interval_minutes` (candles and indicators follow
//! every event).
//!
//! RSI runs on `rsi_interval` candles and is read "live": the RSI of the completed candles extended by the
//! forming candle's last price, the way a chart shows it, so the time-based delays mean something even on day
//! candles. MACD runs on `macd_interval` candles (default: the RSI's) and its golden cross is judged on
//! completed candles only. Rules, in order (the first that fires wins; nothing while an order is pending):
//! 1. stop-loss: holding and last ≤ average × (1 − stop_loss_pct), where the average is the cost per share of
//!    the shares still held ([`Position::avg_price`](crate::Position)) → sell everything (no delay applies) at
//!    a marketable limit `stop_loss_offset_ticks` cents below the bid or last ([`us_marketable_sell`]);
//! 2. sell: holding, RSI ≥ overbought, a golden cross within the last `golden_cross_bars` candles, and
//!    `sell_delay_secs` since the last sell → sell `sell_position_fraction` of the holding;
//! 3. buy: RSI ≤ oversold, `buy_delay_secs` since the last buy, cash available → spend `buy_cash_fraction`.

use chrono::{DateTime, Duration, Utc};
use kis_indicators::{Macd, Rsi};
use kis_model::{Bar, MarketEvent, Price, Side, Symbol};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::bar_aggregator::{BarAggregator, BarInterval};
use crate::context::Context;
use crate::error::ConfigError;
use crate::order_type::OrderType;
use crate::signal::{ExitReason, Signal, SignalKind, SignalQty, StrategyId};
use crate::strategy::{Strategy, WarmUpHistory};
use crate::us_rsi_macd::config::UsRsiMacdConfig;
use crate::us_rsi_macd::golden_cross::GoldenCross;
use crate::us_rsi_macd::input_interval::InputInterval;
use crate::us_rsi_macd::limit_price::{us_limit_price, us_marketable_sell};

#[derive(Debug, Clone)]
pub struct UsRsiMacd {
    id: StrategyId,
    symbol: Symbol,
    config: UsRsiMacdConfig,
    input: InputInterval,
    rsi_bars: BarAggregator,
    macd_bars: BarAggregator,
    rsi: Rsi,
    macd: Macd,
    cross: GoldenCross,
    completed: Vec<Bar>,
    /// Minimum time between two evaluations of the rules (`check_interval_minutes`).
    check_every: Duration,
    /// When the rules were last evaluated (the context's clock).
    last_check: Option<DateTime<Utc>>,
    /// Best bid of the symbol's latest book, the stop-loss's reference when below the last trade.
    last_bid: Option<Price>,
    rejected: u64,
}

impl UsRsiMacd {
    pub fn new(symbol: Symbol, config: UsRsiMacdConfig) -> Result<UsRsiMacd, ConfigError> {
        config.validate()?;
        let rsi = Rsi::new(config.rsi_period).map_err(|e| ConfigError::new("rsi_period", e.to_string()))?;
        let macd = Macd::new(config.macd_fast, config.macd_slow, config.macd_signal)
            .map_err(|e| ConfigError::new("macd_fast", e.to_string()))?;
        let zone = chrono_tz::America::New_York;
        let minutes = i64::try_from(config.check_interval_minutes).map_err(|_| {
            ConfigError::new("check_interval_minutes", format!("{} is too large", config.check_interval_minutes))
        })?;
        Ok(UsRsiMacd {
            id: StrategyId::new(&config.id),
            symbol,
            input: InputInterval::new(config.input_bar_interval, zone),
            rsi_bars: BarAggregator::new(config.rsi_interval, zone),
            macd_bars: BarAggregator::new(config.macd_interval(), zone),
            rsi,
            macd,
            cross: GoldenCross::new(config.golden_cross_bars),
            completed: Vec::with_capacity(2),
            check_every: Duration::minutes(minutes),
            last_check: None,
            last_bid: None,
            rejected: 0,
            config,
        })
    }

    /// RSI of the completed candles plus the forming one (see the module docs).
    pub fn live_rsi(&self) -> Option<f64> {
        match self.rsi_bars.forming().and_then(|b| b.close.value().to_f64()) {
            Some(close) => self.rsi.clone().update(close).ok().flatten(),
            None => self.rsi.value(),
        }
    }

    pub fn golden_cross(&self) -> &GoldenCross {
        &self.cross
    }

    /// Whether the `Bar` events are taken as daily, declared or inferred from the data.
    pub fn input_is_daily(&self) -> bool {
        self.input.is_daily()
    }

    /// When the rules were last evaluated.
    pub fn last_check(&self) -> Option<DateTime<Utc>> {
        self.last_check
    }

    /// Folds one trade or bar in; returns its price, or `None` for events that carry none.
    fn ingest(&mut self, event: &MarketEvent) -> Option<Price> {
        let price = match event {
            MarketEvent::Trade(t) => {
                self.rsi_bars.push_trade(t.symbol, t.ts, t.price, t.qty, &mut self.completed);
                self.feed_completed(Indicator::Rsi);
                self.macd_bars.push_trade(t.symbol, t.ts, t.price, t.qty, &mut self.completed);
                self.feed_completed(Indicator::Macd);
                t.price
            }
            MarketEvent::Bar(b) => {
                let period = self.input.observe(b.ts);
                self.rsi_bars.push_bar(b, period, &mut self.completed);
                self.feed_completed(Indicator::Rsi);
                self.macd_bars.push_bar(b, period, &mut self.completed);
                self.feed_completed(Indicator::Macd);
                b.close
            }
            MarketEvent::Book(book) => {
                self.last_bid = book.best_bid().map(|l| l.price);
                return None;
            }
        };
        Some(price)
    }

    /// Feeds the candles just completed to `indicator` and empties the list.
    fn feed_completed(&mut self, indicator: Indicator) {
        for i in 0..self.completed.len() {
            let Some(close) = self.completed.get(i).and_then(|b| b.close.value().to_f64()) else {
                self.rejected += 1;
                continue;
            };
            match indicator {
                Indicator::Rsi => {
                    if self.rsi.update(close).is_err() {
                        self.rejected += 1;
                    }
                }
                Indicator::Macd => match self.macd.update(close) {
                    Ok(macd) => self.cross.on_bar(macd),
                    Err(_) => self.rejected += 1,
                },
            }
        }
        self.completed.clear();
    }

    /// Whether the check interval has passed since the last evaluation.
    fn check_due(&self, now: DateTime<Utc>) -> bool {
        self.last_check.is_none_or(|t| now.signed_duration_since(t) >= self.check_every)
    }

    /// Evaluates the rules if due. An evaluation counts (and starts the next interval) only when the rules
    /// could run: no order pending, a price, a warm RSI. So the first event after a fill or after warm-up is
    /// judged at once, as the user's bot would on its next look.
    fn decide(&mut self, last: Price, ctx: &Context, out: &mut Vec<Signal>) {
        if ctx.order_pending || last.is_zero() || !self.check_due(ctx.now) {
            return;
        }
        let Some(rsi) = self.live_rsi() else { return };
        self.last_check = Some(ctx.now);
        let c = &self.config;
        if let Some(pos) = ctx.position.filter(|p| !p.qty.is_zero()) {
            let stop =
                pos.avg_price.value().saturating_mul(Decimal::ONE_HUNDRED - c.stop_loss_pct) / Decimal::ONE_HUNDRED;
            if last.value() <= stop {
                let why =
                    format!("stop-loss: last {last} <= {stop} ({}% below avg {})", c.stop_loss_pct, pos.avg_price);
                let limit = us_marketable_sell(last, self.last_bid, c.stop_loss_offset_ticks);
                let kind = SignalKind::Exit(ExitReason::StopLoss);
                self.push(out, Side::Sell, kind, SignalQty::All, (Some(limit), OrderType::Limit), why);
                return;
            }
            if rsi >= c.overbought
                && self.cross.within_window()
                && delay_passed(ctx.last_sell_at, c.sell_delay_secs, ctx.now)
            {
                let bars = self.cross.bars_since().unwrap_or(0);
                let why = format!("RSI {rsi:.2} >= {} and MACD golden cross {bars} bar(s) ago", c.overbought);
                let qty = SignalQty::PositionFraction(c.sell_position_fraction);
                let limit = us_limit_price(last, Side::Sell, c.limit_offset_pct);
                let order = (limit, c.sell_order_type);
                self.push(out, Side::Sell, SignalKind::Exit(ExitReason::SignalExit), qty, order, why);
                return;
            }
        }
        if rsi <= c.oversold
            && delay_passed(ctx.last_buy_at, c.buy_delay_secs, ctx.now)
            && ctx.available_cash > Decimal::ZERO
        {
            let why = format!("RSI {rsi:.2} <= {}", c.oversold);
            let qty = SignalQty::CashFraction(c.buy_cash_fraction);
            let limit = us_limit_price(last, Side::Buy, c.limit_offset_pct);
            self.push(out, Side::Buy, SignalKind::Entry, qty, (limit, c.buy_order_type), why);
        }
    }

    fn push(
        &self,
        out: &mut Vec<Signal>,
        side: Side,
        kind: SignalKind,
        quantity: SignalQty,
        (limit, order_type): (Option<Price>, OrderType),
        reason: String,
    ) {
        let Some(limit) = limit else { return };
        out.push(Signal {
            symbol: self.symbol,
            side,
            kind,
            quantity,
            limit: Some(limit),
            stop: None,
            order_type,
            strategy_id: self.id.clone(),
            reason,
        });
    }
}

/// Daily bars asked for at start: one `dailyprice` page (KIS sends 100 rows), enough for Wilder's RSI to
/// settle on the default 14-day period.
pub const DAILY_WARM_UP_BARS: usize = 100;

/// Most input bars asked for on minute candles: ten pages of KIS's minute chart (120 rows each).
pub const MAX_MINUTE_WARM_UP_BARS: usize = 1_200;

impl UsRsiMacd {
    /// What [`Strategy::warm_up_history`] asks for: daily bars when both indicators run on day candles, else
    /// input-length minute bars covering twice the candles the slower indicator needs (capped at
    /// [`MAX_MINUTE_WARM_UP_BARS`]). With RSI and MACD on different kinds (one on days, one on minutes) the
    /// minute history is asked for: the day candles then start from what a month of minutes gives.
    fn history_need(&self) -> WarmUpHistory {
        let c = &self.config;
        let (rsi, macd) = (c.rsi_interval, c.macd_interval());
        if rsi == BarInterval::Day && macd == BarInterval::Day || c.input_bar_interval == BarInterval::Day {
            return WarmUpHistory { interval: BarInterval::Day, bars: DAILY_WARM_UP_BARS };
        }
        let input = c.input_bar_interval.minutes().unwrap_or(1).max(1);
        let target = [rsi, macd].iter().filter_map(|i| i.minutes()).max().unwrap_or(input);
        let candles = (c.rsi_period + 1).max(c.macd_slow + c.macd_signal + c.golden_cross_bars).saturating_mul(2);
        let per_candle = usize::try_from(target / input).unwrap_or(1).max(1);
        WarmUpHistory {
            interval: c.input_bar_interval,
            bars: candles.saturating_mul(per_candle).min(MAX_MINUTE_WARM_UP_BARS),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Indicator {
    Rsi,
    Macd,
}

/// True when nothing happened yet or at least `secs` have passed since `last`.
fn delay_passed(last: Option<DateTime<Utc>>, secs: u64, now: DateTime<Utc>) -> bool {
    let delay = i64::try_from(secs).ok().and_then(Duration::try_seconds).unwrap_or(Duration::MAX);
    last.is_none_or(|t| now.signed_duration_since(t) >= delay)
}

impl Strategy for UsRsiMacd {
    fn id(&self) -> &StrategyId {
        &self.id
    }

    fn symbol(&self) -> Symbol {
        self.symbol
    }

    fn on_event(&mut self, event: &MarketEvent, ctx: &Context, out: &mut Vec<Signal>) {
        if event.symbol() != self.symbol {
            return;
        }
        if let Some(last) = self.ingest(event) {
            self.decide(last, ctx, out);
        }
    }

    /// Resets the candles, indicators and the input-length judgement, then folds `bars` (of
    /// `input_bar_interval`, or daily) in.
    fn warm_up(&mut self, bars: &[Bar]) {
        self.rsi_bars.reset();
        self.macd_bars.reset();
        self.input.reset();
        self.rsi.reset();
        self.macd.reset();
        self.cross.reset();
        self.last_check = None;
        let symbol = self.symbol;
        for bar in bars.iter().filter(|b| b.symbol == symbol) {
            self.ingest(&MarketEvent::Bar(*bar));
        }
    }

    fn warm_up_history(&self) -> Option<WarmUpHistory> {
        Some(self.history_need())
    }

    fn rejected_events(&self) -> u64 {
        self.rejected
    }
}
