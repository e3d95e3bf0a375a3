//! Stable 64-bit fingerprints (FNV-1a) of short texts: the same value on every run and platform, so they can
//! key state files (an app key or a token is stored only as its fingerprint) and seed per-symbol streams.
//! Not a MAC: a fingerprint only tells texts apart.

use std::hash::Hasher;

/// FNV-1a over `bytes`.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hasher = fnv::FnvHasher::default();
    hasher.write(bytes);
    hasher.finish()
}

/// [`fnv1a`] of `text` as 16 lowercase hex digits, the form state files keep.
pub fn fingerprint_hex(text: &str) -> String {
    format!("{:016x}", fnv1a(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The published FNV-1a test vectors, and the values state files written before this module hold.
    #[test]
    fn known_vectors() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fingerprint_hex("a"), "af63dc4c8601ec8c");
        assert_eq!(fingerprint_hex("foobar"), "85944171f73967e8");
    }
}
