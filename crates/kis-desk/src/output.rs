//! What the desk decides, as typed outputs the caller routes: orders to send, refusals to count, exits that
//! fired, changes of the trading state, fills booked, feeds to watch.

use chrono::NaiveDate;
use kis_model::{Currency, Market, Price, Qty, Side, Symbol};
use kis_strategy::risk::{HaltCause, OrderIntent, RefuseReason, TradingState};
use kis_strategy::{AccountSnapshot, ExitReason, FillReport};
use rust_decimal::Decimal;

use crate::day::Realised;
use crate::ledger::{Adopted, LedgerError};

/// Why a signal did not become an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The market's account has not been read from the broker yet: nothing is judged on a guess.
    NotReady(Market),
    /// No rules are configured for the symbol's market.
    MarketNotTraded(Market),
    /// The risk rules said no.
    Risk(RefuseReason),
    /// The order's cash could not be held (no reference data for the symbol's day, a US order without a limit).
    Unreservable(LedgerError),
}

impl Refusal {
    /// A short machine name, for counters and log fields.
    pub fn label(&self) -> &'static str {
        match self {
            Refusal::NotReady(_) => "not_ready",
            Refusal::MarketNotTraded(_) => "other_market",
            Refusal::Risk(r) => r.label(),
            Refusal::Unreservable(_) => "unreservable",
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotReady(m) => write!(f, "the {m:?} account has not been read from the broker yet"),
            Refusal::MarketNotTraded(m) => write!(f, "no strategy or risk rules are configured for {m:?}"),
            Refusal::Risk(r) => write!(f, "{r}"),
            Refusal::Unreservable(e) => write!(f, "cannot hold the order's cash: {e}"),
        }
    }
}

/// What became of a judged signal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Approved,
    Refused(Refusal),
}

/// How an order the desk waited on ended, as the router reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderEnd {
    Filled,
    /// KIS refused it: it reached KIS and took its rate slot.
    Rejected,
    /// It never reached KIS: its rate slot is given back.
    NotSent,
    Cancelled,
    /// Its outcome is unknown and stays with the router; the desk stops waiting on it.
    Uncertain,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Send this order (the router journals it first). `snapshot` is the account it was judged on.
    Order {
        intent: OrderIntent,
        snapshot: AccountSnapshot,
        currency: Currency,
    },
    /// A signal refused; `first` when it is the first refusal with this label (log it loudly once).
    Refused {
        symbol: Symbol,
        reason: Refusal,
        first: bool,
    },
    /// An exit rule fired for a held position (`retry` when a blocked exit was tried again).
    ExitFired {
        symbol: Symbol,
        reason: ExitReason,
        price: Price,
        avg_price: Price,
        retry: bool,
    },
    /// The working protective sell of `symbol` no longer reaches the market (a trade at `price` printed under
    /// its limit): re-price it to `limit` ([`crate::chase`]).
    Reprice {
        symbol: Symbol,
        side: Side,
        limit: Price,
        price: Price,
    },
    /// A protective exit is due but another order holds the symbol: cancel that order (the exit goes out
    /// once it ended). Repeated every [`PREEMPT_AGAIN`](crate::desk::PREEMPT_AGAIN) while the order stays.
    CancelForExit {
        symbol: Symbol,
        reason: ExitReason,
        price: Price,
    },
    /// A cause restricts a market's trading now (or stopped doing so: `lifted`).
    Restriction {
        market: Market,
        cause: HaltCause,
        to: TradingState,
        now: TradingState,
        lifted: bool,
    },
    /// A fill moved the account.
    Booked {
        fill: FillReport,
        realised: Option<Realised>,
    },
    /// A fill the account cannot take (more sold than held, a fee-table gap): the caller re-reads the broker.
    FillRefused {
        fill: FillReport,
        error: LedgerError,
    },
    /// An order ended; `avg_price` is the average of its own fills.
    OrderEnded {
        symbol: Symbol,
        side: Side,
        filled: Qty,
        end: OrderEnd,
        avg_price: Option<Price>,
    },
    /// The market's account was read for the first time: trading in it may begin.
    Ready {
        market: Market,
        cash: Decimal,
        equity: Decimal,
        positions: usize,
    },
    /// A holding taken from the broker, with its exit state restored or fresh.
    Adopted(Adopted),
    /// Keep trades of this held symbol coming (exits watch every trade), or stop.
    Watch(Symbol),
    Unwatch(Symbol),
    /// The account as seen by these symbols changed (all of a currency's symbols when cash moved).
    SnapshotsChanged(Currency),
    NewDay {
        market: Market,
        date: NaiveDate,
    },
}
