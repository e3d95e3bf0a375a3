//! Thousands separators, as people read amounts (`1,234,567.89`): the notifier's messages, the backtest report
//! and the simulator's KIS texts (`stck_fcam`-style `"5,000"`) all group digits the same way, here.

use rust_decimal::Decimal;

/// Inserts `,` every three digits into the integer part of a numeral such as `-1234567.50`; the sign and the
/// fraction are kept as written. For text already formatted to the precision wanted (e.g. `format!("{:.2}")`).
pub fn group_thousands(numeral: &str) -> String {
    let (sign, digits) = numeral.strip_prefix('-').map_or(("", numeral), |d| ("-", d));
    let (int, frac) = digits.split_once('.').map_or((digits, None), |(i, f)| (i, Some(f)));
    let mut out = String::with_capacity(numeral.len() + int.len() / 3 + 1);
    out.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// A decimal grouped exactly: its own digits, trailing fractional zeros dropped, never `-0`.
pub fn group_decimal(value: Decimal) -> String {
    // `normalize` strips trailing zeros and turns -0 into 0.
    group_thousands(&value.normalize().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn numerals_keep_sign_and_fraction() {
        assert_eq!(group_thousands("36576"), "36,576");
        assert_eq!(group_thousands("5000"), "5,000");
        assert_eq!(group_thousands("999"), "999");
        assert_eq!(group_thousands("-1000"), "-1,000");
        assert_eq!(group_thousands("1234567.50"), "1,234,567.50");
        assert_eq!(group_thousands("0.00"), "0.00");
        assert_eq!(group_thousands(""), "");
    }

    #[test]
    fn decimals_drop_trailing_zeros_and_negative_zero() {
        // More cases stand with the callers: the notifier's `grouping_keeps_exact_digits`, the report's
        // `money_is_grouped_exactly`.
        assert_eq!(group_decimal(dec!(-0.000)), "0");
        assert_eq!(group_decimal(dec!(12345.6700)), "12,345.67");
    }
}
