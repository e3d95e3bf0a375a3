//! Changing and ending live orders: modify (a new order number, as at KIS), cancel, expiry at a session's end,
//! and forgetting finished orders of earlier days.

use chrono::{DateTime, NaiveDate, Utc};
use kis_model::{Market, OrderId, Qty, Side};
use rust_decimal::Decimal;

use super::Engine;
use crate::event::EngineEvent;
use crate::order::{ModifyRequest, Order, OrderKind, OrderStatus};
use crate::reject::RejectReason;

impl Engine {
    /// Modifies the price and/or total quantity of a live order. As at KIS the modify gets a new order number:
    /// the original ends `Replaced` with its fills, the replacement carries the unfilled shares and loses time
    /// priority.
    pub fn modify(
        &mut self,
        id: OrderId,
        req: ModifyRequest,
        session_open: bool,
        ts: DateTime<Utc>,
        out: &mut Vec<EngineEvent>,
    ) -> Result<OrderId, RejectReason> {
        match self.try_modify(id, req, session_open, ts, out) {
            Ok(new_id) => Ok(new_id),
            Err((client_id, reason)) => Engine::reject(out, Some(id), client_id, reason, ts),
        }
    }

    fn live_order(&self, id: OrderId) -> Result<usize, RejectReason> {
        let at = self.order_index(id).ok_or(RejectReason::UnknownOrder(id))?;
        if !self.state.orders[at].status.is_live() {
            return Err(RejectReason::OrderFinal(id));
        }
        Ok(at)
    }

    #[allow(clippy::type_complexity)]
    fn try_modify(
        &mut self,
        id: OrderId,
        req: ModifyRequest,
        session_open: bool,
        ts: DateTime<Utc>,
        out: &mut Vec<EngineEvent>,
    ) -> Result<OrderId, (Option<kis_model::ClientOrderId>, RejectReason)> {
        let at = self.live_order(id).map_err(|r| (None, r))?;
        let old = self.state.orders[at].clone();
        let fail = |reason| (old.client_id, reason);
        if req.price.is_none() && req.qty.is_none() {
            return Err(fail(RejectReason::NothingToModify(id)));
        }
        let spec = *self.state.specs.get(&old.symbol).ok_or(fail(RejectReason::UnknownSymbol(old.symbol)))?;
        if !session_open {
            return Err(fail(RejectReason::MarketClosed(old.symbol)));
        }
        let total = req.qty.unwrap_or(old.qty);
        if total <= old.filled {
            return Err(fail(RejectReason::ModifyBelowFilled { order: id, filled: old.filled, requested: total }));
        }
        let kind = req.price.map_or(old.kind, OrderKind::Limit);
        let rest = total.saturating_sub(old.filled);
        let (bound, reserved) = self.admit(&spec, old.side, kind, rest, old.reserved, old.unfilled()).map_err(fail)?;
        let new_id = self.next_id().map_err(fail)?;
        let seq = self.next_seq();
        // Retire the original: give back what it held, and take it off the book.
        match old.side {
            Side::Buy => self.state.account.release_cash(spec.currency(), old.reserved),
            Side::Sell => self.state.account.release_shares(&old.symbol, old.unfilled()),
        }
        self.index.remove(&old.symbol, old.side, id);
        let original = &mut self.state.orders[at];
        original.status = OrderStatus::Replaced(new_id);
        original.reserved = Decimal::ZERO;
        original.updated = ts;
        let replacement = Order {
            id: new_id,
            original: Some(id),
            qty: rest,
            kind,
            filled: Qty::ZERO,
            filled_notional: Decimal::ZERO,
            fees: Decimal::ZERO,
            status: OrderStatus::Open,
            trade_date: spec.trade_date,
            created: ts,
            updated: ts,
            price_bound: bound,
            reserved,
            seq,
            ..old
        };
        out.push(EngineEvent::Modified { original: id, replacement: new_id, kind, qty: rest, ts });
        self.enter(replacement, ts, out);
        Ok(new_id)
    }

    /// Cancels the unfilled shares of a live order; returns the number KIS gives the cancel itself.
    pub fn cancel(
        &mut self,
        id: OrderId,
        session_open: bool,
        ts: DateTime<Utc>,
        out: &mut Vec<EngineEvent>,
    ) -> Result<OrderId, RejectReason> {
        let checked = self.live_order(id).and_then(|at| {
            let symbol = self.state.orders[at].symbol;
            if session_open { Ok(at) } else { Err(RejectReason::MarketClosed(symbol)) }
        });
        let at = match checked {
            Ok(at) => at,
            Err(reason) => {
                let client_id = self.order_index(id).and_then(|at| self.state.orders[at].client_id);
                return Engine::reject(out, Some(id), client_id, reason, ts);
            }
        };
        let cancel_id = match self.next_id() {
            Ok(cancel_id) => cancel_id,
            Err(reason) => return Engine::reject(out, Some(id), None, reason, ts),
        };
        let qty = self.retire(at, OrderStatus::Cancelled, ts);
        out.push(EngineEvent::Cancelled { order: id, cancel_id, qty, ts });
        Ok(cancel_id)
    }

    /// Ends a live order with `status`, releasing exactly what it still held; returns its unfilled shares.
    fn retire(&mut self, at: usize, status: OrderStatus, ts: DateTime<Utc>) -> Qty {
        let order = &mut self.state.orders[at];
        let (symbol, side, id, unfilled, reserved) =
            (order.symbol, order.side, order.id, order.unfilled(), order.reserved);
        order.status = status;
        order.reserved = Decimal::ZERO;
        order.updated = ts;
        match side {
            Side::Buy => self.state.account.release_cash(symbol.market().currency(), reserved),
            Side::Sell => self.state.account.release_shares(&symbol, unfilled),
        }
        self.index.remove(&symbol, side, id);
        unfilled
    }

    /// End-of-session cleanup: every live order expires (KIS orders are day orders).
    pub fn expire_all(&mut self, ts: DateTime<Utc>, out: &mut Vec<EngineEvent>) -> usize {
        self.expire_where(|_| true, ts, out)
    }

    /// Expires the live orders of one market only (KRX and US sessions end at different times).
    pub fn expire_market(&mut self, market: Market, ts: DateTime<Utc>, out: &mut Vec<EngineEvent>) -> usize {
        self.expire_where(|o| o.symbol.market() == market, ts, out)
    }

    fn expire_where(&mut self, pick: impl Fn(&Order) -> bool, ts: DateTime<Utc>, out: &mut Vec<EngineEvent>) -> usize {
        let live: Vec<usize> = (0..self.state.orders.len())
            .filter(|&i| self.state.orders[i].status.is_live() && pick(&self.state.orders[i]))
            .collect();
        for &at in &live {
            let qty = self.retire(at, OrderStatus::Expired, ts);
            out.push(EngineEvent::Expired { order: self.state.orders[at].id, qty, ts });
        }
        live.len()
    }

    /// Drops final orders of trading days before `date`, so a long-running simulator's state stays small.
    /// Live orders are kept whatever their date.
    pub fn forget_orders_before(&mut self, date: NaiveDate) -> usize {
        let before = self.state.orders.len();
        self.state.orders.retain(|o| o.status.is_live() || o.trade_date >= date);
        before - self.state.orders.len()
    }
}
