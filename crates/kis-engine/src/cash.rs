//! Cash per currency, split into what is owned and what open buy orders have claimed.

use kis_model::Currency;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Cash in one currency. `reserved` is the sum of the reservations of open buy orders, so that two orders
/// cannot spend the same won and a cancel gives back exactly what its order still held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CashBalance {
    pub total: Decimal,
    pub reserved: Decimal,
}

impl CashBalance {
    /// What a new buy order may still claim (KIS `ord_psbl_cash`).
    pub fn available(&self) -> Decimal {
        self.total - self.reserved
    }
}

/// The two currencies kis-trader trades in; a fixed pair keeps lookups free of maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CashBook {
    pub krw: CashBalance,
    pub usd: CashBalance,
}

impl CashBook {
    pub fn get(&self, currency: Currency) -> &CashBalance {
        match currency {
            Currency::Krw => &self.krw,
            Currency::Usd => &self.usd,
        }
    }

    pub(crate) fn get_mut(&mut self, currency: Currency) -> &mut CashBalance {
        match currency {
            Currency::Krw => &mut self.krw,
            Currency::Usd => &mut self.usd,
        }
    }
}
