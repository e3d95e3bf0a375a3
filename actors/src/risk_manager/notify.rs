//! What the trader is told when an order is approved: buy, sell or stop-loss, with the P&L the sell would
//! make at the price it was judged at.

use kis_model::{Currency, Money, Price, Side};
use kis_strategy::risk::OrderIntent;
use kis_strategy::{AccountSnapshot, ExitReason, SignalKind};
use rust_decimal::Decimal;

use crate::notifier::NotifyEvent;

pub fn approval_event(intent: &OrderIntent, view: &AccountSnapshot, currency: Currency) -> NotifyEvent {
    let price = intent.limit.or(view.last_price).unwrap_or(Price::ZERO);
    let pnl = view.position.map(|p| (price.value() - p.avg_price.value()) * intent.qty.as_decimal());
    match (intent.side, intent.kind) {
        (Side::Buy, _) => {
            NotifyEvent::Buy { symbol: intent.symbol, qty: intent.qty, price, reason: intent.reason.clone() }
        }
        (Side::Sell, SignalKind::Exit(ExitReason::StopLoss)) => NotifyEvent::StopLoss {
            symbol: intent.symbol,
            qty: intent.qty,
            price,
            pnl: Money::new(pnl.unwrap_or(Decimal::ZERO), currency),
            reason: intent.reason.clone(),
        },
        (Side::Sell, _) => NotifyEvent::Sell {
            symbol: intent.symbol,
            qty: intent.qty,
            price,
            pnl: pnl.map(|p| Money::new(p, currency)),
            reason: intent.reason.clone(),
        },
    }
}
