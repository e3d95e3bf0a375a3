//! Matching of *our* orders against a market the caller feeds in, and the cash and holdings behind them.
//!
//! Used by the KIS-compatible exchange simulator (which turns [`EngineEvent`]s into REST replies and execution
//! notices) and by the backtester, so both see the same fills, fees and balances. The engine is deterministic
//! and pure: no clock (every call carries its timestamp), no calendar (the caller says whether a session is
//! open and which trading day a symbol's reference data belongs to), no I/O.
//!
//! Conventions, chosen to be conservative and to match what KIS shows:
//! - A resting limit order fills at **its limit price** when a print trades through it ([`FillRule::Through`])
//!   or touches it ([`FillRule::Touch`]); never better, since a print says nothing about queue position.
//!   A marketable order at submit walks the last known book and fills at the level prices.
//! - Fill volume is bounded by the print's volume, shared across our eligible orders in price-time priority;
//!   the buy and the sell side each see the whole print.
//! - Buys reserve `limit × remaining + commission` (a KRX market buy at the upper daily limit); fills debit the
//!   actual notional and commission and release the reservation of the filled part.
//! - The average purchase price excludes fees (KIS `pchs_avg_pric`); realised PnL of a sell is
//!   `proceeds − cost of the shares sold − commission − tax`, where the cost taken out is the average cost
//!   × quantity, rounded to the won/cent (the whole remaining cost when the position is closed). Buy
//!   commissions are in `fees_paid` and in cash, not in realised PnL.

pub mod account;
pub mod booking;
pub mod cash;
pub mod engine;
pub mod event;
pub mod matching;
pub mod order;
pub mod position;
pub mod query;
pub mod reject;
pub mod spec;
mod validate;

pub use account::Account;
pub use booking::{Booked, BookingError, book_fill, buy_reservation, fees_for, reservation_bound};
pub use cash::{CashBalance, CashBook};
pub use engine::{Engine, EngineConfig, EngineError, EngineState};
pub use event::{EngineEvent, Fill};
pub use matching::FillRule;
pub use order::{ModifyRequest, NewOrder, Order, OrderCode, OrderKind, OrderStatus};
pub use position::Position;
pub use query::{Buyable, CashSummary, OrderFilter};
pub use reject::RejectReason;
pub use spec::{MarketRules, SpecError, SymbolSpec};
