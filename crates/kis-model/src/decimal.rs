//! The one reader of KIS's wire decimals.
//!
//! KIS sends every number as text, and the same value reaches us through REST JSON, WebSocket `^` fields and
//! (in the simulator) request bodies. Before this module each path had its own parser and they disagreed on
//! signs, `_` separators and blanks; now they all call [`parse_wire_decimal`] (signed fields) or
//! [`parse_wire_unsigned`] (prices, quantities) and wrap its [`WireDecimalError`] into their own field error.
//!
//! The rules, taken from real KIS messages (`testdata/kis-samples`, KIS's documentation examples):
//! - plain notation `digits[.digits]`: `"128500"`, `"1091.2600"`, `"0.00"`; the scale is kept as sent;
//! - leading zeros are normal (notice fields are zero-padded: `"0000000001"`, `"000003190"`);
//! - an optional leading `-` or `+` on signed fields (`"-19500"`, `"-7.22"`; US `rate` is `"+5.61"`);
//! - surrounding ASCII blanks are padding (US `rate` comes as `" 0.00"`) and are ignored;
//! - empty (or all blank) is an error: KIS leaves a number blank when it does not apply, and a caller whose
//!   field may be absent decides that itself (an `Option`, a market order's blank price) — blank is not zero;
//! - everything else is garbage rather than a number: `_` separators, exponents, `NaN`/`inf`, a second dot,
//!   a bare dot (`"5."`, `".5"`), embedded blanks, a sign on an unsigned field, text longer than
//!   [`MAX_WIRE_DECIMAL_LEN`], and values a [`Decimal`] cannot hold exactly (more than 28 decimal places or a
//!   mantissa beyond 96 bits — `Decimal::from_str` would round those silently).
//!
//! Hand-written rather than `Decimal::from_str` because that parser accepts `_` and rounds excess digits, and
//! because the feed reads millions of fields per second: whole numbers of up to 19 digits go through one `u64`.

use std::fmt;

use rust_decimal::Decimal;

/// Longest accepted text after trimming blanks. KIS's widest numeric fields are about 20 characters; a
/// [`Decimal`] holds at most 29 significant digits, so 40 leaves room for a sign, a dot and zero padding while
/// bounding the work on corrupted input.
pub const MAX_WIRE_DECIMAL_LEN: usize = 40;

/// Decimal places a [`Decimal`] holds.
const MAX_SCALE: u32 = 28;

/// Largest mantissa a [`Decimal`] holds (96 bits).
const MAX_MANTISSA: u128 = (1 << 96) - 1;

/// Why a wire value is not a KIS decimal. `Copy` and payload-free so that field errors can embed it cheaply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WireDecimalError {
    /// Empty or only blanks.
    Empty,
    /// Longer than [`MAX_WIRE_DECIMAL_LEN`] after trimming.
    TooLong,
    /// Not `[sign]digits[.digits]`.
    Malformed,
    /// A `+`/`-` on a field that takes no sign (prices, quantities).
    Signed,
    /// More than 28 decimal places or more than 96 bits of mantissa: not exactly representable.
    OutOfRange,
}

impl WireDecimalError {
    /// A short description, for field errors that carry a static problem text.
    pub const fn reason(self) -> &'static str {
        match self {
            Self::Empty => "empty, expected a decimal number",
            Self::TooLong => "too long for a decimal number",
            Self::Malformed => "not a decimal number",
            Self::Signed => "signed, expected an unsigned decimal number",
            Self::OutOfRange => "decimal number out of range",
        }
    }
}

impl fmt::Display for WireDecimalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

impl std::error::Error for WireDecimalError {}

/// A signed wire decimal (전일대비 `prdy_vrss`, rates, P&L): `"-19500"`, `"+5.61"`, `" 0.00"`, `"1091.2600"`.
#[inline]
pub fn parse_wire_decimal(text: &str) -> Result<Decimal, WireDecimalError> {
    parse(text, true)
}

/// An unsigned wire decimal (prices, quantities, amounts that cannot be negative): as [`parse_wire_decimal`]
/// but any sign, even on zero, is [`WireDecimalError::Signed`]. The result is never negative.
#[inline]
pub fn parse_wire_unsigned(text: &str) -> Result<Decimal, WireDecimalError> {
    parse(text, false)
}

#[inline]
fn parse(text: &str, signed: bool) -> Result<Decimal, WireDecimalError> {
    let t = text.trim_ascii();
    if t.is_empty() {
        return Err(WireDecimalError::Empty);
    }
    if t.len() > MAX_WIRE_DECIMAL_LEN {
        return Err(WireDecimalError::TooLong);
    }
    let bytes = t.as_bytes();
    let (negative, body) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, bytes),
    };
    if body.len() != bytes.len() && !signed {
        return Err(WireDecimalError::Signed);
    }
    // One pass to validate the shape and find the dot; the digits are accumulated afterwards.
    let mut dot: Option<usize> = None;
    for (i, &b) in body.iter().enumerate() {
        match b {
            b'0'..=b'9' => {}
            b'.' if dot.is_none() => dot = Some(i),
            _ => return Err(WireDecimalError::Malformed),
        }
    }
    let (int_digits, frac_digits) = match dot {
        Some(at) => (at, body.len() - at - 1),
        None => (body.len(), 0),
    };
    if int_digits == 0 || (dot.is_some() && frac_digits == 0) {
        return Err(WireDecimalError::Malformed);
    }
    let scale = u32::try_from(frac_digits).map_err(|_| WireDecimalError::OutOfRange)?;
    if scale > MAX_SCALE {
        return Err(WireDecimalError::OutOfRange);
    }
    let digits = body.iter().filter(|&&b| b != b'.');
    let mantissa: u128 = if int_digits + frac_digits <= 19 {
        // 19 digits fit a u64 without overflow checks: every KRX price and quantity takes this path.
        u128::from(digits.fold(0u64, |m, &b| m * 10 + u64::from(b - b'0')))
    } else {
        let mut m: u128 = 0;
        for &b in digits {
            // m ≤ MAX_MANTISSA (2^96) before the step, so m·10 + 9 cannot overflow a u128.
            m = m * 10 + u128::from(b - b'0');
            if m > MAX_MANTISSA {
                return Err(WireDecimalError::OutOfRange);
            }
        }
        m
    };
    // Truncating casts pick the three 32-bit words of a mantissa checked to fit 96 bits.
    let (lo, mid, hi) = (mantissa as u32, (mantissa >> 32) as u32, (mantissa >> 64) as u32);
    // `from_parts` keeps the sign even on zero (`"-0.00"`), as `Decimal::from_str` does.
    Ok(Decimal::from_parts(lo, mid, hi, negative, scale))
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn accepts_what_kis_sends() {
        for (text, expect) in [
            ("128500", "128500"),
            ("00000070000", "70000"),
            ("0000000001", "1"),
            ("-19500", "-19500"),
            ("-7.22", "-7.22"),
            ("+5.61", "5.61"),
            (" 0.00", "0.00"),
            ("1091.2600", "1091.2600"),
            ("-100.00000000", "-100.00000000"),
            ("0.0000", "0.0000"),
            ("3013709268750", "3013709268750"),
            ("12345678901234567890", "12345678901234567890"),
            ("79228162514264337593543950335", "79228162514264337593543950335"),
            ("0.0000000000000000000000000001", "0.0000000000000000000000000001"),
        ] {
            let got = parse_wire_decimal(text).unwrap();
            // Same value and same scale as the text with its padding removed.
            assert_eq!(got.to_string(), expect, "{text:?}");
        }
        assert_eq!(parse_wire_unsigned("000003190").unwrap(), Decimal::from(3190));
        assert_eq!(parse_wire_decimal("-0").unwrap(), Decimal::ZERO);
    }

    #[test]
    fn rejects_what_is_not_a_kis_decimal() {
        use WireDecimalError::*;
        for (text, why) in [
            ("", Empty),
            ("   ", Empty),
            ("1_000", Malformed),
            ("1e5", Malformed),
            ("1E5", Malformed),
            ("NaN", Malformed),
            ("inf", Malformed),
            ("1.2.3", Malformed),
            ("1 000", Malformed),
            ("5.", Malformed),
            (".5", Malformed),
            ("-", Malformed),
            ("+", Malformed),
            ("--5", Malformed),
            ("+-5", Malformed),
            ("5-", Malformed),
            ("0x10", Malformed),
            ("１２", Malformed),
            ("79228162514264337593543950336", OutOfRange),
            ("0.00000000000000000000000000001", OutOfRange),
            ("7922816251426433759354395033.51", OutOfRange),
            ("00000000000000000000000000000000000000001", TooLong),
        ] {
            assert_eq!(parse_wire_decimal(text), Err(why), "{text:?}");
        }
        assert_eq!(parse_wire_unsigned("-5"), Err(Signed));
        assert_eq!(parse_wire_unsigned("+5"), Err(Signed));
        assert_eq!(parse_wire_unsigned("-0"), Err(Signed));
    }

    /// How KIS may write a decimal: its plain text, optionally zero-padded after the sign, with `+` on
    /// positives, and with blank padding around it.
    fn kis_text(d: Decimal, zeros: usize, plus: bool, blanks: (usize, usize)) -> String {
        let plain = d.abs().to_string();
        let sign = if d.is_sign_negative() {
            "-"
        } else if plus {
            "+"
        } else {
            ""
        };
        format!("{}{sign}{}{plain}{}", " ".repeat(blanks.0), "0".repeat(zeros), " ".repeat(blanks.1))
    }

    proptest! {
        #[test]
        fn decimal_to_kis_text_and_back(
            mantissa in -(MAX_MANTISSA as i128)..=(MAX_MANTISSA as i128),
            scale in 0u32..=MAX_SCALE,
            zeros in 0usize..4,
            plus in any::<bool>(),
            blanks in (0usize..3, 0usize..3),
        ) {
            let d = Decimal::from_i128_with_scale(mantissa, scale);
            let text = kis_text(d, zeros, plus, blanks);
            prop_assume!(text.trim().len() <= MAX_WIRE_DECIMAL_LEN);
            let back = parse_wire_decimal(&text).unwrap();
            // Same value and the same scale, so it prints (and re-serialises) as KIS sent it.
            prop_assert_eq!(back, d);
            prop_assert_eq!(back.to_string(), d.to_string());
            let unsigned = parse_wire_unsigned(&text);
            if d.is_sign_negative() || plus {
                prop_assert_eq!(unsigned, Err(WireDecimalError::Signed));
            } else {
                prop_assert_eq!(unsigned, Ok(d));
            }
        }

        #[test]
        fn random_text_never_panics(text in ".{0,64}") {
            let signed = parse_wire_decimal(&text);
            let unsigned = parse_wire_unsigned(&text);
            // The unsigned reader is the signed one minus signs: never accepts more, never a negative.
            if let Ok(u) = unsigned {
                prop_assert_eq!(signed, Ok(u));
                prop_assert!(!u.is_sign_negative());
            }
        }

        #[test]
        fn whatever_is_accepted_is_what_decimal_from_str_reads(text in "[ ]?[+-]?[0-9]{0,30}(\\.[0-9]{0,30})?[ ]?") {
            if let Ok(d) = parse_wire_decimal(&text) {
                // Within the accepted shape `Decimal::from_str` agrees exactly (it only rounds what we refuse).
                let general = Decimal::from_str(text.trim()).unwrap();
                prop_assert_eq!(d, general);
                prop_assert_eq!(d.to_string(), general.to_string());
            }
        }
    }
}
