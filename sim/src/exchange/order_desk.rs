//! The order desk: the accounts (one engine each), the day's reference data loaded into their engines,
//! orders submitted, modified and cancelled, market events fed to every engine, and the fill notices
//! their events produce sent to the account's WebSocket subscribers.

use kis_engine::{Engine, EngineConfig, EngineEvent, NewOrder, Order, RejectReason, SymbolSpec};
use kis_model::{Currency, InstrumentKind, KrxBoard, Market, Money, Secret, Symbol};

use super::persistence::fingerprint;
use super::{Exchange, SimError};
use crate::kis_error::{self as kis, KisError};
use crate::notice::{self, Recipient};

/// One trading account, reached through its appkey.
#[derive(Debug)]
pub struct Account {
    pub appkey: Secret,
    pub appsecret: Secret,
    pub cano: String,
    pub acnt_prdt_cd: String,
    pub hts_id: String,
    pub engine: Engine,
    /// Whether CANO/ACNT_PRDT_CD in requests must match (listed accounts) or anything goes (opened on use).
    pub strict: bool,
}

impl Account {
    pub fn account_no(&self) -> String {
        format!("{}{}", self.cano, self.acnt_prdt_cd)
    }
}

impl Exchange {
    /// Every order of account `account` (0 is the first listed), oldest first; empty for no such account.
    pub fn orders_of(&self, account: usize) -> Vec<Order> {
        self.accounts.get(account).map(|a| a.engine.orders().to_vec()).unwrap_or_default()
    }

    /// Adds an account, with the engine state a previous run saved for its appkey if there is one.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn add_account(
        &mut self,
        appkey: Secret,
        appsecret: Secret,
        cano: String,
        acnt_prdt_cd: String,
        hts_id: String,
        cash_krw: rust_decimal::Decimal,
        cash_usd: rust_decimal::Decimal,
        strict: bool,
    ) -> Result<usize, SimError> {
        let hash = fingerprint(appkey.expose());
        let engine = match self.saved.remove(&hash) {
            Some(saved) => Engine::from_state(saved.engine, self.fees.clone())?,
            None => {
                let mut e = Engine::new(EngineConfig::default(), self.fees.clone())?;
                if cash_krw > rust_decimal::Decimal::ZERO {
                    e.deposit(Money::new(cash_krw, Currency::Krw))?;
                }
                if cash_usd > rust_decimal::Decimal::ZERO {
                    e.deposit(Money::new(cash_usd, Currency::Usd))?;
                }
                e
            }
        };
        let mut account = Account { appkey: appkey.clone(), appsecret, cano, acnt_prdt_cd, hts_id, engine, strict };
        for market in [Market::Krx, Market::Us] {
            self.load_specs(&mut account.engine, market);
        }
        let index = self.accounts.len();
        self.accounts.push(account);
        self.by_appkey.insert(appkey.expose().to_string(), index);
        Ok(index)
    }

    /// Today's reference data (limits, trade date) for every symbol of `market` into one engine.
    pub(super) fn load_specs(&self, engine: &mut Engine, market: Market) {
        let date = self
            .session_date(market)
            .or_else(|| self.market.session(market).map(|s| s.date))
            .unwrap_or_else(|| self.now.date_naive());
        for f in self.feeds.iter().filter(|f| f.symbol.market() == market) {
            let spec = match f.symbol {
                Symbol::Krx(_) => {
                    let board = self.boards.get(&f.symbol).copied().unwrap_or(KrxBoard::Kospi);
                    let base = u64::try_from(f.prev_close).unwrap_or(1).max(1);
                    SymbolSpec::krx(f.symbol, board, InstrumentKind::Stock, base, date)
                }
                Symbol::Us(..) => SymbolSpec::us(f.symbol, date),
            };
            if let Ok(spec) = spec
                && let Err(e) = engine.set_symbol(spec)
            {
                tracing::warn!(symbol = %f.symbol, error = %e, "reference data refused");
            }
        }
    }

    /// A session closed: day orders expire.
    pub fn on_close(&mut self, market: Market) {
        let ts = self.now;
        for i in 0..self.accounts.len() {
            let mut out = std::mem::take(&mut self.events);
            out.clear();
            self.accounts[i].engine.expire_market(market, ts, &mut out);
            self.events = out;
        }
    }

    /// Submits a new order for `account`; the KIS error of a refusal.
    pub fn submit(&mut self, account: usize, order: NewOrder) -> Result<Order, KisError> {
        let open = self.is_open(order.symbol.market());
        let ts = self.now;
        let mut out = std::mem::take(&mut self.events);
        out.clear();
        let result = self.accounts[account].engine.submit(order, open, ts, &mut out);
        self.dispatch_notices(account, &out);
        self.events = out;
        let id = result.map_err(|r| kis::for_reject(&r))?;
        self.accounts[account].engine.order(id).cloned().ok_or(kis::NO_SUCH_ORDER)
    }

    /// Modify (`Some(req)`) or cancel (`None`); returns the new order number KIS gives the request.
    pub fn modify_or_cancel(
        &mut self,
        account: usize,
        id: kis_model::OrderId,
        modify: Option<kis_engine::ModifyRequest>,
    ) -> Result<kis_model::OrderId, KisError> {
        let symbol = self.accounts[account].engine.order(id).map(|o| o.symbol).ok_or(kis::NO_SUCH_ORDER)?;
        let open = self.is_open(symbol.market());
        let ts = self.now;
        let mut out = std::mem::take(&mut self.events);
        out.clear();
        let engine = &mut self.accounts[account].engine;
        let result = match modify {
            Some(req) => engine.modify(id, req, open, ts, &mut out),
            None => engine.cancel(id, open, ts, &mut out),
        };
        self.dispatch_notices(account, &out);
        self.events = out;
        result.map_err(|r: RejectReason| kis::for_reject(&r))
    }

    /// Feeds one market event to every engine and sends the notices its fills produce.
    pub fn feed_engines(&mut self, event: &kis_model::MarketEvent) {
        for i in 0..self.accounts.len() {
            let mut out = std::mem::take(&mut self.events);
            out.clear();
            if let Err(e) = self.accounts[i].engine.on_event(event, &mut out) {
                tracing::warn!(error = %e, "engine refused a market event");
            }
            if !out.is_empty() {
                self.dispatch_notices(i, &out);
            }
            self.events = out;
        }
    }

    fn dispatch_notices(&mut self, account: usize, events: &[EngineEvent]) {
        if !self.ws.has_notice_subscribers(account) {
            return;
        }
        let env = self.env();
        let a = &self.accounts[account];
        let account_no = a.account_no();
        let engine = &a.engine;
        for event in events {
            let Some(facts) = notice::facts(event, |id| engine.order(id).cloned()) else { continue };
            let tr = notice::notice_tr(&facts.symbol, env);
            let isnm = self.names.get(&facts.symbol).map_or(facts.symbol.code(), String::as_str);
            self.ws.send_notice(account, &tr, |hts_id, key, enc| {
                let to = Recipient { hts_id, account: &account_no, name: notice::HOLDER_NAME, isnm };
                notice::encode(enc, &tr, &facts, to, key)
            });
        }
    }
}
