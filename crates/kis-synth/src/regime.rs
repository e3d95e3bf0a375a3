//! Volatility regimes (a per-minute Markov chain) and volume bursts.
//!
//! Real tapes alternate quiet stretches with agitated ones and show sudden bursts of activity on news; a single
//! constant-rate process would make every minute look alike and give strategies nothing to find.

use crate::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Regime {
    Calm,
    Normal,
    Volatile,
}

impl Regime {
    /// Multiplier of the symbol's base volatility.
    pub fn vol_multiplier(self) -> f64 {
        match self {
            Regime::Calm => 0.5,
            Regime::Normal => 1.0,
            Regime::Volatile => 2.5,
        }
    }

    /// Multiplier of the trading rate: agitated markets trade more.
    pub fn rate_multiplier(self) -> f64 {
        match self {
            Regime::Calm => 0.7,
            Regime::Normal => 1.0,
            Regime::Volatile => 1.8,
        }
    }

    /// One minute of the chain. Expected stays: calm ~70 min, normal ~70 min, volatile ~30 min.
    fn next(self, rng: &mut Rng) -> Regime {
        let u = rng.unit();
        match self {
            Regime::Calm if u < 0.015 => Regime::Normal,
            Regime::Normal if u < 0.008 => Regime::Calm,
            Regime::Normal if u < 0.014 => Regime::Volatile,
            Regime::Volatile if u < 0.033 => Regime::Normal,
            same => same,
        }
    }
}

/// A symbol's regime and burst, advanced one virtual minute at a time.
#[derive(Debug, Clone)]
pub struct RegimeState {
    pub regime: Regime,
    burst_minutes_left: u32,
    burst_rate: f64,
    /// Index of the last minute (since the epoch) the chain was stepped for.
    minute: i64,
}

/// A state is never stepped more than this many minutes at once: after a longer quiet gap (overnight) the chain
/// has forgotten its start anyway.
const MAX_CATCH_UP: i64 = 240;

impl RegimeState {
    pub fn new(regime: Regime, minute: i64) -> RegimeState {
        RegimeState { regime, burst_minutes_left: 0, burst_rate: 1.0, minute }
    }

    /// Steps the chain up to `minute`; a minute earlier than the last one stepped changes nothing.
    pub fn catch_up(&mut self, minute: i64, rng: &mut Rng) {
        if minute <= self.minute {
            return;
        }
        let steps = (minute - self.minute).min(MAX_CATCH_UP);
        self.minute = minute;
        for _ in 0..steps {
            self.regime = self.regime.next(rng);
            if self.burst_minutes_left > 0 {
                self.burst_minutes_left -= 1;
            } else {
                let p = if self.regime == Regime::Volatile { 0.012 } else { 0.004 };
                if rng.chance(p) {
                    self.burst_minutes_left = rng.range(1, 5) as u32;
                    self.burst_rate = 3.0 + 5.0 * rng.unit();
                }
            }
        }
    }

    pub fn in_burst(&self) -> bool {
        self.burst_minutes_left > 0
    }

    /// Rate multiplier from regime and burst together.
    pub fn rate_multiplier(&self) -> f64 {
        self.regime.rate_multiplier() * if self.in_burst() { self.burst_rate } else { 1.0 }
    }

    /// Trade-size multiplier: bursts are driven by larger orders.
    pub fn size_multiplier(&self) -> f64 {
        if self.in_burst() { 1.5 } else { 1.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn chain_visits_every_regime_and_bursts_end() {
        let mut rng = Rng::seeded(3);
        let mut state = RegimeState::new(Regime::Normal, 0);
        let mut counts: HashMap<Regime, u32> = HashMap::new();
        let mut burst_minutes = 0;
        for minute in 1..=200_000 {
            state.catch_up(minute, &mut rng);
            *counts.entry(state.regime).or_default() += 1;
            burst_minutes += u32::from(state.in_burst());
            assert!(state.rate_multiplier() >= 0.7 && state.rate_multiplier() <= 1.8 * 8.0);
        }
        for regime in [Regime::Calm, Regime::Normal, Regime::Volatile] {
            let share = f64::from(counts[&regime]) / 200_000.0;
            assert!(share > 0.1, "{regime:?} only {share}");
        }
        // Bursts start about once in 150-250 minutes and last 1-5 minutes: roughly 1-3 % of minutes.
        assert!((1_000..8_000).contains(&burst_minutes), "{burst_minutes}");
    }

    #[test]
    fn catch_up_is_monotone_and_bounded() {
        let mut rng = Rng::seeded(4);
        let mut state = RegimeState::new(Regime::Calm, 100);
        state.catch_up(50, &mut rng);
        assert_eq!(state.minute, 100);
        let before = rng.clone().next_u64();
        state.catch_up(100, &mut rng);
        assert_eq!(rng.clone().next_u64(), before, "no draw for a minute already stepped");
        state.catch_up(1_000_000, &mut rng);
        assert_eq!(state.minute, 1_000_000);
    }
}
