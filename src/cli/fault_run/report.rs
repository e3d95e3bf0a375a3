//! What one seed of the fault run did and found: printed for a person, and as one `SEED-REPORT {json}` line
//! for scripts and tests.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use super::invariants::{Violation, ViolationKind};

/// The prefix of the machine-readable line of each seed.
pub const REPORT_PREFIX: &str = "SEED-REPORT ";

#[derive(Debug, Clone, Default, Serialize)]
pub struct SeedReport {
    pub seed: u64,
    /// Faults injected, by kind (kills not included).
    pub faults: BTreeMap<&'static str, u32>,
    pub kills: u32,
    /// Order POSTs an order-boundary fault actually hit (an armed one waits for the next order).
    pub order_faults_hit: u64,
    pub daemon_starts: usize,
    pub broker_orders: usize,
    pub intents: usize,
    pub fills: usize,
    pub violations: Vec<Violation>,
    pub secs: f64,
}

impl SeedReport {
    pub fn faults_total(&self) -> u32 {
        self.faults.values().sum()
    }

    pub fn violations_by_kind(&self) -> BTreeMap<ViolationKind, usize> {
        let mut by = BTreeMap::new();
        for v in &self.violations {
            *by.entry(v.kind).or_insert(0) += 1;
        }
        by
    }

    /// The lines a person reads: a summary, then each violation with its evidence.
    pub fn human(&self) -> String {
        let faults: Vec<String> = self.faults.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let mut out = format!(
            "seed {}: {} faults ({}), {} kills, {} order faults hit an order, {} daemon starts, {} broker orders, {} \
             intents, {} fills: {} violations [{:.1} s]\n",
            self.seed,
            self.faults_total(),
            faults.join(", "),
            self.kills,
            self.order_faults_hit,
            self.daemon_starts,
            self.broker_orders,
            self.intents,
            self.fills,
            self.violations.len(),
            self.secs
        );
        for v in &self.violations {
            let _ = writeln!(out, "  violation {v}");
        }
        if !self.violations.is_empty() {
            let _ = writeln!(out, "  replay: kis-trader fault-run --seeds 1 --first-seed {}", self.seed);
        }
        out
    }

    pub fn json_line(&self) -> String {
        let json =
            serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"seed\":{},\"error\":\"{e}\"}}", self.seed));
        format!("{REPORT_PREFIX}{json}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_names_its_faults_and_violations_and_how_to_replay() {
        let mut r = SeedReport { seed: 1234, kills: 2, daemon_starts: 4, broker_orders: 9, ..SeedReport::default() };
        r.faults.insert("drop_ws", 1);
        r.faults.insert("execute_drop_reply", 2);
        r.violations.push(Violation::new(ViolationKind::UnboundBrokerOrder, "broker order 7"));
        let text = r.human();
        assert!(text.starts_with("seed 1234: 3 faults (drop_ws 1, execute_drop_reply 2), 2 kills"), "{text}");
        assert!(text.contains("  violation unbound_broker_order: broker order 7"), "{text}");
        assert!(text.contains("kis-trader fault-run --seeds 1 --first-seed 1234"), "{text}");
        let line = r.json_line();
        let json: serde_json::Value = serde_json::from_str(line.strip_prefix(REPORT_PREFIX).unwrap()).unwrap();
        assert_eq!(json["violations"][0]["kind"], "unbound_broker_order");
        assert_eq!(json["faults"]["execute_drop_reply"], 2);
        assert_eq!(r.violations_by_kind()[&ViolationKind::UnboundBrokerOrder], 1);
    }
}
