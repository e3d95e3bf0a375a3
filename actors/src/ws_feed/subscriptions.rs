//! Who wants which symbol, and which WebSocket session carries it: the pure half of the feed.
//!
//! KIS allows 41 registrations per session (one per TR id and key: a symbol's trades and its book count
//! separately) and one session per app key, so a daemon watching more symbols needs several app keys and
//! the feed shards symbols over their sessions. A symbol's trade and book registrations stay on one session
//! so that its events arrive in one stream, in order.
//!
//! The table is the single source of truth: a session never remembers what it should carry, it compares what
//! it has sent on its current connection with [`SubscriptionTable::registrations`] and sends the difference.
//! That makes a reconnect (everything is new) and a subscription change (a few are new) the same code, and
//! it cannot register anything twice. It is generic over the recipient type so it is tested without actix.

use std::collections::BTreeMap;

use kis_model::{Environment, Market, Symbol};
use kis_protocol::ws::WsTrId;

use crate::messages::{SubscribeError, SubscriberId};

/// One registration at KIS (`tr_id` + `tr_key`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Registration {
    Trades(Symbol),
    Book(Symbol),
    /// Execution notices of one market. Their `tr_key` is the HTS ID, which the session adds: the table
    /// never holds it, so it cannot end up in a log through the table's `Debug`.
    Notices(Market),
}

impl Registration {
    /// The channel, which for notices depends on the account type (H0STCNI0 real, H0STCNI9 paper).
    pub fn tr_id(&self, env: Environment) -> WsTrId {
        match (self, env) {
            (Registration::Trades(s), _) if s.market() == Market::Krx => WsTrId::H0stcnt0,
            (Registration::Trades(_), _) => WsTrId::Hdfscnt0,
            (Registration::Book(s), _) if s.market() == Market::Krx => WsTrId::H0stasp0,
            (Registration::Book(_), _) => WsTrId::Hdfsasp0,
            (Registration::Notices(Market::Krx), Environment::Real) => WsTrId::H0stcni0,
            (Registration::Notices(Market::Krx), Environment::Paper) => WsTrId::H0stcni9,
            (Registration::Notices(Market::Us), Environment::Real) => WsTrId::H0gscni0,
            (Registration::Notices(Market::Us), Environment::Paper) => WsTrId::H0gscni9,
        }
    }

    /// The registration a KIS reply (or data frame) names, if it is one the feed makes.
    pub fn from_reply(tr_id: &WsTrId, tr_key: &str) -> Option<Registration> {
        match tr_id {
            WsTrId::H0stcnt0 | WsTrId::Hdfscnt0 => Symbol::from_ws_tr_key(tr_key).ok().map(Registration::Trades),
            WsTrId::H0stasp0 | WsTrId::Hdfsasp0 => Symbol::from_ws_tr_key(tr_key).ok().map(Registration::Book),
            WsTrId::H0stcni0 | WsTrId::H0stcni9 => Some(Registration::Notices(Market::Krx)),
            WsTrId::H0gscni0 | WsTrId::H0gscni9 => Some(Registration::Notices(Market::Us)),
            WsTrId::Other(_) => None,
        }
    }
}

/// How many sessions there are, how many registrations each may hold, and which notice channels session 0
/// reserves room for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Layout {
    pub sessions: usize,
    pub per_session: usize,
    pub notices: Vec<Market>,
}

impl Layout {
    fn capacity(&self, session: usize) -> usize {
        if session == 0 { self.per_session.saturating_sub(self.notices.len()) } else { self.per_session }
    }

    /// How many symbols the sessions carry when every one takes the same registrations (trades, and books when
    /// `books`). A symbol's registrations stay on one session, so an odd room left on a session holds no
    /// two-registration symbol: this is what [`SubscriptionTable::subscribe`] accepts before it refuses, not
    /// the total divided by the width.
    pub fn symbol_capacity(&self, books: bool) -> usize {
        let width = 1 + usize::from(books);
        (0..self.sessions).map(|s| self.capacity(s) / width).sum()
    }
}

/// What a session must do after a table change. Sessions do not act on these directly (they diff against
/// the table); they say which sessions to wake and make the table's decisions visible to tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub session: usize,
    pub action: Action,
    pub registration: Registration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Register,
    Deregister,
}

struct Owner<R> {
    to: R,
    books: bool,
}

struct Entry<R> {
    session: usize,
    owners: BTreeMap<SubscriberId, Owner<R>>,
}

impl<R> Entry<R> {
    fn books(&self) -> bool {
        self.owners.values().any(|o| o.books)
    }

    fn width(&self) -> usize {
        1 + usize::from(self.books())
    }
}

/// Reference-counted subscriptions and their session assignment.
pub struct SubscriptionTable<R> {
    layout: Layout,
    symbols: BTreeMap<Symbol, Entry<R>>,
}

impl<R> Default for SubscriptionTable<R> {
    fn default() -> Self {
        SubscriptionTable { layout: Layout::default(), symbols: BTreeMap::new() }
    }
}

impl<R> std::fmt::Debug for SubscriptionTable<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubscriptionTable")
            .field("layout", &self.layout)
            .field("symbols", &self.symbols.len())
            .field("used", &self.used_total())
            .finish()
    }
}

impl<R> SubscriptionTable<R> {
    pub fn new(layout: Layout) -> SubscriptionTable<R> {
        SubscriptionTable { layout, symbols: BTreeMap::new() }
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Adopts `layout` (a feed starting, or restarting with the table of its predecessor). Symbols keep their
    /// session where it still exists and has room; the others are placed again. Returns the symbols that fit
    /// nowhere and were dropped (only possible when the new layout is smaller than the old).
    pub fn set_layout(&mut self, layout: Layout) -> Vec<Symbol> {
        if layout == self.layout {
            return Vec::new();
        }
        self.layout = layout;
        let old = std::mem::take(&mut self.symbols);
        let mut unplaced = Vec::new();
        for (symbol, entry) in old {
            let width = entry.width();
            if entry.session < self.layout.sessions && self.free(entry.session) >= width {
                self.symbols.insert(symbol, entry);
            } else {
                unplaced.push((symbol, entry));
            }
        }
        let mut dropped = Vec::new();
        for (symbol, mut entry) in unplaced {
            match self.roomiest(entry.width(), None) {
                Some(session) => {
                    entry.session = session;
                    self.symbols.insert(symbol, entry);
                }
                None => dropped.push(symbol),
            }
        }
        dropped
    }

    /// Registrations in use on `session`, notices included.
    pub fn used(&self, session: usize) -> usize {
        let notices = if session == 0 { self.layout.notices.len() } else { 0 };
        notices + self.symbols.values().filter(|e| e.session == session).map(Entry::width).sum::<usize>()
    }

    /// Registrations in use over all sessions, notices included.
    pub fn used_total(&self) -> usize {
        (0..self.layout.sessions).map(|s| self.used(s)).sum()
    }

    /// Registrations all sessions may hold, notices included.
    pub fn capacity_total(&self) -> usize {
        self.layout.sessions.saturating_mul(self.layout.per_session)
    }

    fn free(&self, session: usize) -> usize {
        let market = self.symbols.values().filter(|e| e.session == session).map(Entry::width).sum::<usize>();
        self.layout.capacity(session).saturating_sub(market)
    }

    /// The session with the most room for `width` registrations (lowest index on ties), so that load spreads
    /// over the app keys instead of filling the first one.
    fn roomiest(&self, width: usize, except: Option<usize>) -> Option<usize> {
        (0..self.layout.sessions)
            .filter(|&s| Some(s) != except)
            .map(|s| (s, self.free(s)))
            .filter(|&(_, free)| free >= width)
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(s, _)| s)
    }

    fn no_capacity(&self, symbol: Symbol) -> SubscribeError {
        SubscribeError::NoCapacity { symbol, used: self.used_total(), capacity: self.capacity_total() }
    }

    /// Adds `owner`'s reference to `symbol`, or replaces its recipient and book wish when it already holds
    /// one (a restarted subscriber), without adding a reference.
    pub fn subscribe(
        &mut self,
        owner: SubscriberId,
        symbol: Symbol,
        books: bool,
        to: R,
    ) -> Result<Vec<Change>, SubscribeError> {
        let Some(entry) = self.symbols.get(&symbol) else {
            let width = 1 + usize::from(books);
            let session = self.roomiest(width, None).ok_or_else(|| self.no_capacity(symbol))?;
            let mut owners = BTreeMap::new();
            owners.insert(owner, Owner { to, books });
            self.symbols.insert(symbol, Entry { session, owners });
            let mut changes = vec![register(session, Registration::Trades(symbol))];
            if books {
                changes.push(register(session, Registration::Book(symbol)));
            }
            return Ok(changes);
        };
        let session = entry.session;
        let had_books = entry.books();
        let wants_books = books || entry.owners.iter().any(|(id, o)| *id != owner && o.books);
        let mut changes = Vec::new();
        let mut moved_to = None;
        if wants_books && !had_books {
            if self.free(session) >= 1 {
                changes.push(register(session, Registration::Book(symbol)));
            } else {
                // Its session is full: move the symbol whole to one with room for both registrations.
                let target = self.roomiest(2, Some(session)).ok_or_else(|| self.no_capacity(symbol))?;
                changes.push(deregister(session, Registration::Trades(symbol)));
                changes.push(register(target, Registration::Trades(symbol)));
                changes.push(register(target, Registration::Book(symbol)));
                moved_to = Some(target);
            }
        } else if had_books && !wants_books {
            changes.push(deregister(session, Registration::Book(symbol)));
        }
        if let Some(entry) = self.symbols.get_mut(&symbol) {
            entry.owners.insert(owner, Owner { to, books });
            if let Some(target) = moved_to {
                entry.session = target;
            }
        }
        Ok(changes)
    }

    /// Drops `owner`'s reference; the symbol's registrations go when the last reference does.
    pub fn unsubscribe(&mut self, owner: &SubscriberId, symbol: Symbol) -> Vec<Change> {
        let Some(entry) = self.symbols.get_mut(&symbol) else { return Vec::new() };
        let had_books = entry.books();
        if entry.owners.remove(owner).is_none() {
            return Vec::new();
        }
        let session = entry.session;
        if entry.owners.is_empty() {
            self.symbols.remove(&symbol);
            let mut changes = vec![deregister(session, Registration::Trades(symbol))];
            if had_books {
                changes.push(deregister(session, Registration::Book(symbol)));
            }
            return changes;
        }
        if had_books && !entry.books() {
            return vec![deregister(session, Registration::Book(symbol))];
        }
        Vec::new()
    }

    /// Everything `session` must carry, in the order to register it after a (re)connect: notices first
    /// (session 0), then each symbol's trades and book.
    pub fn registrations(&self, session: usize) -> Vec<Registration> {
        let mut out = Vec::with_capacity(self.used(session));
        if session == 0 {
            out.extend(self.layout.notices.iter().map(|&m| Registration::Notices(m)));
        }
        for (&symbol, entry) in self.symbols.iter().filter(|(_, e)| e.session == session) {
            out.push(Registration::Trades(symbol));
            if entry.books() {
                out.push(Registration::Book(symbol));
            }
        }
        out
    }

    /// Where `symbol`'s events go.
    pub fn recipients(&self, symbol: &Symbol) -> impl Iterator<Item = &R> {
        self.symbols.get(symbol).into_iter().flat_map(|e| e.owners.values().map(|o| &o.to))
    }

    /// The session carrying `symbol`.
    pub fn session_of(&self, symbol: &Symbol) -> Option<usize> {
        self.symbols.get(symbol).map(|e| e.session)
    }

    /// How many owners hold `symbol`.
    pub fn owners(&self, symbol: &Symbol) -> usize {
        self.symbols.get(symbol).map_or(0, |e| e.owners.len())
    }

    /// Symbols with at least one owner.
    pub fn symbols(&self) -> usize {
        self.symbols.len()
    }
}

fn register(session: usize, registration: Registration) -> Change {
    Change { session, action: Action::Register, registration }
}

fn deregister(session: usize, registration: Registration) -> Change {
    Change { session, action: Action::Deregister, registration }
}

#[cfg(test)]
mod tests {
    use kis_model::UsExchange;

    use super::*;

    fn id(name: &str) -> SubscriberId {
        SubscriberId::new(name)
    }

    fn krx(code: &str) -> Symbol {
        Symbol::krx(code).unwrap()
    }

    fn layout(sessions: usize, per_session: usize, notices: Vec<Market>) -> Layout {
        Layout { sessions, per_session, notices }
    }

    fn recipients(t: &SubscriptionTable<&'static str>, s: Symbol) -> Vec<&'static str> {
        t.recipients(&s).copied().collect()
    }

    /// The capacity the daemon sizes the watchlist by is what the table accepts, for any number of app keys,
    /// with and without books and US notices.
    #[test]
    fn the_symbol_capacity_is_what_the_table_accepts() {
        for sessions in 1..=12 {
            for notices in [vec![Market::Krx], vec![Market::Krx, Market::Us]] {
                for books in [false, true] {
                    let l = layout(sessions, 41, notices.clone());
                    let promised = l.symbol_capacity(books);
                    let mut t = SubscriptionTable::new(l);
                    let mut taken = 0;
                    for n in 0..2_000u32 {
                        let s = krx(&format!("{:06}", 100_000 + n));
                        match t.subscribe(id("screener"), s, books, "to") {
                            Ok(_) => taken += 1,
                            Err(SubscribeError::NoCapacity { .. }) => break,
                        }
                    }
                    assert_eq!(taken, promised, "{sessions} sessions, notices {notices:?}, books {books}");
                }
            }
        }
        // The case: 8 keys with books and KRX notices carry 160 symbols, not (8 × 41 − 1) / 2 = 163.
        assert_eq!(layout(8, 41, vec![Market::Krx]).symbol_capacity(true), 160);
    }

    #[test]
    fn reference_counts_by_owner_and_replaces_a_resubscribing_owner() {
        let mut t = SubscriptionTable::new(layout(1, 41, vec![]));
        let s = krx("005930");
        assert_eq!(t.subscribe(id("a"), s, false, "a1").unwrap(), vec![register(0, Registration::Trades(s))]);
        assert_eq!(t.subscribe(id("b"), s, false, "b1").unwrap(), vec![]);
        // "a" restarted: new recipient, still two owners, nothing sent to KIS.
        assert_eq!(t.subscribe(id("a"), s, false, "a2").unwrap(), vec![]);
        assert_eq!(t.owners(&s), 2);
        assert_eq!(recipients(&t, s), vec!["a2", "b1"]);
        assert_eq!(t.unsubscribe(&id("a"), s), vec![]);
        assert_eq!(recipients(&t, s), vec!["b1"]);
        // Unknown owner or symbol: nothing happens.
        assert_eq!(t.unsubscribe(&id("zz"), s), vec![]);
        assert_eq!(t.unsubscribe(&id("b"), krx("000660")), vec![]);
        assert_eq!(t.unsubscribe(&id("b"), s), vec![deregister(0, Registration::Trades(s))]);
        assert_eq!((t.symbols(), t.used(0)), (0, 0));
        assert_eq!(recipients(&t, s), Vec::<&str>::new());
    }

    #[test]
    fn books_follow_the_union_of_owners_wishes() {
        let mut t = SubscriptionTable::new(layout(1, 41, vec![]));
        let s = krx("005930");
        t.subscribe(id("a"), s, false, "a").unwrap();
        assert_eq!(t.subscribe(id("b"), s, true, "b").unwrap(), vec![register(0, Registration::Book(s))]);
        assert_eq!(t.used(0), 2);
        assert_eq!(t.subscribe(id("a"), s, true, "a").unwrap(), vec![]);
        assert_eq!(t.unsubscribe(&id("b"), s), vec![]);
        // The last owner wanting books re-subscribes without them.
        assert_eq!(t.subscribe(id("a"), s, false, "a").unwrap(), vec![deregister(0, Registration::Book(s))]);
        t.subscribe(id("b"), s, true, "b").unwrap();
        assert_eq!(t.unsubscribe(&id("b"), s), vec![deregister(0, Registration::Book(s))]);
        t.subscribe(id("b"), s, true, "b").unwrap();
        assert_eq!(
            [t.unsubscribe(&id("a"), s), t.unsubscribe(&id("b"), s)].concat(),
            vec![deregister(0, Registration::Trades(s)), deregister(0, Registration::Book(s))]
        );
    }

    #[test]
    fn shards_over_sessions_and_refuses_when_full() {
        // Two sessions of 5; session 0 keeps one for the notices: room for 4 + 5.
        let mut t = SubscriptionTable::new(layout(2, 5, vec![Market::Krx]));
        let codes = ["000010", "000020", "000030", "000040"];
        for code in codes {
            t.subscribe(id("w"), krx(code), true, "w").unwrap();
        }
        let sessions: Vec<_> = codes.iter().map(|c| t.session_of(&krx(c)).unwrap()).collect();
        assert_eq!(sessions, vec![1, 0, 1, 0], "roomiest first, trade and book together");
        assert_eq!((t.used(0), t.used(1)), (5, 4));
        // One registration left (session 1): a trade-only symbol fits, a symbol with books does not.
        let err = t.subscribe(id("w"), krx("000050"), true, "w").unwrap_err();
        assert_eq!(err, SubscribeError::NoCapacity { symbol: krx("000050"), used: 9, capacity: 10 });
        assert_eq!(t.owners(&krx("000050")), 0, "a refusal leaves nothing behind");
        assert_eq!(
            t.subscribe(id("w"), krx("000050"), false, "w").unwrap(),
            vec![register(1, Registration::Trades(krx("000050")))]
        );
        let err = t.subscribe(id("w"), krx("000060"), false, "w").unwrap_err();
        assert_eq!(err, SubscribeError::NoCapacity { symbol: krx("000060"), used: 10, capacity: 10 });
        // Freeing one symbol makes room again.
        t.unsubscribe(&id("w"), krx("000010"));
        assert!(t.subscribe(id("w"), krx("000060"), false, "w").is_ok());
    }

    #[test]
    fn adding_books_moves_a_symbol_off_a_full_session() {
        let mut t = SubscriptionTable::new(layout(2, 2, vec![]));
        let (a, b, c) = (krx("000010"), krx("000020"), krx("000030"));
        t.subscribe(id("w"), a, false, "w").unwrap();
        t.subscribe(id("w"), b, false, "w").unwrap();
        t.subscribe(id("w"), c, false, "w").unwrap();
        assert_eq!([t.session_of(&a), t.session_of(&b), t.session_of(&c)], [Some(0), Some(1), Some(0)]);
        // Session 0 is full and session 1 has one slot: no room for trade + book anywhere else.
        let err = t.subscribe(id("x"), a, true, "x").unwrap_err();
        assert_eq!(err, SubscribeError::NoCapacity { symbol: a, used: 3, capacity: 4 });
        assert_eq!(t.owners(&a), 1);
        t.unsubscribe(&id("w"), b);
        assert_eq!(
            t.subscribe(id("x"), a, true, "x").unwrap(),
            vec![
                deregister(0, Registration::Trades(a)),
                register(1, Registration::Trades(a)),
                register(1, Registration::Book(a))
            ]
        );
        assert_eq!((t.used(0), t.used(1)), (1, 2));
        assert_eq!(t.registrations(1), vec![Registration::Trades(a), Registration::Book(a)]);
    }

    #[test]
    fn registrations_after_reconnect_include_notices_on_session_zero() {
        let mut t = SubscriptionTable::new(layout(2, 41, vec![Market::Krx, Market::Us]));
        let us = Symbol::us(UsExchange::Nasdaq, "AAPL").unwrap();
        t.subscribe(id("w"), krx("005930"), true, "w").unwrap();
        t.subscribe(id("w"), us, false, "w").unwrap();
        assert_eq!(t.session_of(&krx("005930")), Some(1), "session 0 has less room: it holds the notices");
        // 39 free on each now: a tie goes to the lower index.
        assert_eq!(t.session_of(&us), Some(0));
        assert_eq!(
            t.registrations(0),
            vec![Registration::Notices(Market::Krx), Registration::Notices(Market::Us), Registration::Trades(us)]
        );
        assert_eq!(t.registrations(1), vec![Registration::Trades(krx("005930")), Registration::Book(krx("005930"))]);
        assert_eq!((t.used_total(), t.capacity_total()), (5, 82));
    }

    #[test]
    fn set_layout_keeps_placements_and_replaces_what_no_longer_fits() {
        let mut t = SubscriptionTable::new(layout(2, 3, vec![]));
        let codes = ["000010", "000020", "000030", "000040"];
        for code in codes {
            t.subscribe(id("w"), krx(code), false, "w").unwrap();
        }
        let before: Vec<_> = codes.iter().map(|c| t.session_of(&krx(c))).collect();
        assert_eq!(t.set_layout(layout(2, 3, vec![])), Vec::<Symbol>::new());
        assert_eq!(codes.iter().map(|c| t.session_of(&krx(c))).collect::<Vec<_>>(), before);
        // One session of 3 left: one symbol cannot be placed.
        assert_eq!(t.set_layout(layout(1, 3, vec![])), vec![krx("000040")]);
        assert_eq!((t.symbols(), t.used(0)), (3, 3));
        // An empty table refuses everything until it gets a layout.
        let mut empty: SubscriptionTable<&str> = SubscriptionTable::default();
        let err = empty.subscribe(id("w"), krx("000010"), false, "w").unwrap_err();
        assert_eq!(err, SubscribeError::NoCapacity { symbol: krx("000010"), used: 0, capacity: 0 });
    }

    #[test]
    fn channels_and_replies_map_both_ways() {
        let us = Symbol::us(UsExchange::Nyse, "KO").unwrap();
        let k = krx("005930");
        assert_eq!(Registration::Trades(k).tr_id(Environment::Paper), WsTrId::H0stcnt0);
        assert_eq!(Registration::Book(k).tr_id(Environment::Real), WsTrId::H0stasp0);
        assert_eq!(Registration::Trades(us).tr_id(Environment::Real), WsTrId::Hdfscnt0);
        assert_eq!(Registration::Book(us).tr_id(Environment::Real), WsTrId::Hdfsasp0);
        assert_eq!(Registration::Notices(Market::Krx).tr_id(Environment::Real), WsTrId::H0stcni0);
        assert_eq!(Registration::Notices(Market::Krx).tr_id(Environment::Paper), WsTrId::H0stcni9);
        assert_eq!(Registration::Notices(Market::Us).tr_id(Environment::Real), WsTrId::H0gscni0);
        assert_eq!(Registration::Notices(Market::Us).tr_id(Environment::Paper), WsTrId::H0gscni9);
        assert_eq!(Registration::from_reply(&WsTrId::Hdfscnt0, "DNYSKO"), Some(Registration::Trades(us)));
        assert_eq!(Registration::from_reply(&WsTrId::H0stasp0, "005930"), Some(Registration::Book(k)));
        assert_eq!(Registration::from_reply(&WsTrId::H0stcni9, "anyone"), Some(Registration::Notices(Market::Krx)));
        assert_eq!(Registration::from_reply(&WsTrId::H0stcnt0, "bad key!"), None);
        assert_eq!(Registration::from_reply(&WsTrId::Other("(null)".into()), ""), None);
    }
}
