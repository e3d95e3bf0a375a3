//! Reading a market's account from the broker: KRX cash and holdings from every page of `inquire-balance`;
//! US ones from the overseas balance and present-balance inquiries, and the USD buying power from the
//! buyable-amount inquiry (`inquire-psamount`).

use chrono::{DateTime, Utc};
use kis_client::Priority;
use kis_journal::BrokerView;
use kis_model::kst::kst_date;
use kis_model::{Environment, Market, Price, Qty, Symbol, UsExchange};
use kis_protocol::rest::overseas_account::{UsBalanceRequest, UsBuyableRequest};
use kis_protocol::rest::overseas_present_balance::UsPresentBalanceRequest;
use kis_protocol::rest::pagination::PagedRequest;
use rust_decimal::Decimal;

use crate::kis_api::{ApiCallError, KisApi};
use crate::order_router::broker_view::balance_request;

/// How often the feed's reconnect count is looked at: a reconnect may have dropped notices, so the account
/// is re-read at the next quiet moment rather than at the next period.
pub(super) const RECONNECT_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

impl super::RiskManager {
    /// The symbol and price the US buying power is asked about (see [`BuyableProbe`]).
    pub(super) fn buyable_probe(&self) -> BuyableProbe {
        let ledger = self.desk.ledger();
        let symbol = self
            .config
            .buyable_probe
            .or_else(|| ledger.positions().map(|p| p.symbol).find(|s| s.market() == Market::Us))?;
        let price = ledger.last_price(symbol).or_else(|| ledger.position(symbol).map(|p| p.avg_price));
        Some((symbol, price.filter(|p| !p.is_zero()).unwrap_or(Price::new(Decimal::ONE).ok()?)))
    }

    /// Asks the feed for its reconnect count; once it grew, re-reads the accounts when no order is working.
    pub(super) fn watch_reconnects(&mut self, ctx: &mut actix::Context<Self>) {
        use actix::{ActorFutureExt, AsyncContext, WrapFuture};
        if self.resync_wanted && self.desk.ready() && !self.has_working() && !self.syncing {
            self.resync_wanted = false;
            tracing::info!(target: "risk", "the feed reconnected: re-reading the accounts");
            self.sync(ctx, super::SyncMode::Periodic);
        }
        let Some(feed) = self.feed.status.get() else { return };
        ctx.spawn(feed.send(crate::messages::GetFeedStatus).into_actor(self).map(|status, act, _| {
            let Ok(status) = status else { return };
            if act.feed_reconnects.is_some_and(|seen| status.reconnects > seen) {
                act.resync_wanted = true;
            }
            act.feed_reconnects = Some(status.reconnects);
        }));
    }
}

/// A market's account as the broker reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerAccount {
    /// Cash that can still be spent, in the market's currency (KRX: after today's trades settle, D+2,
    /// `prvs_rcdl_excc_amt`).
    pub cash: Decimal,
    /// (symbol, quantity, average purchase price), summed over KIS's per-trade-type rows.
    pub holdings: Vec<(Symbol, Qty, Price)>,
    /// What KIS says can be spent on buys now, net of its open orders (US: `ord_psbl_frcr_amt` of
    /// TTTS3007R/VTTS3007R); `None` when not read (KRX, no symbol to ask about, or the read failed).
    pub buying_power: Option<Decimal>,
}

/// The US symbol and price the buyable-amount inquiry is asked about: KIS wants one, though the amount it
/// answers (`ord_psbl_frcr_amt`) does not depend on it (only the quantities do).
pub type BuyableProbe = Option<(Symbol, Price)>;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{what}: {source}")]
    Call { what: &'static str, source: ApiCallError },
    #[error("{what}: {source}")]
    Field { what: &'static str, source: kis_protocol::rest::FieldError },
    #[error("{what}: {source}")]
    Row { what: &'static str, source: kis_journal::BrokerRowError },
    #[error("{what}: {code:?} is not a listing ({detail})")]
    Listing { what: &'static str, code: String, detail: String },
    #[error("{what}: holding of {symbol} has no usable average price")]
    NoAveragePrice { what: &'static str, symbol: Symbol },
    #[error("{what}: negative quantity {qty} of {symbol}")]
    NegativeQty { what: &'static str, symbol: Symbol, qty: i64 },
    #[error("inquire-psamount (US): {0} is not a US symbol")]
    NotUsSymbol(Symbol),
    #[error("inquire-present-balance (US): no USD row in output2")]
    NoUsdRow,
    #[error("inquire-balance: the reply has no account summary (output2)")]
    NoSummary,
}

/// `now` is the venue's clock.
pub async fn fetch_account(
    api: &KisApi,
    market: Market,
    probe: BuyableProbe,
    now: DateTime<Utc>,
) -> Result<BrokerAccount, SyncError> {
    match market {
        Market::Krx => fetch_krx(api, now).await,
        Market::Us => {
            let mut account = fetch_us(api).await?;
            if let Some((symbol, price)) = probe {
                match fetch_us_buying_power(api, symbol, price).await {
                    Ok(amount) => account.buying_power = Some(amount),
                    // The balance stands on its own; the desk then judges by its books alone.
                    Err(e) => tracing::warn!(target: "risk", error = %e, "cannot read the US buying power"),
                }
            }
            Ok(account)
        }
    }
}

/// `inquire-psamount` (TTTS3007R/VTTS3007R) for `symbol` at `price`: the USD the account can spend on buys.
async fn fetch_us_buying_power(api: &KisApi, symbol: Symbol, price: Price) -> Result<Decimal, SyncError> {
    const WHAT: &str = "inquire-psamount (US)";
    let Symbol::Us(exchange, ticker) = symbol else {
        return Err(SyncError::NotUsSymbol(symbol));
    };
    let account = api.account();
    let mut shown = price.value();
    shown.rescale(shown.scale().max(2));
    let request = UsBuyableRequest {
        cano: account.cano().to_string(),
        acnt_prdt_cd: account.product().to_string(),
        ovrs_excg_cd: exchange.order_code().into(),
        ovrs_ord_unpr: shown.to_string(),
        item_cd: ticker.as_str().to_string(),
    };
    let reply = api.call(&request, Priority::Account).await.map_err(|source| SyncError::Call { what: WHAT, source })?;
    reply.reply.body.output.ord_psbl_frcr_amt().map_err(|source| SyncError::Field { what: WHAT, source })
}

async fn fetch_krx(api: &KisApi, now: DateTime<Utc>) -> Result<BrokerAccount, SyncError> {
    const WHAT: &str = "inquire-balance";
    let pages = api
        .call_paged(balance_request(api.account()), Priority::Account, WHAT, |r, c| r.set_continuation(c))
        .await
        .map_err(|source| SyncError::Call { what: WHAT, source })?;
    let summary = pages.iter().find_map(|p| p.output2.first()).ok_or(SyncError::NoSummary)?;
    let cash = summary.prvs_rcdl_excc_amt().map_err(|source| SyncError::Field { what: WHAT, source })?;
    let balance: Vec<_> = pages.iter().flat_map(|p| p.output1.iter().cloned()).collect();
    // The day only matters for the order list, which is empty here; it is the venue's all the same.
    let view =
        BrokerView::from_rows(kst_date(now), &[], &balance).map_err(|source| SyncError::Row { what: WHAT, source })?;
    let mut holdings = Vec::with_capacity(view.holdings.len());
    for h in view.holdings {
        let avg = h
            .avg_price()
            .and_then(|a| Price::new(a).ok())
            .ok_or(SyncError::NoAveragePrice { what: WHAT, symbol: h.symbol })?;
        holdings.push((h.symbol, h.qty, avg));
    }
    Ok(BrokerAccount { cash, holdings, buying_power: None })
}

/// USD cash from `inquire-present-balance` (CTRP6504R/VTRP6504R, the deposit of the USD row) and holdings
/// from every page of `inquire-balance` (TTTS3012R/VTTS3012R). On real accounts `NASD` covers every US
/// market; on paper it means NASDAQ only, so each exchange is asked and the rows are merged.
async fn fetch_us(api: &KisApi) -> Result<BrokerAccount, SyncError> {
    const PRESENT: &str = "inquire-present-balance (US)";
    const BALANCE: &str = "inquire-balance (US)";
    let account = api.account();
    let present = UsPresentBalanceRequest {
        cano: account.cano().to_string(),
        acnt_prdt_cd: account.product().to_string(),
        wcrc_frcr_dvsn_cd: "02".into(),
        natn_cd: "840".into(),
        tr_mket_cd: "00".into(),
        inqr_dvsn_cd: "00".into(),
    };
    let reply =
        api.call(&present, Priority::Account).await.map_err(|source| SyncError::Call { what: PRESENT, source })?;
    let usd = reply
        .reply
        .body
        .output2
        .iter()
        .find(|c| c.crcy_cd.trim().eq_ignore_ascii_case("USD"))
        .ok_or(SyncError::NoUsdRow)?;
    let cash = usd.frcr_dncl_amt_2().map_err(|source| SyncError::Field { what: PRESENT, source })?;

    let exchanges: &[UsExchange] = match api.env() {
        Environment::Real => &[UsExchange::Nasdaq],
        Environment::Paper => &[UsExchange::Nasdaq, UsExchange::Nyse, UsExchange::Amex],
    };
    let field = |source| SyncError::Field { what: BALANCE, source };
    let listing =
        |code: &str, detail: String| SyncError::Listing { what: BALANCE, code: code.trim().to_string(), detail };
    let mut holdings: Vec<(Symbol, Qty, Price)> = Vec::new();
    for exchange in exchanges {
        let request = UsBalanceRequest {
            cano: account.cano().to_string(),
            acnt_prdt_cd: account.product().to_string(),
            ovrs_excg_cd: exchange.order_code().into(),
            tr_crcy_cd: "USD".into(),
            ctx_area_fk200: String::new(),
            ctx_area_nk200: String::new(),
        };
        let pages = api
            .call_paged(request, Priority::Account, BALANCE, |r, c| r.set_continuation(c))
            .await
            .map_err(|source| SyncError::Call { what: BALANCE, source })?;
        for row in pages.iter().flat_map(|p| p.output1.iter()).filter(|r| !r.is_blank()) {
            let exchange =
                UsExchange::parse(&row.ovrs_excg_cd).map_err(|e| listing(&row.ovrs_excg_cd, e.to_string()))?;
            let symbol = Symbol::parse(&format!("{}:{}", exchange.name(), row.ovrs_pdno.trim()))
                .map_err(|e| listing(&row.ovrs_pdno, e.to_string()))?;
            let qty = row.ovrs_cblc_qty().map_err(field)?;
            let avg = row.pchs_avg_pric().map_err(field)?;
            let qty = u64::try_from(qty).map_err(|_| SyncError::NegativeQty { what: BALANCE, symbol, qty })?;
            if qty == 0 || holdings.iter().any(|h| h.0 == symbol) {
                continue;
            }
            let avg = Price::new(avg).map_err(|_| SyncError::NoAveragePrice { what: BALANCE, symbol })?;
            holdings.push((symbol, Qty::new(qty), avg));
        }
    }
    Ok(BrokerAccount { cash, holdings, buying_power: None })
}
