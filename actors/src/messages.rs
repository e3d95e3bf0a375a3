//! The typed messages that cross actor boundaries. Messages an actor only receives from its own tests or from
//! the wiring (e.g. `Shutdown`, health queries) live beside that actor; everything here is traffic between two
//! actors of the daemon, so both sides name one type.
//!
//! Hot-path messages (`MarketBatch`) are sent with `do_send` only and carry an `Arc` so that one decoded frame
//! fans out to the cache, the symbol's SignalActor and the RiskManager without a copy per recipient.

use std::fmt;
use std::sync::Arc;

use actix::prelude::*;
use chrono::{DateTime, Utc};
use kis_model::{ClientOrderId, Market, MarketEvent, OrderNo, Price, Qty, Side, Symbol};
use kis_strategy::risk::{HaltCause, OrderIntent};
use kis_strategy::{FillReport, Signal};

/// Market events of one symbol (or of several, in time order), as decoded from one WebSocket frame.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct MarketBatch(pub Arc<[MarketEvent]>);

/// Who holds a subscription. Subscriptions are reference-counted by owner: the same owner subscribing the
/// same symbol again (a restarted SignalActor) replaces its recipient instead of adding a reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubscriberId(pub Arc<str>);

impl SubscriberId {
    pub fn new(name: &str) -> SubscriberId {
        SubscriberId(Arc::from(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SubscriberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Asks the feed for a symbol's trades (and books, when `books`) to be delivered to `to`.
#[derive(Message)]
#[rtype(result = "Result<(), SubscribeError>")]
pub struct Subscribe {
    pub owner: SubscriberId,
    pub symbol: Symbol,
    pub books: bool,
    pub to: Recipient<MarketBatch>,
}

/// Drops `owner`'s reference to `symbol`; the feed deregisters at KIS when the last reference goes.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct Unsubscribe {
    pub owner: SubscriberId,
    pub symbol: Symbol,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubscribeError {
    /// Every session's registrations are in use (KIS allows 41 per app key).
    #[error("no WebSocket registration left for {symbol}: {used} of {capacity} in use")]
    NoCapacity { symbol: Symbol, used: usize, capacity: usize },
}

/// What a domestic or overseas order/fill notice says, decrypted and typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionNotice {
    pub market: Market,
    pub order_no: OrderNo,
    /// The order a modify/cancel refers to.
    pub original_order_no: Option<OrderNo>,
    pub symbol: Symbol,
    pub side: Side,
    pub kind: NoticeKind,
    /// Fill quantity on fills; order quantity otherwise.
    pub qty: Qty,
    /// Fill price on fills; order price otherwise (`None` for a market order's receipt).
    pub price: Option<Price>,
    /// The broker's time of the event, `HHMMSS` as sent (it identifies a repeated notice).
    pub time_hhmmss: String,
    /// The same time as an instant (venue date + broker time).
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    Fill,
    /// The order (or a modify/cancel of it) was accepted.
    Accepted,
    Rejected,
}

/// A notice from the feed to the OrderRouter.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct Notice(pub ExecutionNotice);

/// The feed's state, for the supervisor's health lines and for tests.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "FeedStatus")]
pub struct GetFeedStatus;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedStatus {
    /// Sessions currently connected and approved.
    pub connected: usize,
    pub sessions: usize,
    /// Symbols with at least one subscriber.
    pub symbols: usize,
    /// KIS registrations (one per TR id and key) confirmed over all sessions.
    pub registrations: usize,
    pub reconnects: u64,
    pub frames: u64,
    pub bad_frames: u64,
    pub notices: u64,
}

/// A strategy's signal, from a SignalActor to the RiskManager, with the last trade price the strategy saw:
/// a market order is sized at it (the RiskManager follows only the symbols it holds).
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct SignalMsg {
    pub signal: Signal,
    pub last_price: Option<Price>,
    /// The instant of the market event the strategy judged (its `Context::now`). The desk judges the signal
    /// at that instant, as the backtester does, so that delays measured from a decision ("60 s between two
    /// buys") do not shift by the signal's trip through the actors.
    pub at: chrono::DateTime<chrono::Utc>,
}

/// An order the RiskManager approved, for the OrderRouter to journal and send.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct ApprovedOrder {
    pub intent: OrderIntent,
    /// On the venue's clock.
    pub decided_at: DateTime<Utc>,
}

/// A protective exit of `symbol` is due while another order of the symbol is open: the OrderRouter cancels
/// every open order of the symbol (journaled like any cancel) and drops its queued ones, so the exit can go
/// out once they ended. Repeatable: orders already being cancelled are left alone.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct CancelForExit {
    pub symbol: Symbol,
    pub reason: kis_strategy::ExitReason,
}

/// The working `side` order of `symbol` should rest at `limit` instead: the OrderRouter modifies its unfilled
/// rest (journaled before the request leaves; `TTTT1004U`/`VTTT1004U` for a US order), and the broker's
/// answer, or its lists, settle the outcome. Sent by the RiskManager for a protective US sell the market has
/// fallen away from; ignored when no such order works or a modify or cancel of it is under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Message)]
#[rtype(result = "()")]
pub struct Reprice {
    pub symbol: Symbol,
    pub side: Side,
    pub limit: Price,
}

/// What the OrderRouter learned about one of the daemon's orders, for the RiskManager (positions, cash,
/// pending flags) and the symbol's SignalActor.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct OrderUpdate {
    pub symbol: Symbol,
    pub event: OrderEvent,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OrderEvent {
    /// Journaled and accepted by the broker.
    Working {
        qty: Qty,
        side: Side,
    },
    Filled(FillReport),
    /// A fill of an order from before this start, learned while reconciling: the broker's balance already
    /// holds it, so it is not booked again; the RiskManager re-reads the balance instead.
    FilledBeforeStart(FillReport),
    /// Nothing more will happen to the order: fully filled, cancelled, rejected or never sent.
    Closed {
        side: Side,
        filled: Qty,
        reason: CloseReason,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseReason {
    Filled,
    Cancelled,
    /// The broker refused it (`msg_cd`, message).
    Rejected {
        code: String,
        message: String,
    },
    /// It never reached the broker, and why.
    NotSent(NotSent),
    /// The send failed in a way that leaves the broker's state unknown; reconciliation will tell.
    Uncertain,
}

/// Why an approved order never reached KIS. Each is certain: an order whose arrival is in doubt is never
/// closed with one of these until the broker's lists say so ([`NotSent::NeverReachedKis`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotSent {
    /// The router has not reconciled the journal with the broker yet.
    NotReconciled,
    /// The journal cannot be written; nothing is sent until a restart.
    JournalUnavailable(String),
    /// Its `Sent` line could not be made durable, so it was not sent.
    NotDurable(String),
    /// Another order of the symbol has an unknown outcome.
    OutcomeUnknown { intent: ClientOrderId, symbol: Symbol },
    /// The symbol is paused until a person resolves a reconciliation conflict.
    Paused { symbol: Symbol, why: String },
    /// It waited in the queue longer than a decision stays good.
    Stale { waited: chrono::TimeDelta },
    /// It cannot be written as a KIS order (a US auction order on a KRX symbol, a price off the grid...).
    Unpreparable(String),
    /// A cancel-all dropped it from the queue.
    CancelAll,
    /// A protective exit of its symbol is due: it was dropped from the queue.
    ForExit(kis_strategy::ExitReason),
    /// The send failed before any byte of it could have reached KIS.
    NotExecuted(String),
    /// Its send was in doubt; the broker's lists, read past the latest time KIS could have taken it, do not
    /// show it.
    NeverReachedKis,
    /// Journaled before a restart and, as the broker's lists show, never sent.
    FoundUnsentAtRestart,
}

impl fmt::Display for NotSent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotSent::NotReconciled => write!(f, "router not reconciled yet"),
            NotSent::JournalUnavailable(e) => write!(f, "journal unavailable: {e}"),
            NotSent::NotDurable(e) => write!(f, "journal not durable: {e}"),
            NotSent::OutcomeUnknown { intent, symbol } => write!(
                f,
                "the outcome of intent {intent} on {symbol} is unknown; no new order on it until the broker shows it"
            ),
            NotSent::Paused { symbol, why } => write!(f, "{symbol} is paused: {why}"),
            NotSent::Stale { waited } => write!(f, "stale: decided {:.1} s ago", waited.as_seconds_f64()),
            NotSent::Unpreparable(e) => write!(f, "{e}"),
            NotSent::CancelAll => write!(f, "cancel-all: dropped before sending"),
            NotSent::ForExit(reason) => write!(f, "dropped before sending: a {reason} of its symbol is due"),
            NotSent::NotExecuted(detail) => write!(f, "{detail}"),
            NotSent::NeverReachedKis => write!(f, "never reached KIS"),
            NotSent::FoundUnsentAtRestart => write!(f, "never reached the broker (found at restart)"),
        }
    }
}

/// The desk's account snapshot for one symbol, pushed to its SignalActor by the RiskManager whenever it
/// changed, so that the tick path never waits on a request.
#[derive(Debug, Clone, Copy, PartialEq, Message)]
#[rtype(result = "()")]
pub struct AccountUpdate(pub kis_strategy::AccountSnapshot);

/// Stop opening positions (`reduce_only`) or stop trading (protective exits still go out, except for
/// [`HaltCause::Shutdown`]), with the typed cause and the reason for the log.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct Halt {
    pub cause: HaltCause,
    pub reason: String,
    pub reduce_only: bool,
    /// `None`: every market.
    pub market: Option<kis_model::Market>,
    /// An alert for the trader (escalation, operator); false for the planned stop at shutdown.
    pub alert: bool,
}

/// The Screener's decision: symbols that joined the watchlist (each gets a SignalActor and a subscription)
/// and symbols that left it (their SignalActor stops; the subscription goes when no one else holds it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Message)]
#[rtype(result = "()")]
pub struct WatchlistChange {
    pub added: Vec<Symbol>,
    pub removed: Vec<Symbol>,
}
