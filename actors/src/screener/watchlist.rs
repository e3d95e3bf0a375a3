//! The watchlist and its update rule, with hysteresis so that a name at the boundary does not enter and leave
//! on alternate polls (each change costs a WebSocket registration and a SignalActor restart). Pure.
//!
//! # Rule, applied once per successful poll
//!
//! 1. Pinned symbols are always members and never counted as screened; the screened capacity is
//!    `watchlist_max − pinned`.
//! 2. A screened member **leaves** when fresh data shows it failing a filter, or when its fresh score falls
//!    below `entry_score − exit_margin`. A member without data this poll keeps its place and last score (a
//!    failed quote is no reason to drop it).
//! 3. Free places go to the best non-members scoring at least `entry_score` (ties: higher volume, then the
//!    lower code).
//! 4. When full, a challenger **replaces** the weakest member only if it scores more than `swap_margin` above
//!    it; repeated while that holds.
//!
//! So a member between `entry_score − exit_margin` and `entry_score` stays, and two names whose scores cross
//! by less than `swap_margin` do not trade places.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use kis_model::Symbol;

use super::scoring::{Refusal, Scored};
use crate::messages::WatchlistChange;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hysteresis {
    /// Score a non-member needs to enter.
    pub entry_score: f64,
    /// A member stays until its score is below `entry_score − exit_margin`.
    pub exit_margin: f64,
    /// A challenger must beat the weakest member by more than this to take its place.
    pub swap_margin: f64,
}

/// One watchlist entry as reported by `GetWatchlist`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WatchEntry {
    pub symbol: Symbol,
    /// The last score seen; `None` for a pinned symbol.
    pub score: Option<f64>,
    pub pinned: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Member {
    score: f64,
    volume: u64,
}

/// What happened in one update, for the log line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Update {
    pub change: WatchlistChange,
    /// Score of each added symbol, in `change.added` order.
    pub added_scores: Vec<f64>,
}

#[derive(Debug, Clone)]
pub struct Watchlist {
    capacity: usize,
    pinned: BTreeSet<Symbol>,
    members: BTreeMap<Symbol, Member>,
}

/// Better first: higher score, then higher volume, then the lower symbol.
fn rank(a: (&Symbol, f64, u64), b: (&Symbol, f64, u64)) -> Ordering {
    b.1.total_cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(b.0))
}

impl Watchlist {
    /// `watchlist_max` counts the pinned symbols; the caller checks `pinned.len() <= watchlist_max`.
    pub fn new(watchlist_max: usize, pinned: &[Symbol]) -> Watchlist {
        let pinned: BTreeSet<Symbol> = pinned.iter().copied().collect();
        Watchlist { capacity: watchlist_max.saturating_sub(pinned.len()), pinned, members: BTreeMap::new() }
    }

    pub fn contains(&self, symbol: &Symbol) -> bool {
        self.pinned.contains(symbol) || self.members.contains_key(symbol)
    }

    pub fn len(&self) -> usize {
        self.pinned.len() + self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Screened members (not the pinned ones).
    pub fn screened(&self) -> impl Iterator<Item = Symbol> + '_ {
        self.members.keys().copied()
    }

    /// Pinned first (by symbol), then screened members best first.
    pub fn entries(&self) -> Vec<WatchEntry> {
        let mut screened: Vec<(&Symbol, &Member)> = self.members.iter().collect();
        screened.sort_by(|a, b| rank((a.0, a.1.score, a.1.volume), (b.0, b.1.score, b.1.volume)));
        self.pinned
            .iter()
            .map(|&symbol| WatchEntry { symbol, score: None, pinned: true })
            .chain(screened.into_iter().map(|(&symbol, m)| WatchEntry { symbol, score: Some(m.score), pinned: false }))
            .collect()
    }

    /// Applies one poll's verdicts (see the module docs). `passed` and `refused` need not cover every member.
    pub fn update(&mut self, passed: &[Scored], refused: &[Refusal], rules: &Hysteresis) -> Update {
        let mut removed: Vec<Symbol> = Vec::new();
        let refused: BTreeSet<Symbol> = refused.iter().map(Refusal::symbol).collect();
        let fresh: BTreeMap<Symbol, &Scored> = passed.iter().map(|s| (s.symbol, s)).collect();
        let exit_below = rules.entry_score - rules.exit_margin;

        // 2. Exits on fresh data.
        let mut leaving = Vec::new();
        for (symbol, member) in self.members.iter_mut() {
            if refused.contains(symbol) {
                leaving.push(*symbol);
            } else if let Some(s) = fresh.get(symbol) {
                *member = Member { score: s.score, volume: s.volume };
                if s.score < exit_below {
                    leaving.push(*symbol);
                }
            }
        }
        // Over capacity can only follow a smaller capacity; the weakest go.
        let mut by_weakness: Vec<(Symbol, Member)> = self.members.iter().map(|(s, m)| (*s, *m)).collect();
        by_weakness.sort_by(|a, b| rank((&b.0, b.1.score, b.1.volume), (&a.0, a.1.score, a.1.volume)));
        let staying: Vec<Symbol> = by_weakness.iter().map(|(s, _)| *s).filter(|s| !leaving.contains(s)).collect();
        leaving.extend(staying.iter().take(staying.len().saturating_sub(self.capacity)));
        for symbol in leaving {
            self.members.remove(&symbol);
            removed.push(symbol);
        }

        // 3. Challengers, best first.
        let mut challengers: Vec<&Scored> = passed
            .iter()
            .filter(|s| s.score >= rules.entry_score && !self.contains(&s.symbol) && !removed.contains(&s.symbol))
            .collect();
        challengers.sort_by(|a, b| rank((&a.symbol, a.score, a.volume), (&b.symbol, b.score, b.volume)));
        let mut seen = BTreeSet::new();
        challengers.retain(|s| seen.insert(s.symbol));

        let mut added: Vec<(Symbol, f64)> = Vec::new();
        let mut queue = challengers.into_iter().peekable();
        while self.members.len() < self.capacity {
            let Some(s) = queue.next() else { break };
            self.members.insert(s.symbol, Member { score: s.score, volume: s.volume });
            added.push((s.symbol, s.score));
        }

        // 4. Swaps.
        while let Some(challenger) = queue.peek() {
            let weakest = self
                .members
                .iter()
                .max_by(|a, b| rank((a.0, a.1.score, a.1.volume), (b.0, b.1.score, b.1.volume)))
                .map(|(s, m)| (*s, *m));
            let Some((weak_symbol, weak)) = weakest else { break };
            if challenger.score <= weak.score + rules.swap_margin {
                break;
            }
            self.members.remove(&weak_symbol);
            // A name added this poll and swapped out again was never announced.
            if let Some(i) = added.iter().position(|(s, _)| *s == weak_symbol) {
                added.remove(i);
            } else {
                removed.push(weak_symbol);
            }
            self.members.insert(challenger.symbol, Member { score: challenger.score, volume: challenger.volume });
            added.push((challenger.symbol, challenger.score));
            queue.next();
        }

        Update {
            change: WatchlistChange { added: added.iter().map(|a| a.0).collect(), removed },
            added_scores: added.iter().map(|a| a.1).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    const RULES: Hysteresis = Hysteresis { entry_score: 40.0, exit_margin: 10.0, swap_margin: 5.0 };

    fn sym(n: u32) -> Symbol {
        Symbol::krx(&format!("{n:06}")).unwrap()
    }

    fn s(n: u32, score: f64) -> Scored {
        Scored { symbol: sym(n), score, volume: 1_000 }
    }

    fn refusal(n: u32) -> Refusal {
        Refusal::Volume { symbol: sym(n), volume: 1, min: 2 }
    }

    fn members(w: &Watchlist) -> Vec<Symbol> {
        w.screened().collect()
    }

    fn change(added: &[u32], removed: &[u32]) -> WatchlistChange {
        WatchlistChange {
            added: added.iter().map(|&n| sym(n)).collect(),
            removed: removed.iter().map(|&n| sym(n)).collect(),
        }
    }

    #[test]
    fn best_enter_up_to_capacity_in_score_order() {
        let mut w = Watchlist::new(3, &[]);
        let u = w.update(&[s(1, 50.0), s(2, 90.0), s(3, 39.9), s(4, 70.0), s(5, 60.0)], &[], &RULES);
        assert_eq!(u.change, change(&[2, 4, 5], &[]));
        assert_eq!(u.added_scores, vec![90.0, 70.0, 60.0]);
        assert_eq!(w.len(), 3);
        // Same data again: nothing changes.
        assert_eq!(w.update(&[s(1, 50.0), s(2, 90.0), s(4, 70.0), s(5, 60.0)], &[], &RULES), Update::default());
    }

    #[test]
    fn below_entry_score_never_enters() {
        let mut w = Watchlist::new(5, &[]);
        let u = w.update(&[s(1, 39.99), s(2, 0.0)], &[], &RULES);
        assert_eq!(u.change, change(&[], &[]));
        assert!(w.is_empty());
    }

    #[test]
    fn ties_go_to_volume_then_lower_code() {
        let mut w = Watchlist::new(2, &[]);
        let loud = Scored { symbol: sym(9), score: 50.0, volume: 5_000 };
        let u = w.update(&[s(3, 50.0), s(1, 50.0), loud], &[], &RULES);
        assert_eq!(u.change, change(&[9, 1], &[]));
        // And the weakest (for swaps) is the tied member with the higher code.
        let u = w.update(&[loud, s(1, 50.0), s(3, 50.0), s(4, 55.1)], &[], &RULES);
        assert_eq!(u.change, change(&[4], &[1]));
        // Equal score and volume: the higher code is the weaker.
        let u = w.update(&[s(9, 50.0), s(4, 50.0), s(5, 55.1)], &[], &RULES);
        assert_eq!(u.change, change(&[5], &[9]));
    }

    #[test]
    fn member_between_exit_and_entry_stays_until_below_exit() {
        let mut w = Watchlist::new(3, &[]);
        w.update(&[s(1, 45.0)], &[], &RULES);
        // 35 is below entry (40) but not below entry − exit margin (30): no flapping at the boundary.
        for score in [39.0, 35.0, 30.0, 41.0, 31.0] {
            assert_eq!(w.update(&[s(1, score)], &[], &RULES), Update::default(), "score {score}");
        }
        assert_eq!(w.update(&[s(1, 29.99)], &[], &RULES).change, change(&[], &[1]));
        // Out now; 39 does not bring it back, 40 does.
        assert_eq!(w.update(&[s(1, 39.0)], &[], &RULES).change, change(&[], &[]));
        assert_eq!(w.update(&[s(1, 40.0)], &[], &RULES).change, change(&[1], &[]));
    }

    #[test]
    fn oscillating_scores_at_the_boundary_do_not_flap() {
        // Full list; a challenger oscillating just above and below the weakest member never swaps.
        let mut w = Watchlist::new(2, &[]);
        w.update(&[s(1, 80.0), s(2, 60.0)], &[], &RULES);
        for i in 0..20 {
            let (member, challenger) = if i % 2 == 0 { (58.0, 62.0) } else { (62.0, 58.0) };
            let u = w.update(&[s(1, 80.0), s(2, member), s(3, challenger)], &[], &RULES);
            assert_eq!(u, Update::default(), "poll {i}");
        }
        assert_eq!(members(&w), vec![sym(1), sym(2)]);
        // Beating it by more than the swap margin does swap.
        let u = w.update(&[s(1, 80.0), s(2, 60.0), s(3, 65.01)], &[], &RULES);
        assert_eq!(u.change, change(&[3], &[2]));
        assert_eq!(u.added_scores, vec![65.01]);
    }

    #[test]
    fn exactly_the_swap_margin_is_not_enough() {
        let mut w = Watchlist::new(1, &[]);
        w.update(&[s(1, 60.0)], &[], &RULES);
        assert_eq!(w.update(&[s(1, 60.0), s(2, 65.0)], &[], &RULES), Update::default());
    }

    #[test]
    fn several_swaps_in_one_poll() {
        let mut w = Watchlist::new(3, &[]);
        w.update(&[s(1, 50.0), s(2, 51.0), s(3, 52.0)], &[], &RULES);
        let u = w.update(&[s(1, 50.0), s(2, 51.0), s(3, 52.0), s(7, 90.0), s(8, 56.5)], &[], &RULES);
        // 90 replaces 50 (the weakest); 56.5 beats 51 by 5.5 > 5 and replaces it; nothing beats 52 by more.
        assert_eq!(u.change, change(&[7, 8], &[1, 2]));
        assert_eq!(members(&w), vec![sym(3), sym(7), sym(8)]);
    }

    #[test]
    fn filter_failure_removes_a_member_at_once() {
        let mut w = Watchlist::new(3, &[]);
        w.update(&[s(1, 95.0), s(2, 50.0)], &[], &RULES);
        let u = w.update(&[s(2, 50.0)], &[refusal(1)], &RULES);
        assert_eq!(u.change, change(&[], &[1]));
        // A refused non-member is simply not a challenger.
        assert_eq!(w.update(&[s(2, 50.0)], &[refusal(5)], &RULES), Update::default());
    }

    #[test]
    fn members_without_data_keep_their_place() {
        let mut w = Watchlist::new(2, &[]);
        w.update(&[s(1, 70.0), s(2, 60.0)], &[], &RULES);
        // A poll that saw neither member (e.g. their quotes failed): kept, no change.
        assert_eq!(w.update(&[], &[], &RULES), Update::default());
        assert_eq!(w.update(&[s(3, 62.0)], &[], &RULES), Update::default());
        assert_eq!(members(&w), vec![sym(1), sym(2)]);
        // Their last scores still count for swaps.
        assert_eq!(w.update(&[s(3, 65.5)], &[], &RULES).change, change(&[3], &[2]));
    }

    #[test]
    fn pinned_are_always_in_and_count_against_the_cap() {
        let pinned = Symbol::parse("NASDAQ:TQQQ").unwrap();
        let mut w = Watchlist::new(3, &[pinned, sym(1)]);
        assert_eq!(w.len(), 2);
        assert!(w.contains(&pinned) && w.contains(&sym(1)));
        // Only one screened place; a pinned symbol with a great score is not "added", a refused one not removed.
        let u = w.update(&[s(1, 99.0), s(2, 50.0), s(3, 60.0)], &[refusal(1)], &RULES);
        assert_eq!(u.change, change(&[3], &[]));
        assert_eq!(w.len(), 3);
        let entries = w.entries();
        assert_eq!(
            entries,
            vec![
                WatchEntry { symbol: sym(1), score: None, pinned: true },
                WatchEntry { symbol: pinned, score: None, pinned: true },
                WatchEntry { symbol: sym(3), score: Some(60.0), pinned: false },
            ]
        );
    }

    #[test]
    fn cap_holds_with_many_candidates() {
        let mut w = Watchlist::new(30, &[]);
        let many: Vec<Scored> = (1..=200).map(|n| s(n, 40.0 + f64::from(n) * 0.25)).collect();
        let u = w.update(&many, &[], &RULES);
        assert_eq!(u.change.added.len(), 30);
        assert_eq!(w.len(), 30);
        // The top 30 by score: codes 171..=200.
        assert_eq!(members(&w), (171..=200).map(sym).collect::<Vec<_>>());
        let entries = w.entries();
        assert_eq!(entries[0].symbol, sym(200));
        assert_eq!(entries[29].score, Some(40.0 + 171.0 * 0.25));
    }

    #[test]
    fn smaller_capacity_drops_the_weakest() {
        let mut w = Watchlist::new(3, &[]);
        w.update(&[s(1, 50.0), s(2, 60.0), s(3, 70.0)], &[], &RULES);
        w.capacity = 1;
        let u = w.update(&[], &[], &RULES);
        assert_eq!(u.change, change(&[], &[1, 2]));
        assert_eq!(members(&w), vec![sym(3)]);
    }

    #[test]
    fn refusal_symbols_come_from_any_kind() {
        let mut w = Watchlist::new(3, &[]);
        w.update(&[s(1, 50.0)], &[], &RULES);
        let r = Refusal::Spread { symbol: sym(1), spread_pct: dec!(1), max: dec!(0.3) };
        assert_eq!(w.update(&[], &[r], &RULES).change, change(&[], &[1]));
    }
}
