//! The open-of-session message: when a traded market's session opens (KRX 09:00 KST, NYSE 09:30 ET, from
//! the calendars of kis-calendar, judged on the venue clock: virtual time under the simulator), the trader
//! gets one message per market with the settings of the strategies trading it and that market's holdings and
//! cash, so a wrong setting or an unexpected position is seen before the bot acts on it. A daemon started
//! in the middle of a session sends it once at start for the markets then open.
//!
//! [`session_opened`] decides (pure, tested with fixed instants); [`SessionAnnouncer`] only looks at the
//! clock, reads the account from the RiskManager and hands the event to the notifier.

use std::time::{Duration, Instant};

use actix::prelude::*;
use chrono::{DateTime, Utc};
use kis_calendar::{CalendarError, Session, TradingCalendar};
use kis_model::{Market, Money};
use kis_strategy::{KstTime, StrategyConfig};

use super::{Holding, NotifierHandle, NotifyEvent};
use crate::risk_manager::{GetRiskStatus, RiskStatus};
use crate::slot::Slot;
use crate::venue_clock::VenueClock;

/// The session whose open falls in `(since, now]`; with no `since` (the daemon just started), the session in
/// progress at `now`. A holiday has no session, and a day whose (early) close has passed is not in progress,
/// so neither gives a message.
pub fn session_opened(
    calendar: &dyn TradingCalendar,
    since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Option<Session>, CalendarError> {
    let Some(since) = since else { return calendar.session_at(now) };
    if now <= since {
        return Ok(None);
    }
    let date = now.with_timezone(&calendar.market().tz()).date_naive();
    Ok(calendar.session(date)?.filter(|s| since < s.open_utc() && s.open_utc() <= now))
}

/// The calendar that says when `market` trades.
fn calendar_of(market: Market) -> Result<Box<dyn TradingCalendar + Send + Sync>, CalendarError> {
    kis_calendar::shipped_calendar(market)
}

/// The market a configured strategy trades (the same split the desk's markets are built from).
pub fn strategy_market(strategy: &StrategyConfig) -> Market {
    match strategy {
        StrategyConfig::UsRsiMacd(_) => Market::Us,
        StrategyConfig::KrxScalping(_) | StrategyConfig::RsiReversal(_) => Market::Krx,
    }
}

/// `market`'s holdings and cash in the desk's view; `None` while its account has not been read.
pub fn market_account(status: &RiskStatus, market: Market) -> Option<(Vec<Holding>, Money)> {
    let account = status.accounts.iter().find(|a| a.market == market && a.ready)?;
    let holdings = status
        .positions
        .iter()
        .filter(|(symbol, qty, _)| symbol.market() == market && !qty.is_zero())
        .map(|&(symbol, qty, avg_price)| Holding { symbol, qty, avg_price, unrealized_pnl: None })
        .collect();
    Some((holdings, account.cash))
}

/// How long an announcement waits for the market's account to be read (the RiskManager syncs with the
/// broker at start) before it goes without it.
pub const ACCOUNT_WAIT: Duration = Duration::from_secs(30);

/// What the announcer needs from the daemon's configuration.
#[derive(Debug, Clone)]
pub struct SessionAnnouncerConfig {
    /// The markets traded, each with its strategies.
    pub markets: Vec<(Market, Vec<StrategyConfig>)>,
    /// The daemon's daily stop (`[daemon] shutdown_at`, KST), shown with the settings.
    pub shutdown_at: Option<KstTime>,
    /// How often the clock is looked at (real time).
    pub check_every: Duration,
    /// See [`ACCOUNT_WAIT`].
    pub account_wait: Duration,
}

impl SessionAnnouncerConfig {
    /// The markets the configured strategies trade (KRX when none is configured, as the desk does), each with
    /// its strategies, checked every second.
    pub fn from_strategies(strategies: &[StrategyConfig], shutdown_at: Option<KstTime>) -> SessionAnnouncerConfig {
        let mut markets: Vec<(Market, Vec<StrategyConfig>)> = Vec::new();
        for s in strategies {
            let market = strategy_market(s);
            match markets.iter_mut().find(|(m, _)| *m == market) {
                Some((_, list)) => list.push(s.clone()),
                None => markets.push((market, vec![s.clone()])),
            }
        }
        if markets.is_empty() {
            markets.push((Market::Krx, Vec::new()));
        }
        SessionAnnouncerConfig { markets, shutdown_at, check_every: Duration::from_secs(1), account_wait: ACCOUNT_WAIT }
    }
}

struct Watched {
    market: Market,
    strategies: Vec<StrategyConfig>,
    calendar: Box<dyn TradingCalendar + Send + Sync>,
    /// An opened session waiting for the account to be read, and since when.
    pending: Option<(Session, Instant)>,
    /// Whether a calendar error was logged (once, not every second).
    calendar_failed: bool,
}

/// Sends [`NotifyEvent::SessionOpen`] at each traded market's open.
pub struct SessionAnnouncer {
    watched: Vec<Watched>,
    shutdown_at: Option<KstTime>,
    check_every: Duration,
    account_wait: Duration,
    clock: VenueClock,
    risk: Slot<GetRiskStatus>,
    notifier: NotifierHandle,
    since: Option<DateTime<Utc>>,
}

impl SessionAnnouncer {
    pub fn new(
        config: SessionAnnouncerConfig,
        clock: VenueClock,
        risk: Slot<GetRiskStatus>,
        notifier: NotifierHandle,
    ) -> SessionAnnouncer {
        let mut watched = Vec::new();
        for (market, strategies) in config.markets {
            match calendar_of(market) {
                Ok(calendar) => {
                    watched.push(Watched { market, strategies, calendar, pending: None, calendar_failed: false })
                }
                Err(e) => tracing::warn!(?market, error = %e, "no calendar: no open-of-session message"),
            }
        }
        SessionAnnouncer {
            watched,
            shutdown_at: config.shutdown_at,
            check_every: config.check_every,
            account_wait: config.account_wait,
            clock,
            risk,
            notifier,
            since: None,
        }
    }

    fn check(&mut self, ctx: &mut Context<Self>) {
        let now = self.clock.now();
        for w in &mut self.watched {
            match session_opened(w.calendar.as_ref(), self.since, now) {
                Ok(Some(session)) => w.pending = Some((session, Instant::now())),
                Ok(None) => {}
                Err(e) if !w.calendar_failed => {
                    w.calendar_failed = true;
                    tracing::warn!(market = ?w.market, error = %e, "calendar: no open-of-session message")
                }
                Err(_) => {}
            }
        }
        self.since = Some(now);
        if self.watched.iter().all(|w| w.pending.is_none()) {
            return;
        }
        let risk = self.risk.clone();
        ctx.wait(async move { risk.send(GetRiskStatus).await.ok() }.into_actor(self).map(|status, act, _| {
            for w in &mut act.watched {
                let Some((session, since)) = w.pending else { continue };
                let account = status.as_ref().and_then(|s| market_account(s, w.market));
                if account.is_none() && since.elapsed() < act.account_wait {
                    continue;
                }
                w.pending = None;
                let (holdings, cash) = match account {
                    Some((holdings, cash)) => (holdings, Some(cash)),
                    None => (Vec::new(), None),
                };
                act.notifier.notify(NotifyEvent::SessionOpen {
                    market: w.market,
                    open: session.open_utc(),
                    strategies: w.strategies.clone(),
                    shutdown_at: act.shutdown_at,
                    holdings,
                    cash,
                });
            }
        }));
    }
}

impl Actor for SessionAnnouncer {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.check(ctx);
        ctx.run_interval(self.check_every, |act, ctx| act.check(ctx));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kis_calendar::{KrxCalendar, NyseCalendar};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn the_open_is_seen_once_when_the_clock_passes_it() {
        let krx = KrxCalendar::shipped().unwrap();
        // Wednesday 2026-03-04: 08:59:59 → 09:00:00 KST.
        let before = at("2026-03-03T23:59:59Z");
        let open = session_opened(&krx, Some(before), at("2026-03-04T00:00:00Z")).unwrap().unwrap();
        assert_eq!(open.open_utc(), at("2026-03-04T00:00:00Z"));
        assert_eq!(session_opened(&krx, Some(at("2026-03-04T00:00:00Z")), at("2026-03-04T00:00:01Z")).unwrap(), None);
        assert_eq!(session_opened(&krx, Some(at("2026-03-03T23:59:00Z")), at("2026-03-03T23:59:59Z")).unwrap(), None);
        // NYSE 09:30 EST = 14:30 UTC, and in summer time 13:30 UTC.
        let nyse = NyseCalendar::shipped().unwrap();
        let s = session_opened(&nyse, Some(at("2026-03-04T14:29:00Z")), at("2026-03-04T14:31:00Z")).unwrap();
        assert_eq!(s.map(|s| s.open_utc()), Some(at("2026-03-04T14:30:00Z")));
        let s = session_opened(&nyse, Some(at("2026-06-03T13:29:00Z")), at("2026-06-03T13:30:00Z")).unwrap();
        assert_eq!(s.map(|s| s.open_utc()), Some(at("2026-06-03T13:30:00Z")));
        // A clock that did not move (or went back) sees nothing.
        assert_eq!(session_opened(&nyse, Some(at("2026-03-04T14:31:00Z")), at("2026-03-04T14:29:00Z")).unwrap(), None);
    }

    #[test]
    fn holidays_have_no_open_and_a_start_mid_session_sees_the_session_in_progress() {
        let nyse = NyseCalendar::shipped().unwrap();
        // Thursday 2026-11-26, Thanksgiving: no session.
        assert_eq!(session_opened(&nyse, Some(at("2026-11-26T14:00:00Z")), at("2026-11-26T15:00:00Z")).unwrap(), None);
        assert_eq!(session_opened(&nyse, None, at("2026-11-26T16:00:00Z")).unwrap(), None);
        // Friday 2026-11-27 closes early (13:00 EST = 18:00 UTC): a start at 12:00 sees it, one at 14:00 does not.
        let mid = session_opened(&nyse, None, at("2026-11-27T17:00:00Z")).unwrap().unwrap();
        assert_eq!(mid.close_utc(), at("2026-11-27T18:00:00Z"));
        assert_eq!(session_opened(&nyse, None, at("2026-11-27T19:00:00Z")).unwrap(), None);
        // Its open is still at 09:30.
        let s = session_opened(&nyse, Some(at("2026-11-27T14:29:00Z")), at("2026-11-27T14:30:00Z")).unwrap();
        assert!(s.is_some());
        // KRX: a Saturday has none.
        let krx = KrxCalendar::shipped().unwrap();
        assert_eq!(session_opened(&krx, Some(at("2026-03-06T23:00:00Z")), at("2026-03-07T01:00:00Z")).unwrap(), None);
        assert_eq!(session_opened(&krx, None, at("2026-03-07T01:00:00Z")).unwrap(), None);
        assert_eq!(
            session_opened(&krx, None, at("2026-03-04T02:00:00Z")).unwrap().map(|s| s.market),
            Some(krx.market())
        );
    }
}
