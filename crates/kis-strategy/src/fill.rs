//! Executions as strategies see them.

use chrono::{DateTime, Utc};
use kis_model::{Price, Qty, Side, Symbol};
use serde::{Deserialize, Serialize};

use crate::signal::StrategyId;

/// One execution of one of our orders (a partial fill is one report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FillReport {
    pub symbol: Symbol,
    pub side: Side,
    pub qty: Qty,
    pub price: Price,
    pub ts: DateTime<Utc>,
    /// The strategy whose signal produced the order, when known (reconciled orders may have none).
    pub strategy_id: Option<StrategyId>,
}
