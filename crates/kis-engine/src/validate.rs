//! Price checks at submit and modify: the tick grid and the daily limits.

use kis_model::tick_size::{is_on_tick, krx_tick_size, to_won};
use kis_model::{Price, TickError};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::reject::RejectReason;
use crate::spec::MarketRules;

/// US grid: a cent from one dollar up, a hundredth of a cent below (SEC Rule 612).
fn us_tick(price: Decimal) -> Decimal {
    if price >= Decimal::ONE { Decimal::new(1, 2) } else { Decimal::new(1, 4) }
}

pub(crate) fn check_limit_price(rules: &MarketRules, price: Price) -> Result<(), RejectReason> {
    match *rules {
        MarketRules::Krx { kind, limits, .. } => {
            let won = match to_won(price) {
                Ok(won) => won,
                Err(TickError::NotWholeWon(v)) => {
                    let tick = krx_tick_size(v.trunc().to_u64().unwrap_or(0), kind);
                    return Err(RejectReason::OffTick { price, tick: Decimal::from(tick) });
                }
                Err(_) => {
                    return Err(RejectReason::OutsideDailyLimits { price, lower: limits.lower, upper: limits.upper });
                }
            };
            if !is_on_tick(won, kind) {
                return Err(RejectReason::OffTick { price, tick: Decimal::from(krx_tick_size(won, kind)) });
            }
            if !limits.contains(won) {
                return Err(RejectReason::OutsideDailyLimits { price, lower: limits.lower, upper: limits.upper });
            }
            Ok(())
        }
        MarketRules::Us => {
            let tick = us_tick(price.value());
            if price.is_zero() || !(price.value() % tick).is_zero() {
                return Err(RejectReason::OffTick { price, tick });
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kis_model::{DailyLimits, InstrumentKind, KrxBoard};
    use rust_decimal_macros::dec;

    fn krx(kind: InstrumentKind) -> MarketRules {
        MarketRules::Krx { board: KrxBoard::Kospi, kind, limits: DailyLimits { upper: 167_000, lower: 90_000 } }
    }

    fn p(s: &str) -> Price {
        s.parse().unwrap()
    }

    #[test]
    fn krx_grid_and_limits() {
        let stock = krx(InstrumentKind::Stock);
        assert_eq!(check_limit_price(&stock, p("128500")), Ok(()));
        assert_eq!(check_limit_price(&stock, p("167000")), Ok(()));
        assert_eq!(check_limit_price(&stock, p("90000")), Ok(()));
        assert_eq!(
            check_limit_price(&stock, p("128550")),
            Err(RejectReason::OffTick { price: p("128550"), tick: dec!(100) })
        );
        assert_eq!(
            check_limit_price(&stock, p("128500.5")),
            Err(RejectReason::OffTick { price: p("128500.5"), tick: dec!(100) })
        );
        assert_eq!(check_limit_price(&stock, p("0")), Err(RejectReason::OffTick { price: p("0"), tick: dec!(1) }));
        let over = RejectReason::OutsideDailyLimits { price: p("167100"), lower: 90_000, upper: 167_000 };
        assert_eq!(check_limit_price(&stock, p("167100")), Err(over));
        let under = RejectReason::OutsideDailyLimits { price: p("89900"), lower: 90_000, upper: 167_000 };
        assert_eq!(check_limit_price(&stock, p("89900")), Err(under));
        let huge = p("100000000000000000000000");
        assert_eq!(
            check_limit_price(&stock, huge),
            Err(RejectReason::OutsideDailyLimits { price: huge, lower: 90_000, upper: 167_000 })
        );
        // An ETF trades on a 5-won grid where a stock needs 100.
        assert_eq!(check_limit_price(&krx(InstrumentKind::Fund), p("128505")), Ok(()));
    }

    #[test]
    fn us_grid() {
        assert_eq!(check_limit_price(&MarketRules::Us, p("151.37")), Ok(()));
        assert_eq!(check_limit_price(&MarketRules::Us, p("0.5123")), Ok(()));
        assert_eq!(
            check_limit_price(&MarketRules::Us, p("151.375")),
            Err(RejectReason::OffTick { price: p("151.375"), tick: dec!(0.01) })
        );
        assert_eq!(
            check_limit_price(&MarketRules::Us, p("0.51235")),
            Err(RejectReason::OffTick { price: p("0.51235"), tick: dec!(0.0001) })
        );
        assert_eq!(
            check_limit_price(&MarketRules::Us, Price::ZERO),
            Err(RejectReason::OffTick { price: Price::ZERO, tick: dec!(0.0001) })
        );
    }
}
