//! Reading the account from the broker: cash and holdings from every page of `inquire-balance`.

use kis_client::Priority;
use kis_journal::{BrokerView, kst_day};
use kis_model::{Price, Qty, Symbol};
use kis_protocol::rest::domestic_account::BalanceRequest;
use rust_decimal::Decimal;

use crate::kis_api::{ApiCallError, KisApi};

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
    let request = BalanceRequest {
        cano: api.account().cano().to_string(),
        acnt_prdt_cd: api.account().product().to_string(),
        afhr_flpr_yn: "N".into(),
        inqr_dvsn: "02".into(),
        unpr_dvsn: "01".into(),
        fund_sttl_icld_yn: "N".into(),
        fncg_amt_auto_rdpt_yn: "N".into(),
        prcs_dvsn: "00".into(),
        ..BalanceRequest::default()
    };
    let pages = api
        .call_paged(request, Priority::Account, "inquire-balance", |r, c| {
            r.ctx_area_fk100 = c.fk;
            r.ctx_area_nk100 = c.nk;
        })
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
