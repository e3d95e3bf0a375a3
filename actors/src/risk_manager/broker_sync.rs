//! Reading a market's account from the broker: KRX cash and holdings from every page of `inquire-balance`;
//! US ones from the overseas balance and present-balance inquiries.

use kis_client::Priority;
use kis_journal::{BrokerView, kst_day};
use kis_model::{Market, Price, Qty, Symbol};
use kis_protocol::rest::pagination::PagedRequest;
use rust_decimal::Decimal;

use crate::kis_api::{ApiCallError, KisApi};
use crate::order_router::broker_view::balance_request;

/// A market's account as the broker reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerAccount {
    /// Cash that can still be spent, in the market's currency (KRX: after today's trades settle, D+2,
    /// `prvs_rcdl_excc_amt`).
    pub cash: Decimal,
    /// (symbol, quantity, average purchase price), summed over KIS's per-trade-type rows.
    pub holdings: Vec<(Symbol, Qty, Price)>,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{what}: {source}")]
    Call { what: &'static str, source: ApiCallError },
    #[error("{what}: {detail}")]
    Rows { what: &'static str, detail: String },
    #[error("inquire-balance: the reply has no account summary (output2)")]
    NoSummary,
    #[error("the {0:?} account cannot be read yet")]
    NotWired(Market),
}

pub async fn fetch_account(api: &KisApi, market: Market) -> Result<BrokerAccount, SyncError> {
    match market {
        Market::Krx => fetch_krx(api).await,
        Market::Us => Err(SyncError::NotWired(Market::Us)),
    }
}

async fn fetch_krx(api: &KisApi) -> Result<BrokerAccount, SyncError> {
    const WHAT: &str = "inquire-balance";
    let rows = |detail: String| SyncError::Rows { what: WHAT, detail };
    let pages = api
        .call_paged(balance_request(api.account()), Priority::Account, WHAT, |r, c| r.set_continuation(c))
        .await
        .map_err(|source| SyncError::Call { what: WHAT, source })?;
    let summary = pages.iter().find_map(|p| p.output2.first()).ok_or(SyncError::NoSummary)?;
    let cash = summary.prvs_rcdl_excc_amt().map_err(|e| rows(e.to_string()))?;
    let balance: Vec<_> = pages.iter().flat_map(|p| p.output1.iter().cloned()).collect();
    // The day only matters for the order list, which is empty here.
    let view = BrokerView::from_rows(kst_day(chrono::Utc::now()), &[], &balance).map_err(|e| rows(e.to_string()))?;
    let mut holdings = Vec::with_capacity(view.holdings.len());
    for h in view.holdings {
        let avg = h
            .avg_price()
            .and_then(|a| Price::new(a).ok())
            .ok_or_else(|| rows(format!("holding of {} has no usable average price", h.symbol)))?;
        holdings.push((h.symbol, h.qty, avg));
    }
    Ok(BrokerAccount { cash, holdings })
}
