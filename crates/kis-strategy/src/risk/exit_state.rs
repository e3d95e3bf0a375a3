//! The exit state of each held position, kept across restarts: when the position was opened, the highest
//! price since, and whether its trailing stop is armed. Without it a restart would restart the holding clock
//! and drop the trailing stop back to the entry price.
//!
//! The broker knows only quantity and average price, so a saved state is restored only for a holding with
//! the same quantity and average: anything else means the position changed while no one was watching (a
//! fill of an earlier run, a trade outside the daemon), and an exit state of a different position would be a
//! guess. That position starts fresh, and the caller logs the [`FreshReason`].

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use kis_model::{Price, Qty, Symbol};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::position::Position;

/// The saved form of one position's exit state, with the quantity and average price it applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExitState {
    pub symbol: Symbol,
    pub qty: Qty,
    pub avg_price: Price,
    /// The first fill's time for a position this daemon opened; the first sight of it otherwise.
    pub opened_at: DateTime<Utc>,
    pub high_water: Price,
    pub trailing_armed: bool,
}

impl ExitState {
    pub fn of(position: &Position, trailing_armed: bool) -> ExitState {
        ExitState {
            symbol: position.symbol,
            qty: position.qty,
            avg_price: position.avg_price,
            opened_at: position.opened_at,
            high_water: position.high_water,
            trailing_armed,
        }
    }

    pub fn position(&self) -> Position {
        Position {
            symbol: self.symbol,
            qty: self.qty,
            avg_price: self.avg_price,
            opened_at: self.opened_at,
            high_water: self.high_water.max(self.avg_price),
        }
    }
}

/// The file's content. `version` guards against reading a future layout as this one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExitStateFile {
    pub version: u32,
    pub saved_at: DateTime<Utc>,
    pub positions: Vec<ExitState>,
}

impl ExitStateFile {
    pub const VERSION: u32 = 1;

    pub fn new(saved_at: DateTime<Utc>, positions: Vec<ExitState>) -> ExitStateFile {
        ExitStateFile { version: Self::VERSION, saved_at, positions }
    }
}

/// Why a holding did not get its saved exit state back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreshReason {
    /// Nothing was saved for the symbol (first sight of the position).
    NotSaved,
    QtyDiffers {
        saved: Qty,
        held: Qty,
    },
    AvgDiffers {
        saved: Price,
        held: Price,
    },
}

impl fmt::Display for FreshReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FreshReason::NotSaved => f.write_str("no saved exit state"),
            FreshReason::QtyDiffers { saved, held } => {
                write!(f, "the saved state is for {saved} shares, the broker holds {held}")
            }
            FreshReason::AvgDiffers { saved, held } => {
                write!(f, "the saved state is for an average of {saved}, the broker's is {held}")
            }
        }
    }
}

/// KIS quotes average prices to four decimals, rounded one way or another: averages this close are the same.
const AVG_TOLERANCE: Decimal = Decimal::from_parts(1, 0, 0, false, 4);

/// Saved exit states waiting for the broker's holdings to claim them.
#[derive(Debug, Clone, Default)]
pub struct SavedExits {
    by_symbol: BTreeMap<Symbol, ExitState>,
}

impl SavedExits {
    pub fn new(states: impl IntoIterator<Item = ExitState>) -> SavedExits {
        SavedExits { by_symbol: states.into_iter().map(|s| (s.symbol, s)).collect() }
    }

    pub fn len(&self) -> usize {
        self.by_symbol.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_symbol.is_empty()
    }

    /// The saved state for the broker's holding of `qty` at `avg`, when it is the same position; it is used
    /// up either way (a state that did not fit now will not fit a later look either).
    pub fn claim(&mut self, symbol: Symbol, qty: Qty, avg: Price) -> Result<ExitState, FreshReason> {
        let saved = self.by_symbol.remove(&symbol).ok_or(FreshReason::NotSaved)?;
        if saved.qty != qty {
            return Err(FreshReason::QtyDiffers { saved: saved.qty, held: qty });
        }
        if (saved.avg_price.value() - avg.value()).abs() > AVG_TOLERANCE {
            return Err(FreshReason::AvgDiffers { saved: saved.avg_price, held: avg });
        }
        // The broker's average is the one the account reports from now on.
        Ok(ExitState { avg_price: avg, ..saved })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn sym(code: &str) -> Symbol {
        code.parse().unwrap()
    }

    fn state(qty: u64, avg: Decimal) -> ExitState {
        ExitState {
            symbol: sym("005930"),
            qty: Qty::new(qty),
            avg_price: Price::new(avg).unwrap(),
            opened_at: "2026-03-04T00:01:00Z".parse().unwrap(),
            high_water: Price::from_won(72_000),
            trailing_armed: true,
        }
    }

    #[test]
    fn a_saved_state_is_restored_only_for_the_same_holding() {
        let s = sym("005930");
        let saved = state(10, dec!(70123.45678));
        let mut exits = SavedExits::new([saved]);
        // KIS's four-decimal average of the same position.
        let restored = exits.claim(s, Qty::new(10), Price::new(dec!(70123.4568)).unwrap()).unwrap();
        assert_eq!(
            (restored.opened_at, restored.high_water, restored.trailing_armed),
            (saved.opened_at, saved.high_water, true)
        );
        assert_eq!(restored.avg_price.value(), dec!(70123.4568));
        assert_eq!(exits.claim(s, Qty::new(10), saved.avg_price), Err(FreshReason::NotSaved), "used up");

        let mut exits = SavedExits::new([saved]);
        assert_eq!(
            exits.claim(s, Qty::new(12), saved.avg_price),
            Err(FreshReason::QtyDiffers { saved: Qty::new(10), held: Qty::new(12) })
        );
        let mut exits = SavedExits::new([saved]);
        let other = Price::new(dec!(70200)).unwrap();
        assert_eq!(
            exits.claim(s, Qty::new(10), other),
            Err(FreshReason::AvgDiffers { saved: saved.avg_price, held: other })
        );
        assert!(FreshReason::AvgDiffers { saved: saved.avg_price, held: other }.to_string().contains("70200"));
    }

    #[test]
    fn the_file_round_trips_and_refuses_unknown_fields() {
        let file = ExitStateFile::new("2026-03-04T00:05:00Z".parse().unwrap(), vec![state(3, dec!(70000))]);
        let text = serde_json::to_string(&file).unwrap();
        assert_eq!(serde_json::from_str::<ExitStateFile>(&text).unwrap(), file);
        let extra = text.replacen("\"version\"", "\"surprise\":1,\"version\"", 1);
        assert!(serde_json::from_str::<ExitStateFile>(&extra).is_err());
        // The position it stands for never has a high-water mark below its average.
        let low = ExitState { high_water: Price::from_won(1), ..state(3, dec!(70000)) };
        assert_eq!(low.position().high_water, Price::from_won(70_000));
    }
}
