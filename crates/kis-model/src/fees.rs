//! Commissions and taxes, exact to the won and the cent.
//!
//! Tax rates change by law on fixed dates (KRX sell tax: 0.18 % in 2024, 0.15 % in 2025, 0.20 % from 2026 on
//! KOSPI), so rates live in a dated table in `config/fees.toml`, not in code. A trade uses the row in force on its
//! trade date. The shipped table is embedded as the default.

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Deserialize;
use thiserror::Error;

use crate::market::{Currency, KrxBoard};
use crate::money::Money;
use crate::side::Side;

const SHIPPED: &str = include_str!("../../../config/fees.toml");

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FeeError {
    #[error("fee table: {0}")]
    Parse(String),
    #[error("fee table: invalid date {value:?} in {table} (expected YYYY-MM-DD)")]
    BadDate { table: &'static str, value: String },
    #[error("fee table: {field} = {value} is out of range (expected 0 <= rate < 0.1)")]
    BadRate { field: String, value: Decimal },
    #[error("fee table: {table} rows must be in increasing date order ({date} is not after the previous row)")]
    Unordered { table: &'static str, date: NaiveDate },
    #[error("no {table} rate in force on {date}: the first row starts on {first}")]
    NoRateOn { table: &'static str, date: NaiveDate, first: NaiveDate },
    #[error("fee table: {table} has no rows")]
    Empty { table: &'static str },
    #[error("notional must not be negative: {0}")]
    NegativeNotional(Decimal),
}

/// Sell-tax rates by board, in force from `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxRate {
    pub from: NaiveDate,
    pub kospi: Decimal,
    pub kosdaq: Decimal,
    pub konex: Decimal,
}

impl TaxRate {
    pub fn for_board(&self, board: KrxBoard) -> Decimal {
        match board {
            KrxBoard::Kospi => self.kospi,
            KrxBoard::Kosdaq => self.kosdaq,
            KrxBoard::Konex => self.konex,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KrxFees {
    pub commission_rate: Decimal,
    pub commission_min: Decimal,
    pub sell_tax: Vec<TaxRate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsFees {
    pub commission_rate: Decimal,
    pub commission_min: Decimal,
    /// (effective from, rate per dollar of sale proceeds)
    pub sec_fee: Vec<(NaiveDate, Decimal)>,
}

/// What one fill costs beyond its notional.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fees {
    pub commission: Money,
    /// KRX: securities transaction + rural tax on sells. US: SEC Section 31 fee on sells.
    pub tax: Money,
}

impl Fees {
    pub fn total(&self) -> Money {
        self.commission + self.tax
    }
}

/// The fee model used by the simulator, the backtester and the daemon's estimates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeModel {
    pub krx: KrxFees,
    pub us: UsFees,
}

/// Raw form of `config/fees.toml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FeeFile {
    krx: KrxFile,
    us: UsFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KrxFile {
    commission_rate: Decimal,
    #[serde(default)]
    commission_min: Decimal,
    sell_tax: Vec<TaxRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TaxRow {
    from: String,
    kospi: Decimal,
    kosdaq: Decimal,
    konex: Decimal,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UsFile {
    commission_rate: Decimal,
    #[serde(default)]
    commission_min: Decimal,
    #[serde(default)]
    sec_fee: Vec<SecRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SecRow {
    from: String,
    rate: Decimal,
}

/// The table tests and the simulator use alongside this alias.
pub type FeeSchedule = FeeModel;

fn check_rate(field: String, value: Decimal) -> Result<Decimal, FeeError> {
    if value.is_sign_negative() && !value.is_zero() || value >= Decimal::new(1, 1) {
        return Err(FeeError::BadRate { field, value });
    }
    Ok(value)
}

fn parse_date(table: &'static str, value: &str) -> Result<NaiveDate, FeeError> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| FeeError::BadDate { table, value: value.to_string() })
}

fn check_order<T>(table: &'static str, rows: &[T], date: impl Fn(&T) -> NaiveDate) -> Result<(), FeeError> {
    if rows.is_empty() {
        return Err(FeeError::Empty { table });
    }
    for pair in rows.windows(2) {
        if date(&pair[1]) <= date(&pair[0]) {
            return Err(FeeError::Unordered { table, date: date(&pair[1]) });
        }
    }
    Ok(())
}

/// The row in force on `date`: the last row starting on or before it.
fn in_force<'a, T>(
    table: &'static str,
    rows: &'a [T],
    date: NaiveDate,
    from: impl Fn(&T) -> NaiveDate,
) -> Result<&'a T, FeeError> {
    let first = rows.first().ok_or(FeeError::Empty { table })?;
    rows.iter().rev().find(|row| from(row) <= date).ok_or(FeeError::NoRateOn { table, date, first: from(first) })
}

impl FeeModel {
    /// Parses a fee table in the format of `config/fees.toml`. Unknown keys are errors (a typo must not
    /// silently fall back to a default rate).
    pub fn from_toml(text: &str) -> Result<FeeModel, FeeError> {
        let file: FeeFile = toml::from_str(text).map_err(|e| FeeError::Parse(e.to_string()))?;
        let mut sell_tax = Vec::with_capacity(file.krx.sell_tax.len());
        for row in file.krx.sell_tax {
            let from = parse_date("krx.sell_tax", &row.from)?;
            sell_tax.push(TaxRate {
                from,
                kospi: check_rate(format!("krx.sell_tax[{from}].kospi"), row.kospi)?,
                kosdaq: check_rate(format!("krx.sell_tax[{from}].kosdaq"), row.kosdaq)?,
                konex: check_rate(format!("krx.sell_tax[{from}].konex"), row.konex)?,
            });
        }
        check_order("krx.sell_tax", &sell_tax, |r| r.from)?;
        let mut sec_fee = Vec::with_capacity(file.us.sec_fee.len());
        for row in file.us.sec_fee {
            let from = parse_date("us.sec_fee", &row.from)?;
            sec_fee.push((from, check_rate(format!("us.sec_fee[{from}].rate"), row.rate)?));
        }
        if !sec_fee.is_empty() {
            check_order("us.sec_fee", &sec_fee, |r| r.0)?;
        }
        Ok(FeeModel {
            krx: KrxFees {
                commission_rate: check_rate("krx.commission_rate".into(), file.krx.commission_rate)?,
                commission_min: file.krx.commission_min.max(Decimal::ZERO),
                sell_tax,
            },
            us: UsFees {
                commission_rate: check_rate("us.commission_rate".into(), file.us.commission_rate)?,
                commission_min: file.us.commission_min.max(Decimal::ZERO),
                sec_fee,
            },
        })
    }

    /// The table shipped in `config/fees.toml`.
    pub fn shipped() -> FeeModel {
        // The shipped file is covered by tests; failing here would be a build defect, not bad user input.
        FeeModel::from_toml(SHIPPED).unwrap_or_else(|e| panic!("shipped config/fees.toml is invalid: {e}"))
    }

    /// Backtests and what-if runs override the commission and the sell tax with one flat rate each.
    pub fn with_overrides(
        mut self,
        commission_rate: Option<Decimal>,
        sell_tax_rate: Option<Decimal>,
    ) -> Result<FeeModel, FeeError> {
        if let Some(rate) = commission_rate {
            let rate = check_rate("commission_rate".into(), rate)?;
            self.krx.commission_rate = rate;
            self.us.commission_rate = rate;
            self.krx.commission_min = Decimal::ZERO;
            self.us.commission_min = Decimal::ZERO;
        }
        if let Some(rate) = sell_tax_rate {
            let rate = check_rate("sell_tax_rate".into(), rate)?;
            self.krx.sell_tax = vec![TaxRate { from: NaiveDate::MIN, kospi: rate, kosdaq: rate, konex: rate }];
            self.us.sec_fee = vec![(NaiveDate::MIN, rate)];
        }
        Ok(self)
    }

    /// Fees of a KRX fill of `notional` won (price × qty) on `trade_date` (KST).
    pub fn krx(&self, side: Side, board: KrxBoard, notional: Decimal, trade_date: NaiveDate) -> Result<Fees, FeeError> {
        if notional.is_sign_negative() && !notional.is_zero() {
            return Err(FeeError::NegativeNotional(notional));
        }
        let commission = (notional * self.krx.commission_rate).trunc().max(self.krx.commission_min.trunc());
        let tax = match side {
            Side::Buy => Decimal::ZERO,
            Side::Sell => {
                let row = in_force("krx.sell_tax", &self.krx.sell_tax, trade_date, |r| r.from)?;
                (notional * row.for_board(board)).trunc()
            }
        };
        Ok(Fees { commission: Money::new(commission, Currency::Krw), tax: Money::new(tax, Currency::Krw) })
    }

    /// Fees of a US fill of `notional` dollars on `trade_date` (New York).
    pub fn us(&self, side: Side, notional: Decimal, trade_date: NaiveDate) -> Result<Fees, FeeError> {
        if notional.is_sign_negative() && !notional.is_zero() {
            return Err(FeeError::NegativeNotional(notional));
        }
        let commission = (notional * self.us.commission_rate)
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
            .max(self.us.commission_min);
        let sec = match side {
            Side::Buy => Decimal::ZERO,
            Side::Sell if self.us.sec_fee.is_empty() => Decimal::ZERO,
            Side::Sell => {
                let (_, rate) = in_force("us.sec_fee", &self.us.sec_fee, trade_date, |r| r.0)?;
                // FINRA/SEC practice: the fee is rounded up to the next cent.
                (notional * rate).round_dp_with_strategy(2, RoundingStrategy::AwayFromZero)
            }
        };
        Ok(Fees { commission: Money::new(commission, Currency::Usd), tax: Money::new(sec, Currency::Usd) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn shipped_table_reads_exactly() {
        let m = FeeModel::shipped();
        assert_eq!(m.krx.commission_rate, dec!(0.00015));
        assert_eq!(m.krx.sell_tax.len(), 3);
        assert_eq!(m.krx.sell_tax[0].kospi, dec!(0.0018));
        assert_eq!(m.krx.sell_tax[2].kosdaq, dec!(0.0020));
        assert_eq!(m.us.sec_fee[0].1, dec!(0.0000278));
    }

    #[test]
    fn krx_sell_tax_by_date_and_board() {
        let m = FeeModel::shipped();
        // 10 shares at 70,100 = 701,000 won.
        let n = dec!(701000);
        let y2024 = m.krx(Side::Sell, KrxBoard::Kospi, n, d("2024-12-30")).unwrap();
        assert_eq!(y2024.tax, Money::krw(1261)); // 1,261.8 cut to the won
        assert_eq!(y2024.commission, Money::krw(105)); // 105.15
        let y2025 = m.krx(Side::Sell, KrxBoard::Kosdaq, n, d("2025-06-02")).unwrap();
        assert_eq!(y2025.tax, Money::krw(1051)); // 1,051.5
        let y2026 = m.krx(Side::Sell, KrxBoard::Kospi, n, d("2026-01-02")).unwrap();
        assert_eq!(y2026.tax, Money::krw(1402));
        assert_eq!(y2026.total(), Money::krw(1507));
        let buy = m.krx(Side::Buy, KrxBoard::Kospi, n, d("2026-01-02")).unwrap();
        assert_eq!(buy.tax, Money::krw(0));
        assert_eq!(buy.commission, Money::krw(105));
        let konex = m.krx(Side::Sell, KrxBoard::Konex, n, d("2026-01-02")).unwrap();
        assert_eq!(konex.tax, Money::krw(701));
    }

    #[test]
    fn dates_before_the_table_are_errors() {
        let m = FeeModel::shipped();
        let err = m.krx(Side::Sell, KrxBoard::Kospi, dec!(1000), d("2023-12-29")).unwrap_err();
        assert_eq!(err.to_string(), "no krx.sell_tax rate in force on 2023-12-29: the first row starts on 2024-01-01");
    }

    #[test]
    fn us_commission_and_sec_fee() {
        let m = FeeModel::shipped();
        // 7 shares at 151.37 = 1,059.59 USD.
        let n = dec!(1059.59);
        let sell_2024 = m.us(Side::Sell, n, d("2024-08-01")).unwrap();
        assert_eq!(sell_2024.commission.amount, dec!(2.65)); // 2.649975 → 2.65
        assert_eq!(sell_2024.tax.amount, dec!(0.03)); // 0.0294566 → up to 0.03
        let sell_2025 = m.us(Side::Sell, n, d("2025-06-02")).unwrap();
        assert_eq!(sell_2025.tax.amount, dec!(0));
        assert_eq!(m.us(Side::Buy, n, d("2024-08-01")).unwrap().tax.amount, dec!(0));
    }

    #[test]
    fn overrides_apply_flat_rates() {
        let m = FeeModel::shipped().with_overrides(Some(dec!(0.001)), Some(dec!(0.002))).unwrap();
        let f = m.krx(Side::Sell, KrxBoard::Kosdaq, dec!(100000), d("2019-01-02")).unwrap();
        assert_eq!((f.commission, f.tax), (Money::krw(100), Money::krw(200)));
        assert!(FeeModel::shipped().with_overrides(Some(dec!(-0.1)), None).is_err());
    }

    #[test]
    fn bad_tables_are_named() {
        let typo = SHIPPED.replace("commission_rate = 0.00015", "comission_rate = 0.00015");
        assert!(FeeModel::from_toml(&typo).unwrap_err().to_string().contains("comission_rate"));
        let date = SHIPPED.replace("\"2025-01-01\"", "\"2025-13-01\"");
        assert_eq!(
            FeeModel::from_toml(&date).unwrap_err(),
            FeeError::BadDate { table: "krx.sell_tax", value: "2025-13-01".into() }
        );
        let order = SHIPPED.replace("\"2026-01-01\"", "\"2024-06-01\"");
        assert!(matches!(FeeModel::from_toml(&order), Err(FeeError::Unordered { .. })));
        let rate = SHIPPED.replace("kospi = 0.0018", "kospi = 0.18");
        assert!(matches!(FeeModel::from_toml(&rate), Err(FeeError::BadRate { .. })));
    }
}
