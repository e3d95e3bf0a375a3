//! Reading the account from the broker: cash and holdings from every page of `inquire-balance`.

use kis_client::Priority;
use kis_journal::{BrokerView, kst_day};
use kis_model::{Price, Qty, Symbol};
use kis_protocol::rest::pagination::PagedRequest;
use rust_decimal::Decimal;

use crate::kis_api::{ApiCallError, KisApi};
use crate::order_router::broker_view::balance_request;

/// The account as the broker reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSnapshot {
    /// Cash after today's trades settle (D+2, `prvs_rcdl_excc_amt`): what can still be spent.
    pub cash: Decimal,
    /// (symbol, quantity, average purchase price), summed over KIS's per-trade-type rows.
    pub holdings: Vec<(Symbol, Qty, Price)>,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("inquire-balance: {0}")]
    Call(#[from] ApiCallError),
    #[error("inquire-balance: {0}")]
    Rows(String),
    #[error("inquire-balance: the reply has no account summary (output2)")]
    NoSummary,
}

pub async fn fetch_account(api: &KisApi) -> Result<AccountSnapshot, SyncError> {
    let pages = api
        .call_paged(balance_request(api.account()), Priority::Account, "inquire-balance", |r, c| r.set_continuation(c))
        .await?;
    let summary = pages.iter().find_map(|p| p.output2.first()).ok_or(SyncError::NoSummary)?;
    let cash = summary.prvs_rcdl_excc_amt().map_err(|e| SyncError::Rows(e.to_string()))?;
    let rows: Vec<_> = pages.iter().flat_map(|p| p.output1.iter().cloned()).collect();
    // The day only matters for the order list, which is empty here.
    let view =
        BrokerView::from_rows(kst_day(chrono::Utc::now()), &[], &rows).map_err(|e| SyncError::Rows(e.to_string()))?;
    let mut holdings = Vec::with_capacity(view.holdings.len());
    for h in view.holdings {
        let avg = h
            .avg_price()
            .and_then(|a| Price::new(a).ok())
            .ok_or_else(|| SyncError::Rows(format!("holding of {} has no usable average price", h.symbol)))?;
        holdings.push((h.symbol, h.qty, avg));
    }
    Ok(AccountSnapshot { cash, holdings })
}
