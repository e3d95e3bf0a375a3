//! The US RSI + MACD rules, evaluated on every event.
//!
//! RSI is read "live": the RSI of the completed candles extended by the forming candle's last price, the way
//! a chart shows it, so the time-based delays mean something even on day candles. The golden cross is judged
//! on completed candles only. Rules, in order (the first that fires wins; nothing while an order is pending):
//! 1. stop-loss: holding and last ≤ average × (1 − stop_loss_pct) → sell everything (no delay applies);
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
use crate::signal::{ExitReason, Signal, SignalKind, SignalQty, StrategyId};
use crate::strategy::Strategy;
use crate::us_rsi_macd::config::UsRsiMacdConfig;
use crate::us_rsi_macd::golden_cross::GoldenCross;
use crate::us_rsi_macd::limit_price::us_limit_price;

#[derive(Debug, Clone)]
pub struct UsRsiMacd {
    id: StrategyId,
    symbol: Symbol,
    config: UsRsiMacdConfig,
    input_period: Duration,
    bars: BarAggregator,
    rsi: Rsi,
    macd: Macd,
    cross: GoldenCross,
    completed: Vec<Bar>,
    rejected: u64,
}

fn interval_duration(interval: BarInterval) -> Duration {
    interval.minutes().map_or(Duration::days(1), Duration::minutes)
}

impl UsRsiMacd {
    pub fn new(symbol: Symbol, config: UsRsiMacdConfig) -> Result<UsRsiMacd, ConfigError> {
        config.validate()?;
        let rsi = Rsi::new(config.rsi_period).map_err(|e| ConfigError::new("rsi_period", e.to_string()))?;
        let macd = Macd::new(config.macd_fast, config.macd_slow, config.macd_signal)
            .map_err(|e| ConfigError::new("macd_fast", e.to_string()))?;
        Ok(UsRsiMacd {
            id: StrategyId::new(&config.id),
            symbol,
            input_period: interval_duration(config.input_bar_interval),
            bars: BarAggregator::new(config.rsi_interval, chrono_tz::America::New_York),
            rsi,
            macd,
            cross: GoldenCross::new(config.golden_cross_bars),
            completed: Vec::with_capacity(2),
            rejected: 0,
            config,
        })
    }

    /// RSI of the completed candles plus the forming one (see the module docs).
    pub fn live_rsi(&self) -> Option<f64> {
        match self.bars.forming().and_then(|b| b.close.value().to_f64()) {
            Some(close) => self.rsi.clone().update(close).ok().flatten(),
            None => self.rsi.value(),
        }
    }

    pub fn golden_cross(&self) -> &GoldenCross {
        &self.cross
    }

    /// Folds one trade or bar in; returns its price, or `None` for events that carry none.
    fn ingest(&mut self, event: &MarketEvent) -> Option<Price> {
        let price = match event {
            MarketEvent::Trade(t) => {
                self.bars.push_trade(t.symbol, t.ts, t.price, t.qty, &mut self.completed);
                t.price
            }
            MarketEvent::Bar(b) => {
                self.bars.push_bar(b, self.input_period, &mut self.completed);
                b.close
            }
            MarketEvent::Book(_) => return None,
        };
        for i in 0..self.completed.len() {
            if let Some(close) = self.completed.get(i).map(|b| b.close) {
                self.feed_close(close);
            }
        }
        self.completed.clear();
        Some(price)
    }

    fn feed_close(&mut self, close: Price) {
        let Some(c) = close.value().to_f64() else {
            self.rejected += 1;
            return;
        };
        match (self.rsi.update(c), self.macd.update(c)) {
            (Ok(_), Ok(macd)) => self.cross.on_bar(macd),
            _ => self.rejected += 1,
        }
    }

    fn decide(&self, last: Price, ctx: &Context, out: &mut Vec<Signal>) {
        if ctx.order_pending || last.is_zero() {
            return;
        }
        let Some(rsi) = self.live_rsi() else { return };
        let c = &self.config;
        if let Some(pos) = ctx.position.filter(|p| !p.qty.is_zero()) {
            let stop =
                pos.avg_price.value().saturating_mul(Decimal::ONE_HUNDRED - c.stop_loss_pct) / Decimal::ONE_HUNDRED;
            if last.value() <= stop {
                let why =
                    format!("stop-loss: last {last} <= {stop} ({}% below avg {})", c.stop_loss_pct, pos.avg_price);
                self.push(out, Side::Sell, SignalKind::Exit(ExitReason::StopLoss), SignalQty::All, last, why);
                return;
            }
            if rsi >= c.overbought
                && self.cross.within_window()
                && delay_passed(ctx.last_sell_at, c.sell_delay_secs, ctx.now)
            {
                let bars = self.cross.bars_since().unwrap_or(0);
                let why = format!("RSI {rsi:.2} >= {} and MACD golden cross {bars} bar(s) ago", c.overbought);
                let qty = SignalQty::PositionFraction(c.sell_position_fraction);
                self.push(out, Side::Sell, SignalKind::Exit(ExitReason::SignalExit), qty, last, why);
                return;
            }
        }
        if rsi <= c.oversold
            && delay_passed(ctx.last_buy_at, c.buy_delay_secs, ctx.now)
            && ctx.available_cash > Decimal::ZERO
        {
            let why = format!("RSI {rsi:.2} <= {}", c.oversold);
            let qty = SignalQty::CashFraction(c.buy_cash_fraction);
            self.push(out, Side::Buy, SignalKind::Entry, qty, last, why);
        }
    }

    fn push(
        &self,
        out: &mut Vec<Signal>,
        side: Side,
        kind: SignalKind,
        quantity: SignalQty,
        last: Price,
        reason: String,
    ) {
        let Some(limit) = us_limit_price(last, side, self.config.limit_offset_pct) else { return };
        out.push(Signal {
            symbol: self.symbol,
            side,
            kind,
            quantity,
            limit: Some(limit),
            stop: None,
            strategy_id: self.id.clone(),
            reason,
        });
    }
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

    /// Resets the candles and indicators, then folds `bars` (of `input_bar_interval`) in.
    fn warm_up(&mut self, bars: &[Bar]) {
        self.bars.reset();
        self.rsi.reset();
        self.macd.reset();
        self.cross.reset();
        let symbol = self.symbol;
        for bar in bars.iter().filter(|b| b.symbol == symbol) {
            self.ingest(&MarketEvent::Bar(*bar));
        }
    }

    fn rejected_events(&self) -> u64 {
        self.rejected
    }
}
