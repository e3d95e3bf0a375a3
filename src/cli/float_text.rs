//! `f64` as text, byte for byte what Rust's `Display` writes (shortest digits that read back to the same value,
//! never an exponent: `1`, `0.1`, `1e20` as `100000000000000000000`), but through `ryu` into a byte buffer:
//! `kis-trader indicators` writes eleven values a bar, and `write!(out, "{v}")` spent about two thirds of its
//! time in the formatting machinery. The output format is a promise to scripts that read it, so it must not
//! change with the formatter (the tests compare both on random bit patterns).

/// Appends `v` to `out` as `format!("{v}")` would.
pub fn push_f64(out: &mut Vec<u8>, v: f64) {
    if !v.is_finite() {
        // NaN and the infinities: whatever Display says is the format.
        out.extend_from_slice(v.to_string().as_bytes());
        return;
    }
    let mut buffer = ryu::Buffer::new();
    let text = buffer.format_finite(v).as_bytes();
    if !may_tie(v) && !text.contains(&b'e') {
        // ryu's positional form is Display's but for the `.0` it gives whole numbers (`-0.0` included).
        out.extend_from_slice(text.strip_suffix(b".0").unwrap_or(text));
        return;
    }
    let (negative, body) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let (mantissa, exponent) = match body.iter().position(|&b| b == b'e') {
        Some(at) => (&body[..at], parse_exponent(&body[at + 1..])),
        None => (body, 0),
    };
    let (int_part, frac_part) = match mantissa.iter().position(|&b| b == b'.') {
        Some(at) => (&mantissa[..at], &mantissa[at + 1..]),
        None => (mantissa, &[][..]),
    };
    // All digits in one run, and where the decimal point falls in it.
    let mut digits = [0u8; 40];
    let mut len = 0;
    for &d in int_part.iter().chain(frac_part) {
        if let Some(slot) = digits.get_mut(len) {
            *slot = d;
            len += 1;
        }
    }
    let mut point = int_part.len() as i32 + exponent;
    let lead = digits[..len].iter().take_while(|&&d| d == b'0').count();
    let digits = &digits[lead..len];
    point -= lead as i32;
    let trail = digits.iter().rev().take_while(|&&d| d == b'0').count();
    let digits = &digits[..digits.len() - trail];
    if !digits.is_empty() && !no_tie(v, digits, point) {
        // ryu breaks an exact tie between two shortest candidates to even, Display rounds half up
        // (`-216947426964670.125` → `…670.12` against `…670.13`): both read back to `v`, but the text
        // must not change with the formatter.
        out.extend_from_slice(v.to_string().as_bytes());
        return;
    }
    if negative {
        out.push(b'-');
    }
    if digits.is_empty() {
        out.push(b'0');
    } else if point <= 0 {
        out.extend_from_slice(b"0.");
        out.resize(out.len() + point.unsigned_abs() as usize, b'0');
        out.extend_from_slice(digits);
    } else if point as usize >= digits.len() {
        out.extend_from_slice(digits);
        out.resize(out.len() + (point as usize - digits.len()), b'0');
    } else {
        let (whole, fraction) = digits.split_at(point as usize);
        out.extend_from_slice(whole);
        out.push(b'.');
        out.extend_from_slice(fraction);
    }
}

/// Whether `v` is certainly not exactly halfway between `0.digits × 10^point` and its neighbour one unit in
/// the last digit up, that is, `|v| ≠ (digits·10 + 5) × 10^(point − len − 1)` (exact integer arithmetic).
/// `false` also when the check would overflow, which only sends the value through Display.
/// `|v| = m × 2^e` with an integer `m`.
fn parts(v: f64) -> (u64, i32) {
    let bits = v.to_bits();
    let raw_exp = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1u64 << 52) - 1);
    if raw_exp == 0 { (fraction, -1074) } else { (fraction | (1 << 52), raw_exp - 1075) }
}

/// Whether `v` could be a tie at all. A tie needs v's exact decimal expansion to end one digit after the (at
/// most 17) shortest digits, so at most 18 decimal places: a value whose lowest set bit lies below 2^-18 has as
/// many places as that bit, far more. That is nearly every computed indicator value, decided from the bits.
fn may_tie(v: f64) -> bool {
    let (m, e) = parts(v);
    m == 0 || e + (m.trailing_zeros() as i32) >= -18
}

fn no_tie(v: f64, digits: &[u8], point: i32) -> bool {
    if !may_tie(v) {
        return true;
    }
    let (m, e) = parts(v);
    let exact = || -> Option<bool> {
        let d = digits.iter().try_fold(0u128, |acc, &b| acc.checked_mul(10)?.checked_add(u128::from(b - b'0')))?;
        let c = d.checked_mul(10)?.checked_add(5)?;
        let q = point - digits.len() as i32 - 1;
        // |v| = m × 2^e.
        let m = u128::from(m);
        // m·2^e = c·2^q·5^q  ⇔  x·2^s = y with s = e − q.
        let pow5 = |k: u32| 5u128.checked_pow(k);
        let (x, y) = if q >= 0 {
            (m, c.checked_mul(pow5(q.unsigned_abs())?)?)
        } else {
            (m.checked_mul(pow5(q.unsigned_abs())?)?, c)
        };
        let s = e - q;
        Some(if s >= 0 {
            let shifted = x.checked_shl(s.unsigned_abs())?;
            // checked_shl only refuses shifts ≥ 128; bits shifted out must be caught by hand.
            if shifted >> s.unsigned_abs() != x {
                return None;
            }
            shifted != y
        } else {
            let k = s.unsigned_abs();
            if k >= 128 {
                return Some(x != 0 || y != 0);
            }
            x & ((1u128 << k) - 1) != 0 || x >> k != y
        })
    };
    exact().unwrap_or(false)
}

/// ryu's exponent: an optional `-` and decimal digits.
fn parse_exponent(text: &[u8]) -> i32 {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let magnitude = digits.iter().fold(0i32, |acc, &d| acc * 10 + i32::from(d - b'0'));
    if negative { -magnitude } else { magnitude }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::push_f64;

    fn text(v: f64) -> String {
        let mut out = Vec::new();
        push_f64(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn matches_display_on_the_edges() {
        for v in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            0.3,
            100.0,
            123.456,
            1e15,
            1e16,
            f64::from_bits(14_044_662_356_176_705_476), // -216947426964670.125, a tie
            1_099_511_627_775.875,
            1e17,
            1e20,
            1e300,
            1.5e-7,
            1e-5,
            1e-300,
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::EPSILON,
            70_000.0,
            0.000_123,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            assert_eq!(text(v), format!("{v}"), "{v:e}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]
        #[test]
        fn matches_display_on_any_bit_pattern(bits in any::<u64>()) {
            let v = f64::from_bits(bits);
            prop_assert_eq!(text(v), format!("{}", v));
        }

        /// Values with few significant bits have short exact expansions: where ties would show first.
        #[test]
        fn matches_display_on_few_bit_values(m in 1u64..(1 << 53), shift in 0i32..70, negative in any::<bool>()) {
            let v = m as f64 * 2f64.powi(-shift) * if negative { -1.0 } else { 1.0 };
            prop_assert_eq!(text(v), format!("{}", v));
        }

        #[test]
        fn matches_display_on_indicator_like_values(v in -1.0e7f64..1.0e7) {
            prop_assert_eq!(text(v), format!("{}", v));
        }
    }
}
