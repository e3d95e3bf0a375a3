//! The broker's side of reconciliation: every page of today's `inquire-daily-ccld` (and, at start, of
//! `inquire-balance`), reduced to a [`BrokerView`]. A page that fails fails the whole view: deciding "never
//! sent" from a list with a hole in it could lose an order.

use chrono::NaiveDate;
use kis_client::Priority;
use kis_journal::{BrokerRowError, BrokerView};
use kis_model::{AccountNo, UsExchange};
use kis_protocol::rest::PagedRequest;
use kis_protocol::rest::domestic_account::{BalanceRequest, CcldWindow, DailyCcld, DailyCcldQuery};
use kis_protocol::rest::overseas_account::{UsOrderHistoryRequest, UsUnfilledRequest};
use thiserror::Error;

use super::send::scrub;
use crate::kis_api::KisApi;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ViewError {
    /// The inquiry failed; `detail` has the account number scrubbed.
    #[error("{what} failed: {detail}")]
    Call { what: &'static str, detail: String },
    #[error(transparent)]
    Rows(#[from] BrokerRowError),
}

/// All of `day`'s domestic orders, oldest first, with fills so far.
pub fn daily_ccld_request(account: &AccountNo, day: NaiveDate) -> DailyCcld {
    let ymd = day.format("%Y%m%d").to_string();
    DailyCcld {
        window: CcldWindow::Recent,
        query: DailyCcldQuery {
            cano: account.cano().to_string(),
            acnt_prdt_cd: account.product().to_string(),
            inqr_strt_dt: ymd.clone(),
            inqr_end_dt: ymd,
            // All sides, oldest first, filled and unfilled alike.
            sll_buy_dvsn_cd: "00".into(),
            inqr_dvsn: "01".into(),
            ccld_dvsn: "00".into(),
            inqr_dvsn_3: "00".into(),
            ..DailyCcldQuery::default()
        },
    }
}

/// Holdings by symbol, today's trades included.
pub fn balance_request(account: &AccountNo) -> BalanceRequest {
    BalanceRequest {
        cano: account.cano().to_string(),
        acnt_prdt_cd: account.product().to_string(),
        afhr_flpr_yn: "N".into(),
        ofl_yn: String::new(),
        inqr_dvsn: "02".into(),
        unpr_dvsn: "01".into(),
        fund_sttl_icld_yn: "N".into(),
        fncg_amt_auto_rdpt_yn: "N".into(),
        prcs_dvsn: "00".into(),
        ctx_area_fk100: String::new(),
        ctx_area_nk100: String::new(),
    }
}

/// The New York days an overseas history read covers: from `first_day` to the New York date of `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsWindow {
    pub at: chrono::DateTime<chrono::Utc>,
    pub first_day: NaiveDate,
}

/// New York days before the read that an open US intent can pull the history back to (a long weekend with a
/// holiday on either side); an older open intent is left to a person ([`kis_journal::ConflictKind::Stale`]).
pub const US_LOOKBACK_DAYS: u64 = 6;

impl UsWindow {
    /// Yesterday and today in New York (a session crossing midnight in either city is covered), reaching back
    /// to the New York day of the oldest open US intent (`open_created`), at most [`US_LOOKBACK_DAYS`]: after
    /// a weekend a Friday order left open by a crash is settled from Friday's rows, not called stale.
    pub fn new(
        at: chrono::DateTime<chrono::Utc>,
        open_created: impl IntoIterator<Item = chrono::DateTime<chrono::Utc>>,
    ) -> UsWindow {
        let today = kis_journal::ny_day(at);
        let yesterday = today.pred_opt().unwrap_or(today);
        let floor = today.checked_sub_days(chrono::Days::new(US_LOOKBACK_DAYS)).unwrap_or(today);
        let oldest = open_created.into_iter().map(kis_journal::ny_day).min().unwrap_or(yesterday);
        UsWindow { at, first_day: oldest.clamp(floor, yesterday) }
    }
}

/// The overseas order history of `window`'s New York days, every exchange, every page.
pub fn us_history_request(account: &AccountNo, window: UsWindow) -> UsOrderHistoryRequest {
    let today = kis_journal::ny_day(window.at);
    UsOrderHistoryRequest {
        cano: account.cano().to_string(),
        acnt_prdt_cd: account.product().to_string(),
        pdno: "%".into(),
        ord_strt_dt: window.first_day.format("%Y%m%d").to_string(),
        ord_end_dt: today.format("%Y%m%d").to_string(),
        sll_buy_dvsn: "00".into(),
        ccld_nccs_dvsn: "00".into(),
        ovrs_excg_cd: "%".into(),
        sort_sqn: "AS".into(),
        ..UsOrderHistoryRequest::default()
    }
}

/// The unfilled US orders listed under `exchange` (`inquire-nccs`, real only).
pub fn us_unfilled_request(account: &AccountNo, exchange: UsExchange) -> UsUnfilledRequest {
    UsUnfilledRequest {
        cano: account.cano().to_string(),
        acnt_prdt_cd: account.product().to_string(),
        ovrs_excg_cd: exchange.order_code().into(),
        sort_sqn: "DS".into(),
        ctx_area_fk200: String::new(),
        ctx_area_nk200: String::new(),
    }
}

/// Today's orders (`day` is the venue's KST date) and, when `holdings`, the positions; with `us` the overseas
/// order history of its days too, and on real accounts with `unfilled` the overseas unfilled list.
pub async fn fetch(
    api: &KisApi,
    day: NaiveDate,
    holdings: bool,
    us: Option<UsWindow>,
    unfilled: bool,
) -> Result<BrokerView, ViewError> {
    let account = api.account().clone();
    let failed = |what: &'static str| {
        let account = account.clone();
        move |e: crate::kis_api::ApiCallError| ViewError::Call { what, detail: scrub(&e.to_string(), &account) }
    };
    let pages = api
        .call_paged(daily_ccld_request(&account, day), Priority::Account, "inquire-daily-ccld", |r, c| {
            r.query.set_continuation(c)
        })
        .await
        .map_err(failed("inquire-daily-ccld"))?;
    let rows: Vec<_> = pages.into_iter().flat_map(|p| p.output1).collect();
    let positions: Vec<_> = if holdings {
        api.call_paged(balance_request(&account), Priority::Account, "inquire-balance", |r, c| r.set_continuation(c))
            .await
            .map_err(failed("inquire-balance"))?
            .into_iter()
            .flat_map(|p| p.output1)
            .collect()
    } else {
        Vec::new()
    };
    let mut view = BrokerView::from_rows(day, &rows, &positions)?;
    if let Some(window) = us {
        let us_rows: Vec<_> = api
            .call_paged(us_history_request(&account, window), Priority::Account, "inquire-ccnl (US)", |r, c| {
                r.set_continuation(c)
            })
            .await
            .map_err(failed("inquire-ccnl (US)"))?
            .into_iter()
            .flat_map(|p| p.output)
            .collect();
        view.add_us_orders(&us_rows)?;
        view.us_history_since(window.first_day);
        if unfilled && api.env() == kis_model::Environment::Real {
            // Evidence of live orders beside the history: every exchange code, every page.
            for exchange in [UsExchange::Nasdaq, UsExchange::Nyse, UsExchange::Amex] {
                let unfilled: Vec<_> = api
                    .call_paged(
                        us_unfilled_request(&account, exchange),
                        Priority::Account,
                        "inquire-nccs (US)",
                        |r, c| r.set_continuation(c),
                    )
                    .await
                    .map_err(failed("inquire-nccs (US)"))?
                    .into_iter()
                    .flat_map(|p| p.output)
                    .collect();
                view.add_us_unfilled(&unfilled)?;
            }
        }
    }
    Ok(view)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_us_history_reaches_back_to_the_oldest_open_intent_within_the_lookback() {
        let t = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        // Monday 2026-03-09 10:00 New York (EDT from the 8th).
        let monday = t("2026-03-09T14:00:00Z");
        assert_eq!(UsWindow::new(monday, []).first_day, d(2026, 3, 8), "yesterday in New York");
        // A Friday intent left open: Friday's rows are read.
        let friday = t("2026-03-06T20:55:00Z");
        assert_eq!(UsWindow::new(monday, [monday, friday]).first_day, d(2026, 3, 6));
        // Older than the lookback: the read stops there (the intent is a person's to decide).
        let weeks_ago = t("2026-02-20T15:00:00Z");
        assert_eq!(UsWindow::new(monday, [weeks_ago]).first_day, d(2026, 3, 3));
        let account = AccountNo::from_parts("50012345", "01").unwrap();
        let req = us_history_request(&account, UsWindow::new(monday, [friday]));
        assert_eq!((req.ord_strt_dt.as_str(), req.ord_end_dt.as_str()), ("20260306", "20260309"));
    }

    #[test]
    fn requests_cover_the_whole_day_and_every_holding() {
        let account = AccountNo::from_parts("50012345", "01").unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
        let ccld = daily_ccld_request(&account, day);
        let pairs = ccld.query.pairs();
        let get = |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
        assert_eq!(get("INQR_STRT_DT").as_deref(), Some("20260304"));
        assert_eq!(get("INQR_END_DT").as_deref(), Some("20260304"));
        assert_eq!(get("CCLD_DVSN").as_deref(), Some("00"));
        assert_eq!(get("SLL_BUY_DVSN_CD").as_deref(), Some("00"));
        assert_eq!(get("PDNO").as_deref(), Some(""), "every symbol");
        assert_eq!(ccld.window, CcldWindow::Recent);
        let balance = balance_request(&account).pairs();
        assert!(balance.iter().any(|(k, v)| *k == "INQR_DVSN" && v == "02"));
        assert!(balance.iter().any(|(k, v)| *k == "CANO" && v == "50012345"));
    }
}
