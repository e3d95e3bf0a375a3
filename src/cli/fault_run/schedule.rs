//! The seeded fault schedule: which fault (or kill -9 of the daemon) happens when, from the seed alone, so a
//! failing seed replays the same schedule. The PRNG is SplitMix64 (no wall-clock randomness, no dependency).

use kis_sim::Fault;

/// SplitMix64 (Steele, Lea, Flood 2014): one 64-bit state, a good spread from consecutive seeds.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi` (the modulo bias is below 2⁻⁴⁰ for the ranges used here).
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo { lo } else { lo + self.next_u64() % (hi - lo + 1) }
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[usize::try_from(self.between(0, items.len() as u64 - 1)).unwrap_or(0)]
    }
}

/// One step of a schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Inject this fault into the simulator.
    Fault(Fault),
    /// kill -9 the daemon, and start it again on the same state after `down_ms`.
    Kill { down_ms: u64 },
}

impl Action {
    /// The name a report counts this action under (the fault's `kind`, or `kill`).
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Kill { .. } => "kill",
            Action::Fault(f) => match f {
                Fault::CloseWs => "close_ws",
                Fault::DropWs => "drop_ws",
                Fault::StallWs { .. } => "stall_ws",
                Fault::GarbageWs => "garbage_ws",
                Fault::TruncatedWs => "truncated_ws",
                Fault::Rest500 { .. } => "rest500",
                Fault::RateLimitBurst { .. } => "rate_limit_burst",
                Fault::SlowRest { .. } => "slow_rest",
                Fault::RevokeTokens => "revoke_tokens",
                Fault::ExecuteDropReply { .. } => "execute_drop_reply",
                Fault::ExecuteLateReply { .. } => "execute_late_reply",
                Fault::DropBeforeExecute { .. } => "drop_before_execute",
                Fault::DropMidBody { .. } => "drop_mid_body",
            },
        }
    }
}

/// An action at a time, in milliseconds after the daemon first became ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub at_ms: u64,
    pub action: Action,
}

/// The daemon's HTTP timeout is 10 s: a late reply is held past it.
const LATE_REPLY_MS: (u64, u64) = (10_500, 12_500);
/// Real time between two actions.
const GAP_MS: (u64, u64) = (700, 3_000);
/// Nothing is scheduled in the last stretch of a run (a kill there would leave no time to recover before the
/// final start, which is not the case being tested: the final start is).
const QUIET_TAIL_MS: u64 = 2_000;

/// The schedule of one seed over `run_ms`: faults drawn from every kind the fault run exercises, roughly one
/// in six actions a kill -9, and — whenever the run is long enough for two actions — at least one kill and
/// one order-boundary fault, so that no seed tests nothing.
pub fn generate(seed: u64, run_ms: u64) -> Vec<Planned> {
    let mut rng = SplitMix64::new(seed);
    let mut plan = Vec::new();
    let mut at = rng.between(GAP_MS.0, GAP_MS.1);
    while at + QUIET_TAIL_MS <= run_ms {
        plan.push(Planned { at_ms: at, action: draw(&mut rng) });
        at += rng.between(GAP_MS.0, GAP_MS.1);
    }
    if plan.len() >= 2 {
        let is_order_fault = |p: &Planned| matches!(&p.action, Action::Fault(f) if is_order_fault(f));
        if !plan.iter().any(|p| p.action.kind() == "kill") {
            let i = usize::try_from(rng.between(0, plan.len() as u64 - 1)).unwrap_or(0);
            plan[i].action = Action::Kill { down_ms: rng.between(200, 2_000) };
        }
        if !plan.iter().any(is_order_fault) {
            let i = plan.iter().position(|p| p.action.kind() != "kill").unwrap_or(0);
            plan[i].action = Action::Fault(order_fault(&mut rng));
        }
    }
    plan
}

pub fn is_order_fault(f: &Fault) -> bool {
    matches!(
        f,
        Fault::ExecuteDropReply { .. }
            | Fault::ExecuteLateReply { .. }
            | Fault::DropBeforeExecute { .. }
            | Fault::DropMidBody { .. }
    )
}

fn order_fault(rng: &mut SplitMix64) -> Fault {
    let count = u32::try_from(rng.between(1, 2)).unwrap_or(1);
    match rng.between(0, 3) {
        0 => Fault::ExecuteDropReply { count },
        1 => Fault::ExecuteLateReply { ms: rng.between(LATE_REPLY_MS.0, LATE_REPLY_MS.1), count: 1 },
        2 => Fault::DropBeforeExecute { count },
        _ => Fault::DropMidBody { count },
    }
}

fn draw(rng: &mut SplitMix64) -> Action {
    // Weights: order faults 4 × 2, feed 3, REST 3, kill 2 (of 16).
    #[derive(Clone, Copy)]
    enum K {
        Order,
        DropWs,
        CloseWs,
        StallWs,
        Rest500,
        RateLimit,
        SlowRest,
        Kill,
    }
    let table = [
        K::Order,
        K::Order,
        K::Order,
        K::Order,
        K::Order,
        K::Order,
        K::Order,
        K::Order,
        K::DropWs,
        K::CloseWs,
        K::StallWs,
        K::Rest500,
        K::RateLimit,
        K::SlowRest,
        K::Kill,
        K::Kill,
    ];
    let count = |rng: &mut SplitMix64, hi| u32::try_from(rng.between(1, hi)).unwrap_or(1);
    match rng.pick(&table) {
        K::Order => Action::Fault(order_fault(rng)),
        K::DropWs => Action::Fault(Fault::DropWs),
        K::CloseWs => Action::Fault(Fault::CloseWs),
        K::StallWs => Action::Fault(Fault::StallWs { ms: rng.between(500, 4_000) }),
        K::Rest500 => Action::Fault(Fault::Rest500 { count: count(rng, 3) }),
        K::RateLimit => Action::Fault(Fault::RateLimitBurst { count: count(rng, 6) }),
        K::SlowRest => Action::Fault(Fault::SlowRest { ms: rng.between(200, 2_000), count: count(rng, 3) }),
        K::Kill => Action::Kill { down_ms: rng.between(200, 2_000) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_the_reference_sequence() {
        // First outputs of the reference implementation seeded with 1234567.
        let mut r = SplitMix64::new(1_234_567);
        assert_eq!(r.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(r.next_u64(), 3_203_168_211_198_807_973);
        let mut r = SplitMix64::new(9);
        assert!((0..1_000).map(|_| r.between(3, 5)).all(|v| (3..=5).contains(&v)));
        assert_eq!(r.between(7, 7), 7);
    }

    #[test]
    fn a_seed_replays_the_same_schedule_and_seeds_differ() {
        assert_eq!(generate(42, 30_000), generate(42, 30_000));
        assert_ne!(generate(42, 30_000), generate(43, 30_000));
    }

    #[test]
    fn schedules_are_ordered_in_range_and_test_something() {
        for seed in 0..200 {
            let plan = generate(seed, 30_000);
            assert!(plan.len() >= 8, "seed {seed}: {} actions", plan.len());
            assert!(plan.windows(2).all(|w| w[0].at_ms < w[1].at_ms), "seed {seed}");
            assert!(plan.iter().all(|p| p.at_ms + QUIET_TAIL_MS <= 30_000), "seed {seed}");
            assert!(plan.iter().any(|p| p.action.kind() == "kill"), "seed {seed}: no kill");
            assert!(plan.iter().any(|p| matches!(&p.action, Action::Fault(f) if is_order_fault(f))), "seed {seed}");
            for p in &plan {
                if let Action::Fault(Fault::ExecuteLateReply { ms, .. }) = p.action {
                    assert!(ms > 10_000, "a late reply must outlast the daemon's 10 s timeout: {ms}");
                }
            }
        }
        // Over many seeds every kind shows up.
        let kinds: std::collections::BTreeSet<&str> =
            (0..50).flat_map(|s| generate(s, 30_000)).map(|p| p.action.kind()).collect();
        for kind in [
            "execute_drop_reply",
            "execute_late_reply",
            "drop_before_execute",
            "drop_mid_body",
            "drop_ws",
            "close_ws",
            "stall_ws",
            "rest500",
            "rate_limit_burst",
            "slow_rest",
            "kill",
        ] {
            assert!(kinds.contains(kind), "{kind} never drawn: {kinds:?}");
        }
        assert!(generate(1, 1_000).is_empty(), "too short for any action");
    }
}
