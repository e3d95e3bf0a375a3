//! Trading sessions: which market is open as of the last driver step and the session date it opened with,
//! from the synthetic market's own venues or (replaying a recording) the shipped calendars. An open loads
//! the day's reference data into every engine and starts a new day in every feed; a close expires day
//! orders.

use chrono::{DateTime, NaiveDate, Utc};
use kis_calendar::{KrxCalendar, NyseCalendar, TradingCalendar};
use kis_model::Market;

use super::{Exchange, Tape, market_slot};

/// Open state of (KRX, US) and the calendars that say when each opens next.
#[derive(Debug)]
pub(super) struct Sessions {
    krx: KrxCalendar,
    nyse: NyseCalendar,
    /// Open state of (KRX, US) as of the last driver step, and the session date it opened with.
    open: [bool; 2],
    date: [Option<NaiveDate>; 2],
}

impl Sessions {
    pub(super) fn new(krx: KrxCalendar, nyse: NyseCalendar) -> Sessions {
        Sessions { krx, nyse, open: [false, false], date: [None, None] }
    }
}

impl Exchange {
    /// Whether `market` takes orders now.
    pub fn is_open(&self, market: Market) -> bool {
        self.sessions.open[market_slot(market)]
    }

    /// Whether either market is open.
    pub fn any_open(&self) -> bool {
        self.sessions.open.iter().any(|o| *o)
    }

    /// The date of `market`'s session as of its last open, if it opened in this run.
    pub(super) fn session_date(&self, market: Market) -> Option<NaiveDate> {
        self.sessions.date[market_slot(market)]
    }

    /// The next session open of either market after now, from the calendars.
    pub fn next_open(&self) -> Option<DateTime<Utc>> {
        let krx = self.sessions.krx.next_open(self.now).ok();
        let us = self.sessions.nyse.next_open(self.now).ok();
        krx.into_iter().chain(us).min()
    }

    /// Open state from the tape's point of view: the synthetic market's own venues, or the calendars.
    pub fn compute_open(&self, market: Market) -> (bool, Option<NaiveDate>) {
        match self.tape {
            Tape::Synthetic => (self.market.is_open(market), self.market.session(market).map(|s| s.date)),
            Tape::Replay(_) => {
                let s = match market {
                    Market::Krx => self.sessions.krx.session_at(self.now),
                    Market::Us => self.sessions.nyse.session_at(self.now),
                };
                match s {
                    Ok(Some(s)) => (true, Some(s.date)),
                    _ => (false, None),
                }
            }
        }
    }

    /// Brings the open state of both markets up to the tape after a step: opens are processed at once
    /// ([`Exchange::on_open`]); the markets that closed are returned, for the caller to close
    /// ([`Exchange::on_close`]) after the step's events, which still belong to the session.
    pub fn update_sessions(&mut self) -> Vec<Market> {
        let mut closing = Vec::new();
        for market in [Market::Krx, Market::Us] {
            let (open, date) = self.compute_open(market);
            let slot = market_slot(market);
            if open && !self.sessions.open[slot] {
                if let Some(date) = date {
                    self.on_open(market, date);
                }
            } else if !open && self.sessions.open[slot] {
                closing.push(market);
            }
            self.sessions.open[slot] = open;
        }
        closing
    }

    /// A session opened: new reference data in every engine and a new day in every feed of the market.
    pub fn on_open(&mut self, market: Market, date: NaiveDate) {
        self.sessions.date[market_slot(market)] = Some(date);
        for f in self.feeds.iter_mut().filter(|f| f.symbol.market() == market) {
            f.new_day(date);
            if let (Tape::Synthetic, Some(s)) = (&self.tape, self.market.summary(&f.symbol)) {
                f.prev_close = crate::feed::to_minor(&f.symbol, s.prev_close);
            }
        }
        let mut accounts = std::mem::take(&mut self.accounts);
        for a in &mut accounts {
            self.load_specs(&mut a.engine, market);
        }
        self.accounts = accounts;
    }
}
