//! The order router's durable memory, free of actors and sockets so every rule here is unit-tested.
//!
//! - [`journal`]: the write-ahead file. Every decision and every state change of an order is one JSON line,
//!   synced before the call returns; an intent is durable before its order is sent.
//! - [`intents`]: the journal folded into the current state of each intent.
//! - [`broker`]: KIS's list of today's orders and the holdings, reduced to what is compared.
//! - [`reconcile`]: after a restart, what the journal and the broker together say to do — which never
//!   includes sending an order again.
//! - [`unknown`]: sends and modifies whose outcome is unknown, settled only by the broker's evidence.
//!
//! Time is always passed in; nothing here reads a clock. The journal holds no account number or secret.

pub mod broker;
pub mod entry;
pub mod intents;
pub mod journal;
pub mod reconcile;
pub mod unknown;

pub use broker::{BrokerOrder, BrokerRowError, BrokerView, Holding, ny_day};
pub use entry::{
    DoneReason, Entry, Event, FillId, FillRecord, IntentRecord, ModifyLapse, OrderKind, Origin, StrategyId,
};
pub use intents::{Applied, FoldError, IntentBook, IntentState, IntentView, PendingModify};
pub use journal::{
    Journal, JournalError, OpenReport, ReadOutcome, Recorded, SyncHandle, SyncPolicy, TornTail, read_entries,
};
pub use reconcile::{Action, Conflict, ConflictKind, MatchRules, reconcile};
pub use unknown::{Pending, Settlement, UnknownOutcomes, is_modify_unknown, is_unknown};
