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
///
/// Multi-record frames pay for this pass before any record is located, so it sums per-byte hit flags in a
/// `u64` accumulator (eight lanes that cannot overflow within 255 words) and folds the lanes only once per
/// block instead of once per word.
#[inline]
pub(crate) fn count_carets(bytes: &[u8]) -> usize {
    const BLOCK_WORDS: usize = 255;
    let mut count = 0usize;
    let mut words = bytes.chunks_exact(8);
    loop {
        let mut lanes = 0u64;
        let mut taken = 0usize;
        for chunk in words.by_ref().take(BLOCK_WORDS) {
            let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
            lanes += caret_mask(word) >> 7;
            taken += 1;
        }
        // Lanes hold up to 255 each, so widen to 16-bit lanes before the multiply-fold (total ≤ 2,040).
        const EVEN: u64 = 0x00FF_00FF_00FF_00FF;
        let pairs = (lanes & EVEN) + ((lanes >> 8) & EVEN);
        count += (pairs.wrapping_mul(0x0001_0001_0001_0001) >> 48) as usize;
        if taken < BLOCK_WORDS {
            break;
        }
    }
    count + words.remainder().iter().filter(|&&b| b == b'^').count()
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
        // Past one accumulator block (255 words) and with a ragged tail.
        let long = "a^bcdefg".repeat(600) + "^^x";
        assert_eq!(count_carets(long.as_bytes()), 602);
        let dense = "^".repeat(8 * 300 + 5);
        assert_eq!(count_carets(dense.as_bytes()), 8 * 300 + 5);
        assert_eq!(caret_mask(u64::from_le_bytes(*b"^a^b^c^d")), 0x0080_0080_0080_0080);
        assert_eq!(mask_count(caret_mask(u64::from_le_bytes(*b"^^^^^^^^"))), 8);
        assert_eq!(mask_count(0), 0);
    }

    proptest::proptest! {
        #[test]
        fn count_matches_a_byte_loop(bytes in proptest::collection::vec(proptest::prop_oneof![proptest::prelude::Just(b'^'), proptest::prelude::any::<u8>()], 0..2100)) {
            proptest::prop_assert_eq!(count_carets(&bytes), bytes.iter().filter(|&&b| b == b'^').count());
        }
    }
}
