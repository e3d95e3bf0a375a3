//! 체결강도 (trade strength), KIS's `CTTR`.

use crate::error::{ParamError, check_period};
use crate::ring::Ring;

/// Which side initiated a trade. KIS reports it per trade in H0STCNT0's `CCLD_DVSN`
/// (`1` buy-initiated, `5` sell-initiated); trades of the pre-open auction (`3`) initiate from
/// neither side and are not fed to these indicators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Aggressor {
    Buy,
    Sell,
}

/// `buy-initiated volume / sell-initiated volume × 100`, KIS's definition of `CTTR`
/// (`SHNU_CNTG_SMTN / SELN_CNTG_SMTN × 100`: 100 means balanced, above 100 buyers are lifting offers).
///
/// The ratio is undefined while no sell-initiated volume has been seen: the value is then `None`
/// (whatever the buy volume), and callers that need to tell "only buying" from "nothing yet" read
/// [`buy_volume`](Self::buy_volume). Volumes are integer sums, so the ratio carries no rounding
/// drift however long the session.
#[derive(Debug, Clone, Default)]
pub struct TradeStrength {
    buy: u128,
    sell: u128,
}

fn strength(buy: u128, sell: u128) -> Option<f64> {
    (sell > 0).then(|| buy as f64 / sell as f64 * 100.0)
}

impl TradeStrength {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn update(&mut self, aggressor: Aggressor, quantity: u64) -> Option<f64> {
        match aggressor {
            Aggressor::Buy => self.buy = self.buy.saturating_add(u128::from(quantity)),
            Aggressor::Sell => self.sell = self.sell.saturating_add(u128::from(quantity)),
        }
        self.value()
    }

    pub fn value(&self) -> Option<f64> {
        strength(self.buy, self.sell)
    }

    pub fn buy_volume(&self) -> u128 {
        self.buy
    }

    pub fn sell_volume(&self) -> u128 {
        self.sell
    }

    /// Start a new session.
    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

/// [`TradeStrength`] over the last `trades` trades only, for a reading that reacts within a session.
/// `None` until `trades` trades have been seen, and while the window holds no sell-initiated volume.
#[derive(Debug, Clone)]
pub struct RollingTradeStrength {
    trades: usize,
    window: Ring<(Aggressor, u64)>,
    buy: u128,
    sell: u128,
}

impl RollingTradeStrength {
    pub fn new(trades: usize) -> Result<Self, ParamError> {
        let trades = check_period("RollingTradeStrength", "trades", trades)?;
        Ok(Self { trades, window: Ring::new(trades), buy: 0, sell: 0 })
    }

    pub fn update(&mut self, aggressor: Aggressor, quantity: u64) -> Option<f64> {
        self.add(aggressor, quantity);
        if let Some((old_side, old_qty)) = self.window.push((aggressor, quantity)) {
            // Every quantity removed was added before, so these never underflow.
            match old_side {
                Aggressor::Buy => self.buy = self.buy.saturating_sub(u128::from(old_qty)),
                Aggressor::Sell => self.sell = self.sell.saturating_sub(u128::from(old_qty)),
            }
        }
        self.value()
    }

    fn add(&mut self, aggressor: Aggressor, quantity: u64) {
        match aggressor {
            Aggressor::Buy => self.buy = self.buy.saturating_add(u128::from(quantity)),
            Aggressor::Sell => self.sell = self.sell.saturating_add(u128::from(quantity)),
        }
    }

    pub fn value(&self) -> Option<f64> {
        if self.window.is_full() { strength(self.buy, self.sell) } else { None }
    }

    pub fn trades(&self) -> usize {
        self.trades
    }

    pub fn reset(&mut self) {
        self.window.clear();
        self.buy = 0;
        self.sell = 0;
    }
}
