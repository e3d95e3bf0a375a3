//! The pure core of the daemon's RiskManager (and the backtester's): turns a [`Signal`] into an approved
//! [`OrderIntent`] with a whole-share quantity, or a typed refusal.

use chrono::{DateTime, Utc};
use kis_model::{Market, Qty, Side};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use crate::account_snapshot::AccountSnapshot;
use crate::error::ConfigError;
use crate::risk::decision::{OrderIntent, RefuseReason, RiskDecision};
use crate::risk::limits::{DailyLossLimit, HaltCause, OrderRateLimit, TradingGuard, TradingState};
use crate::risk::sizing::{SizeLimit, SizingRules};
use crate::signal::{Signal, SignalKind, SignalQty};

/// The risk rules of one account or strategy. `Default` is the KRX scalping set; each strategy names its own
/// ([`StrategyConfig::default_risk`](crate::StrategyConfig::default_risk)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RiskConfig {
    pub sizing: SizingRules,
    pub daily_loss: DailyLossLimit,
    pub order_rate: OrderRateLimit,
}

impl RiskConfig {
    /// What [`RiskEngine::new`] checks, without building one; `field` is relative to the table
    /// (`sizing.max_position_pct`, `daily_loss.max_loss_pct`, …).
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.sizing.validate()?;
        TradingGuard::new(self.daily_loss, self.order_rate).map(|_| ())
    }
}

#[derive(Debug, Clone)]
pub struct RiskEngine {
    sizing: SizingRules,
    guard: TradingGuard,
}

impl RiskEngine {
    pub fn new(config: RiskConfig) -> Result<RiskEngine, ConfigError> {
        config.sizing.validate()?;
        Ok(RiskEngine { sizing: config.sizing, guard: TradingGuard::new(config.daily_loss, config.order_rate)? })
    }

    pub fn state(&self) -> TradingState {
        self.guard.state()
    }

    /// See [`TradingGuard::start_day`].
    pub fn start_day(&mut self, equity: Decimal) {
        self.guard.start_day(equity);
    }

    /// See [`TradingGuard::mark_equity`].
    pub fn mark_equity(&mut self, equity: Decimal) -> TradingState {
        self.guard.mark_equity(equity)
    }

    pub fn halt(&mut self) {
        self.guard.halt();
    }

    pub fn resume(&mut self) {
        self.guard.resume();
    }

    /// See [`TradingGuard::impose`].
    pub fn impose(&mut self, cause: HaltCause, state: TradingState) {
        self.guard.impose(cause, state);
    }

    pub fn lift(&mut self, cause: HaltCause) {
        self.guard.lift(cause);
    }

    pub fn causes(&self) -> impl Iterator<Item = (HaltCause, TradingState)> + '_ {
        self.guard.causes()
    }

    /// See [`TradingGuard::refresh`]: call it now and then so a rate breach lifts even with no signal.
    pub fn refresh(&mut self, now: DateTime<Utc>) -> TradingState {
        self.guard.refresh(now)
    }

    pub fn rate_room(&self, now: DateTime<Utc>) -> bool {
        self.guard.rate_room(now)
    }

    /// See [`TradingGuard::order_sent`].
    pub fn order_sent(&mut self, symbol: kis_model::Symbol) {
        self.guard.order_sent(symbol);
    }

    /// See [`TradingGuard::order_not_sent`].
    pub fn order_not_sent(&mut self, symbol: kis_model::Symbol) -> bool {
        self.guard.order_not_sent(symbol)
    }

    /// Checks and sizes one signal. An approval takes an order-rate slot, so call this only for orders that
    /// will be handed to the router; report the ones it did not send with [`order_not_sent`](Self::order_not_sent).
    pub fn evaluate(&mut self, signal: &Signal, account: &AccountSnapshot, now: DateTime<Utc>) -> RiskDecision {
        self.guard.refresh(now);
        let protective = signal.is_protective_exit();
        match self.check(signal, account, protective) {
            Ok(qty) => match self.guard.admit_order(signal.symbol, now, protective) {
                Ok(()) => RiskDecision::Approve(OrderIntent {
                    symbol: signal.symbol,
                    side: signal.side,
                    qty,
                    limit: signal.limit,
                    order_type: signal.order_type,
                    kind: signal.kind,
                    strategy_id: signal.strategy_id.clone(),
                    reason: signal.reason.clone(),
                }),
                Err(reason) => RiskDecision::Refuse(reason),
            },
            Err(reason) => RiskDecision::Refuse(reason),
        }
    }

    fn check(&self, signal: &Signal, account: &AccountSnapshot, protective: bool) -> Result<Qty, RefuseReason> {
        // Halted lets protective exits through (a halt stops new risk, never the cutting of held risk), except
        // while the daemon shuts down: nothing would follow an order sent then.
        let halted = self.guard.state() == TradingState::Halted;
        if self.guard.has_cause(HaltCause::Shutdown) || (halted && !protective) {
            return Err(RefuseReason::Halted);
        }
        if account.order_pending {
            return Err(RefuseReason::DuplicatePending);
        }
        if signal.symbol.market() == Market::Us && signal.limit.is_none() {
            return Err(RefuseReason::MarketOrderNotAllowed);
        }
        let held = account.position.filter(|p| p.symbol == signal.symbol).map_or(Qty::ZERO, |p| p.qty);
        match signal.side {
            Side::Sell => sell_qty(signal, held),
            Side::Buy => self.buy_qty(signal, account, held),
        }
    }

    fn buy_qty(&self, signal: &Signal, account: &AccountSnapshot, held: Qty) -> Result<Qty, RefuseReason> {
        if matches!(signal.kind, SignalKind::Exit(_)) {
            // A buy that closes something would be a short cover; nothing here is ever short.
            return Err(RefuseReason::ShortNotAllowed);
        }
        if self.guard.state() == TradingState::ReduceOnly {
            return Err(RefuseReason::ReduceOnly);
        }
        let max = self.sizing.max_open_positions;
        if held.is_zero() && account.open_positions >= max {
            return Err(RefuseReason::MaxPositions { open: account.open_positions, max });
        }
        let price = signal.limit.or(account.last_price).filter(|p| !p.is_zero()).ok_or(RefuseReason::NoPrice)?;
        let requested = match signal.quantity {
            SignalQty::Shares(q) => q,
            SignalQty::CashFraction(f) => whole(account.available_cash.saturating_mul(fraction(f)?) / price.value()),
            SignalQty::PositionFraction(f) => whole(held.as_decimal() * fraction(f)?),
            SignalQty::All => return Err(RefuseReason::UnsupportedQuantity),
        };
        if self.sizing.kelly.is_some_and(|k| k.full_kelly() <= Decimal::ZERO) {
            return Err(RefuseReason::NoEdge);
        }
        let stop_distance = signal.stop.map(|s| price.value() - s.value());
        // Held shares at the price equity values them at (the last price), not at this order's limit: valued
        // at a limit above the last price they would look worth more than equity counts them, and a cap of
        // 100 % would refuse a buy the cash can pay for.
        let mark = account.last_price.filter(|p| !p.is_zero()).unwrap_or(price);
        let held_value = mark.value().saturating_mul(held.as_decimal());
        let cap = self.sizing.max_entry(account.equity, price, stop_distance, held_value);
        if cap.qty.is_zero() {
            return Err(match cap.limit {
                SizeLimit::Risk => RefuseReason::ZeroSize,
                SizeLimit::PositionCap | SizeLimit::Kelly | SizeLimit::Uncapped => RefuseReason::PositionCap,
            });
        }
        if account.available_cash < price.value() {
            return Err(RefuseReason::InsufficientCash { price, available: account.available_cash });
        }
        let affordable = whole(account.available_cash / price.value());
        let qty = requested.min(cap.qty).min(affordable);
        if qty.is_zero() { Err(RefuseReason::ZeroSize) } else { Ok(qty) }
    }
}

/// Sells are capped at the holding; a fraction of a holding rounds down but sells at least one share, so a
/// small position can still be reduced.
fn sell_qty(signal: &Signal, held: Qty) -> Result<Qty, RefuseReason> {
    if held.is_zero() {
        return Err(match signal.kind {
            SignalKind::Entry => RefuseReason::ShortNotAllowed,
            SignalKind::Exit(_) => RefuseReason::NoPosition,
        });
    }
    let qty = match signal.quantity {
        SignalQty::Shares(q) => q.min(held),
        SignalQty::PositionFraction(f) => whole(held.as_decimal() * fraction(f)?).max(Qty::new(1)),
        SignalQty::All => held,
        SignalQty::CashFraction(_) => return Err(RefuseReason::UnsupportedQuantity),
    };
    if qty.is_zero() { Err(RefuseReason::ZeroSize) } else { Ok(qty) }
}

fn fraction(f: Decimal) -> Result<Decimal, RefuseReason> {
    if f > Decimal::ZERO && f <= Decimal::ONE { Ok(f) } else { Err(RefuseReason::InvalidFraction(f)) }
}

fn whole(d: Decimal) -> Qty {
    Qty::new(d.floor().to_u64().unwrap_or(0))
}
