//! `rsi-reversal`: a deliberately simple reference strategy on bars, so that a backtest's trades can be
//! checked by hand or by an independent script.
//!
//! # Exact semantics
//! Bars are numbered `t = 0, 1, 2, …` in the order the instance sees them (warm-up bars included; events for
//! other symbols and trades/books do not count). `RSI14[t]` is TA-Lib's RSI of the closes `0..=t` (Wilder
//! smoothing seeded with the simple mean of the first 14 changes), defined from `t = 14` on.
//!
//! * **Entry** on bar `t`: the strategy was flat at the start of bar `t`, `RSI14[t−1] < 30` and
//!   `RSI14[t] > 30` (both defined, strict inequalities) → buy 1 share at `close[t]`. Entry price `e = close[t]`.
//! * **Exit** on the first bar `j > t` where, checked in this order:
//!   1. `close[j] ≥ e × 1.012` → take-profit,
//!   2. `close[j] ≤ e × 0.992` → stop-loss,
//!   3. `j = t + 15` → time exit,
//!
//!   sell 1 share at `close[j]`. Price rules are checked before the time rule, so on bar `t + 15` a price
//!   exit is reported as such.
//! * **No new entry on the bar of an exit**: the earliest re-entry is bar `j + 1`, judged on
//!   `RSI14[j] < 30 < RSI14[j+1]`.
//!
//! Long-only, 1 share, one position at a time. The strategy keeps its own position, assuming each signal is
//! filled at the signalled close (what the backtester does), and ignores the [`Context`]: the reference
//! answer must not depend on account state. Thresholds compare exact decimals.

use kis_indicators::Rsi;
use kis_model::{Bar, MarketEvent, Price, Qty, Side, Symbol};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::error::ConfigError;
use crate::risk::RiskConfig;
use crate::signal::{ExitReason, Signal, SignalKind, SignalQty, StrategyId};
use crate::strategy::Strategy;

/// Parameters; the defaults are the reference definition above.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RsiReversalConfig {
    pub id: String,
    pub rsi_period: usize,
    /// RSI level that must be crossed upward.
    pub threshold: f64,
    pub take_profit_pct: Decimal,
    pub stop_loss_pct: Decimal,
    /// Bars after the entry bar at which the position is closed whatever the price.
    pub max_bars: u64,
    /// This strategy's own risk rules; unset, the account's (top-level) rules apply.
    pub risk: Option<RiskConfig>,
}

impl Default for RsiReversalConfig {
    fn default() -> Self {
        RsiReversalConfig {
            id: "rsi-reversal".to_string(),
            rsi_period: 14,
            threshold: 30.0,
            take_profit_pct: Decimal::new(12, 1),
            stop_loss_pct: Decimal::new(8, 1),
            max_bars: 15,
            risk: None,
        }
    }
}

impl RsiReversalConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.id.trim().is_empty() {
            return Err(ConfigError::new("id", "must not be empty"));
        }
        Rsi::new(self.rsi_period).map_err(|e| ConfigError::new("rsi_period", e.to_string()))?;
        if !(self.threshold > 0.0 && self.threshold < 100.0) {
            return Err(ConfigError::new("threshold", format!("must be between 0 and 100, got {}", self.threshold)));
        }
        if self.take_profit_pct <= Decimal::ZERO {
            return Err(ConfigError::new("take_profit_pct", format!("must be above 0, got {}", self.take_profit_pct)));
        }
        if self.stop_loss_pct <= Decimal::ZERO || self.stop_loss_pct >= Decimal::ONE_HUNDRED {
            return Err(ConfigError::new("stop_loss_pct", format!("must be in (0, 100), got {}", self.stop_loss_pct)));
        }
        if self.max_bars == 0 {
            return Err(ConfigError::new("max_bars", "must be at least 1"));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OpenTrade {
    bar: u64,
    take_profit: Decimal,
    stop_loss: Decimal,
}

#[derive(Debug, Clone)]
pub struct RsiReversal {
    id: StrategyId,
    symbol: Symbol,
    config: RsiReversalConfig,
    rsi: Rsi,
    /// Index the next bar will get.
    next_bar: u64,
    prev_rsi: Option<f64>,
    open: Option<OpenTrade>,
    rejected: u64,
}

impl RsiReversal {
    pub fn new(symbol: Symbol, config: RsiReversalConfig) -> Result<RsiReversal, ConfigError> {
        config.validate()?;
        let rsi = Rsi::new(config.rsi_period).map_err(|e| ConfigError::new("rsi_period", e.to_string()))?;
        Ok(RsiReversal {
            id: StrategyId::new(&config.id),
            symbol,
            config,
            rsi,
            next_bar: 0,
            prev_rsi: None,
            open: None,
            rejected: 0,
        })
    }

    /// Index of the entry bar while a position is open.
    pub fn entry_bar(&self) -> Option<u64> {
        self.open.map(|o| o.bar)
    }

    /// Advances the RSI and the bar count; `None` (bar skipped and counted) if the close is unusable.
    fn advance(&mut self, close: Price) -> Option<(u64, Option<f64>)> {
        let Some(rsi) = close.value().to_f64().and_then(|c| self.rsi.update(c).ok()) else {
            self.rejected += 1;
            return None;
        };
        let t = self.next_bar;
        self.next_bar += 1;
        Some((t, rsi))
    }

    fn on_bar(&mut self, bar: &Bar, out: &mut Vec<Signal>) {
        let Some((t, rsi)) = self.advance(bar.close) else { return };
        let close = bar.close.value();
        match self.open {
            Some(open) if t > open.bar => {
                let reason = if close >= open.take_profit {
                    Some(ExitReason::TakeProfit)
                } else if close <= open.stop_loss {
                    Some(ExitReason::StopLoss)
                } else if t - open.bar >= self.config.max_bars {
                    Some(ExitReason::TimeExit)
                } else {
                    None
                };
                if let Some(reason) = reason {
                    self.open = None;
                    out.push(self.signal(Side::Sell, SignalKind::Exit(reason), bar.close, t, rsi));
                }
            }
            Some(_) => {}
            None => {
                let threshold = self.config.threshold;
                if let (Some(prev), Some(now)) = (self.prev_rsi, rsi)
                    && prev < threshold
                    && now > threshold
                {
                    let pct = |p: Decimal| close.saturating_mul(Decimal::ONE_HUNDRED + p) / Decimal::ONE_HUNDRED;
                    self.open = Some(OpenTrade {
                        bar: t,
                        take_profit: pct(self.config.take_profit_pct),
                        stop_loss: pct(-self.config.stop_loss_pct),
                    });
                    out.push(self.signal(Side::Buy, SignalKind::Entry, bar.close, t, rsi));
                }
            }
        }
        self.prev_rsi = rsi;
    }

    fn signal(&self, side: Side, kind: SignalKind, close: Price, t: u64, rsi: Option<f64>) -> Signal {
        let what = match kind {
            SignalKind::Entry => "RSI crossed up".to_string(),
            SignalKind::Exit(r) => r.to_string(),
        };
        Signal {
            symbol: self.symbol,
            side,
            kind,
            quantity: SignalQty::Shares(Qty::new(1)),
            limit: Some(close),
            stop: None,
            order_type: crate::OrderType::Limit,
            strategy_id: self.id.clone(),
            reason: format!("{what} at bar {t}, close {close}, RSI {:.2}", rsi.unwrap_or(f64::NAN)),
        }
    }
}

impl Strategy for RsiReversal {
    fn id(&self) -> &StrategyId {
        &self.id
    }

    fn symbol(&self) -> Symbol {
        self.symbol
    }

    /// Only bars count; the context is deliberately unused (see the module docs).
    fn on_event(&mut self, event: &MarketEvent, _ctx: &Context, out: &mut Vec<Signal>) {
        if let MarketEvent::Bar(bar) = event
            && bar.symbol == self.symbol
        {
            self.on_bar(bar, out);
        }
    }

    /// Starts over from `bars`: RSI, bar count and position are reset, then the bars are numbered and fed
    /// without trading, so the first event bar gets index `bars.len()`.
    fn warm_up(&mut self, bars: &[Bar]) {
        self.rsi.reset();
        self.next_bar = 0;
        self.prev_rsi = None;
        self.open = None;
        let symbol = self.symbol;
        for bar in bars.iter().filter(|b| b.symbol == symbol) {
            if let Some((_, rsi)) = self.advance(bar.close) {
                self.prev_rsi = rsi;
            }
        }
    }

    fn rejected_events(&self) -> u64 {
        self.rejected
    }
}
