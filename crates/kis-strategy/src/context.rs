//! What a strategy may know at the moment of an event: the time and the account for its own symbol.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::account_snapshot::AccountSnapshot;

/// Built by the caller (daemon actor, backtester) for every event; strategies never ask for the time or the
/// account themselves, which is what lets one strategy run live and in a backtest. The account part is the
/// desk's [`AccountSnapshot`]; its fields read through (`ctx.position`, `ctx.available_cash`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Context {
    pub now: DateTime<Utc>,
    pub account: AccountSnapshot,
}

impl std::ops::Deref for Context {
    type Target = AccountSnapshot;

    fn deref(&self) -> &AccountSnapshot {
        &self.account
    }
}

impl std::ops::DerefMut for Context {
    fn deref_mut(&mut self) -> &mut AccountSnapshot {
        &mut self.account
    }
}

impl Context {
    pub fn new(now: DateTime<Utc>, account: AccountSnapshot) -> Context {
        Context { now, account }
    }

    /// A flat account with `cash` available and no history: the usual start of a test or backtest.
    pub fn flat(now: DateTime<Utc>, cash: Decimal) -> Context {
        Context { now, account: AccountSnapshot::flat(cash) }
    }

    /// The same moment with `edit` applied to the account (tests: a pending order, a holding).
    pub fn with(mut self, edit: impl FnOnce(&mut AccountSnapshot)) -> Context {
        edit(&mut self.account);
        self
    }
}
