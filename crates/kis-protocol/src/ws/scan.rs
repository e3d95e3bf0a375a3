//! Finding `^` eight bytes at a time (SWAR on `u64`, no `unsafe`, no SIMD crate): the field scan is the
//! whole cost of decoding a feed record, and a byte loop alone would use up the 200 ns/record budget.

const ONES: u64 = 0x0101_0101_0101_0101;
const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
const CARETS: u64 = ONES * b'^' as u64;

/// High bit set in exactly the bytes of `word` equal to `^` (no carry between bytes, so no false hits).
#[inline(always)]
pub(crate) fn caret_mask(word: u64) -> u64 {
    let x = word ^ CARETS;
    let y = (x & LOW7).wrapping_add(LOW7);
    !(y | x | LOW7)
}

/// Loads up to 8 bytes at `start`, zero-padded (a zero byte is never `^`).
#[inline(always)]
pub(crate) fn load(bytes: &[u8], start: usize) -> u64 {
    if let Some(chunk) = bytes.get(start..start + 8) {
        return u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
    }
    let mut buf = [0u8; 8];
    for (dst, src) in buf.iter_mut().zip(bytes.get(start..).unwrap_or_default()) {
        *dst = *src;
    }
    u64::from_le_bytes(buf)
}

/// Number of marked bytes in a [`caret_mask`] result. One multiply: the baseline x86-64 target has no
/// `popcnt` instruction and `count_ones` becomes a dozen operations.
#[inline(always)]
pub(crate) fn mask_count(mask: u64) -> usize {
    ((mask >> 7).wrapping_mul(ONES) >> 56) as usize
}

/// Number of `^` in `bytes`.
#[inline]
pub(crate) fn count_carets(bytes: &[u8]) -> usize {
    let mut count = 0usize;
    let mut start = 0usize;
    while start < bytes.len() {
        count += mask_count(caret_mask(load(bytes, start)));
        start += 8;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_byte_loop() {
        let samples = ["", "^", "a^b", "^^^^^^^^^", "abcdefgh^ijklmnop^", "\u{7f}^\u{de}^\u{80}^^", "김한투^하림^"];
        for s in samples {
            assert_eq!(count_carets(s.as_bytes()), s.bytes().filter(|&b| b == b'^').count(), "{s:?}");
        }
        // Every byte value next to a caret: no false hits from carries between bytes.
        let all: Vec<u8> = (0..=255u8).flat_map(|b| [b, b'^']).collect();
        assert_eq!(count_carets(&all), 257);
        assert_eq!(caret_mask(u64::from_le_bytes(*b"^a^b^c^d")), 0x0080_0080_0080_0080);
        assert_eq!(mask_count(caret_mask(u64::from_le_bytes(*b"^^^^^^^^"))), 8);
        assert_eq!(mask_count(0), 0);
    }
}
