//! Field parsers and writers. Hand-rolled integer parsing because the feed decodes millions of fields per
//! second and `str::parse::<i64>` plus error construction is measurably slower; money never goes through f64.

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};
use kis_model::WireDecimalError;
use rust_decimal::Decimal;

/// Parses an optionally signed decimal integer; leading zeros are allowed (`0000000001`). `None` on anything
/// else, including overflow and the empty string.
#[inline]
pub fn parse_i64(s: &str) -> Option<i64> {
    let (neg, digits) = match s.as_bytes().split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        Some(_) => (false, s.as_bytes()),
        None => return None,
    };
    if digits.is_empty() {
        return None;
    }
    let mut value: i64 = 0;
    if digits.len() <= 18 {
        // 18 digits cannot overflow an i64, so the common case needs no overflow checks.
        for &byte in digits {
            let digit = byte.wrapping_sub(b'0');
            if digit > 9 {
                return None;
            }
            value = value * 10 + i64::from(digit);
        }
    } else {
        for &byte in digits {
            let digit = byte.wrapping_sub(b'0');
            if digit > 9 {
                return None;
            }
            value = value.checked_mul(10)?.checked_add(i64::from(digit))?;
        }
    }
    Some(if neg { -value } else { value })
}

/// Parses a wire decimal (`-7.22`, `258.6000`, `0.00`), keeping its scale: KIS's rules, read by the one
/// wire-decimal reader ([`kis_model::decimal`]) that the REST types and the simulator use too.
#[inline]
pub fn parse_decimal(s: &str) -> Result<Decimal, WireDecimalError> {
    kis_model::parse_wire_decimal(s)
}

fn two_digits(bytes: &[u8]) -> Option<u32> {
    match bytes {
        [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => Some(u32::from(a - b'0') * 10 + u32::from(b - b'0')),
        _ => None,
    }
}

/// Parses `HHMMSS` (KIS local times).
#[inline]
pub fn parse_hms(s: &str) -> Option<NaiveTime> {
    let bytes = s.as_bytes();
    if bytes.len() != 6 {
        return None;
    }
    let h = two_digits(bytes.get(0..2)?)?;
    let m = two_digits(bytes.get(2..4)?)?;
    let sec = two_digits(bytes.get(4..6)?)?;
    NaiveTime::from_hms_opt(h, m, sec)
}

/// Parses `YYYYMMDD`.
pub fn parse_ymd(s: &str) -> Option<NaiveDate> {
    let bytes = s.as_bytes();
    if bytes.len() != 8 {
        return None;
    }
    let year = parse_i64(s.get(0..4)?)?;
    let month = two_digits(bytes.get(4..6)?)?;
    let day = two_digits(bytes.get(6..8)?)?;
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// Appends an integer without going through `format!` allocation.
#[inline]
pub fn write_i64(out: &mut Vec<u8>, value: i64) {
    if value < 0 {
        out.push(b'-');
    }
    write_u64_padded(out, value.unsigned_abs(), 0);
}

/// Appends `value` in decimal, left-padded with zeros to at least `width` digits (at most 20 are written).
///
/// The simulator encodes every field of every frame it streams, so this avoids `fmt` machinery (`write!`
/// costs ~10× more per field) and appends the digits as one byte slice.
fn write_u64_padded(out: &mut Vec<u8>, value: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut pos = buf.len();
    let mut rest = value;
    loop {
        pos -= 1;
        if let Some(slot) = buf.get_mut(pos) {
            // `rest % 10` is below 10, so the cast cannot truncate.
            *slot = b'0' + (rest % 10) as u8;
        }
        rest /= 10;
        if rest == 0 || pos == 0 {
            break;
        }
    }
    let pos = pos.min(buf.len().saturating_sub(width));
    out.extend_from_slice(buf.get(pos..).unwrap_or_default());
}

/// Appends a non-negative integer zero-padded to `width` digits, as KIS pads notice quantities and prices
/// (`0000000001`, `000003190`). Negative values keep their sign and are not padded further.
pub fn write_padded(out: &mut Vec<u8>, value: i64, width: usize) {
    if value < 0 {
        write_i64(out, value);
    } else {
        write_u64_padded(out, value.unsigned_abs(), width);
    }
}

fn push_two(out: &mut Vec<u8>, value: u32) {
    // Callers pass values below 100 (clock and calendar parts).
    out.extend_from_slice(&[b'0' + (value / 10 % 10) as u8, b'0' + (value % 10) as u8]);
}

/// Appends `HHMMSS` (hand-written: chrono's formatter re-parses its pattern on every call).
pub fn write_hms(out: &mut Vec<u8>, time: NaiveTime) {
    push_two(out, time.hour());
    push_two(out, time.minute());
    push_two(out, time.second());
}

/// Appends `YYYYMMDD`.
pub fn write_ymd(out: &mut Vec<u8>, date: NaiveDate) {
    match u64::try_from(date.year()) {
        Ok(year) if year <= 9999 => write_u64_padded(out, year, 4),
        _ => {
            out.extend_from_slice(format!("{:04}", date.year()).as_bytes());
        }
    }
    push_two(out, date.month());
    push_two(out, date.day());
}

/// Appends a decimal with its scale (`-7.22`, `258.6000`), exactly as `Decimal`'s `Display` does.
pub fn write_decimal(out: &mut Vec<u8>, value: Decimal) {
    let mantissa = value.mantissa();
    let Ok(magnitude) = u64::try_from(mantissa.unsigned_abs()) else {
        // Beyond 64 bits of mantissa (never on KIS feeds): the general formatter.
        out.extend_from_slice(value.to_string().as_bytes());
        return;
    };
    if mantissa < 0 {
        out.push(b'-');
    }
    let scale = value.scale();
    if scale == 0 {
        write_u64_padded(out, magnitude, 0);
        return;
    }
    let Some(divisor) = 10u64.checked_pow(scale) else {
        out.extend_from_slice(value.abs().to_string().as_bytes());
        return;
    };
    write_u64_padded(out, magnitude / divisor, 0);
    out.push(b'.');
    write_u64_padded(out, magnitude % divisor, scale as usize);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert_eq!(parse_i64("0000000001"), Some(1));
        assert_eq!(parse_i64("-19500"), Some(-19500));
        assert_eq!(parse_i64("+5"), Some(5));
        assert_eq!(parse_i64("9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64("9223372036854775808"), None);
        assert_eq!(parse_i64(""), None);
        assert_eq!(parse_i64("-"), None);
        assert_eq!(parse_i64("1.5"), None);
        assert_eq!(parse_i64("12a"), None);
        let mut s = Vec::new();
        write_i64(&mut s, i64::MIN);
        assert_eq!(s, b"-9223372036854775808");
        s.clear();
        write_i64(&mut s, 0);
        write_i64(&mut s, 250500);
        assert_eq!(s, b"0250500");
        s.clear();
        write_padded(&mut s, 3190, 9);
        assert_eq!(s, b"000003190");
    }

    #[test]
    fn times_and_dates() {
        assert_eq!(parse_hms("115214"), NaiveTime::from_hms_opt(11, 52, 14));
        assert_eq!(parse_hms("246000"), None);
        assert_eq!(parse_hms("11521"), None);
        assert_eq!(parse_ymd("20260724"), NaiveDate::from_ymd_opt(2026, 7, 24));
        assert_eq!(parse_ymd("20261324"), None);
    }

    #[test]
    fn fast_writers_match_the_formatter() {
        let decimals =
            ["-7.22", "258.6000", "0.05", "-0.05", "0", "60.51", "140.44", "123456789.000001", "-19500", "0.00"];
        for text in decimals {
            let d: Decimal = text.parse().unwrap();
            let mut s = Vec::new();
            write_decimal(&mut s, d);
            assert_eq!(s, d.to_string().as_bytes(), "{text}");
        }
        let huge = Decimal::MAX;
        let mut s = Vec::new();
        write_decimal(&mut s, huge);
        assert_eq!(s, huge.to_string().as_bytes());
        for (value, width, expect) in [(3190, 9, "000003190"), (1, 10, "0000000001"), (0, 3, "000"), (-5, 4, "-5")] {
            let mut s = Vec::new();
            write_padded(&mut s, value, width);
            assert_eq!(s, expect.as_bytes());
        }
        let mut s = Vec::new();
        write_ymd(&mut s, NaiveDate::from_ymd_opt(2026, 7, 4).unwrap());
        assert_eq!(s, b"20260704");
    }

    proptest::proptest! {
        #[test]
        fn decimal_writer_equals_display(m in proptest::prelude::any::<i64>(), scale in 0u32..12) {
            let d = Decimal::new(m, scale);
            let mut s = Vec::new();
            write_decimal(&mut s, d);
            proptest::prop_assert_eq!(s, d.to_string().into_bytes());
        }
    }
}
