//! AES-256-CBC of execution notices (kis-protocol.md §8.6). The key and IV are the ASCII text of the subscribe
//! ack's `key`/`iv` used as raw bytes — the IV looks like hex but is *not* hex-decoded, a classic mistake.

use std::collections::HashMap;

use aes::Aes256;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};

use super::control::Control;
use super::error::CryptoError;
use super::tr_id::WsTrId;

const KEY_LEN: usize = 32;
const IV_LEN: usize = 16;
const BLOCK: usize = 16;

/// One subscription's notice key and IV, validated once.
#[derive(Clone, PartialEq, Eq)]
pub struct NoticeKey {
    key: [u8; KEY_LEN],
    iv: [u8; IV_LEN],
}

impl std::fmt::Debug for NoticeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Session keys are not credentials, but there is no reason to spray them into logs.
        f.write_str("NoticeKey(..)")
    }
}

impl NoticeKey {
    /// From the ack's `key` (32 bytes) and `iv` (16 bytes) text.
    pub fn new(key: &str, iv: &str) -> Result<Self, CryptoError> {
        let key: [u8; KEY_LEN] = key.as_bytes().try_into().map_err(|_| CryptoError::KeyLength { got: key.len() })?;
        let iv: [u8; IV_LEN] = iv.as_bytes().try_into().map_err(|_| CryptoError::IvLength { got: iv.len() })?;
        Ok(Self { key, iv })
    }

    /// Base64 cipher text → plaintext payload.
    pub fn decrypt(&self, b64: &str) -> Result<String, CryptoError> {
        let mut buf = STANDARD.decode(b64.trim()).map_err(|err| CryptoError::Base64 { reason: err.to_string() })?;
        if buf.is_empty() || !buf.len().is_multiple_of(BLOCK) {
            return Err(CryptoError::CipherLength { len: buf.len() });
        }
        let plain_len = cbc::Decryptor::<Aes256>::new(&self.key.into(), &self.iv.into())
            .decrypt_padded::<Pkcs7>(&mut buf)
            .map_err(|_| CryptoError::Padding)?
            .len();
        buf.truncate(plain_len);
        String::from_utf8(buf).map_err(|_| CryptoError::NotUtf8)
    }

    /// Plaintext payload → Base64 cipher text (what the simulator sends).
    pub fn encrypt(&self, plain: &str) -> String {
        let cipher = cbc::Encryptor::<Aes256>::new(&self.key.into(), &self.iv.into())
            .encrypt_padded_vec::<Pkcs7>(plain.as_bytes());
        STANDARD.encode(cipher)
    }
}

/// Decrypts a notice payload with the ack's `key`/`iv` text.
pub fn decrypt_payload(key: &str, iv: &str, b64: &str) -> Result<String, CryptoError> {
    NoticeKey::new(key, iv)?.decrypt(b64)
}

/// Encrypts a notice payload with the ack's `key`/`iv` text.
pub fn encrypt_payload(key: &str, iv: &str, plain: &str) -> Result<String, CryptoError> {
    Ok(NoticeKey::new(key, iv)?.encrypt(plain))
}

/// The current key per TR id. Every subscribe ack carries a new pair and a reconnect invalidates the old ones,
/// so the holder is refreshed from each ack rather than configured.
#[derive(Debug, Clone, Default)]
pub struct NoticeKeys {
    keys: HashMap<WsTrId, NoticeKey>,
}

impl NoticeKeys {
    /// An empty holder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the key of `tr_id`.
    pub fn insert(&mut self, tr_id: WsTrId, key: NoticeKey) {
        self.keys.insert(tr_id, key);
    }

    /// Learns the key from a subscribe ack. Returns `Ok(true)` if the message was an ack carrying a key,
    /// `Ok(false)` for any other control message, and an error if the ack's key/iv have the wrong length.
    pub fn update_from(&mut self, control: &Control) -> Result<bool, CryptoError> {
        match control.ack_keys() {
            Some((tr_id, key, iv)) => {
                self.keys.insert(tr_id.clone(), NoticeKey::new(key, iv)?);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// The key of `tr_id`.
    pub fn get(&self, tr_id: &WsTrId) -> Option<&NoticeKey> {
        self.keys.get(tr_id)
    }

    /// Decrypts a payload of `tr_id` with its current key.
    pub fn decrypt(&self, tr_id: &WsTrId, b64: &str) -> Result<String, CryptoError> {
        self.get(tr_id).ok_or_else(|| CryptoError::NoKey { tr_id: tr_id.to_string() })?.decrypt(b64)
    }

    /// Forgets every key (after a reconnect the server issues new ones).
    pub fn clear(&mut self) {
        self.keys.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "abcdefghijklmnopabcdefghijklmnop";
    const IV: &str = "0123456789abcdef";

    #[test]
    fn round_trip_and_known_vector() {
        let plain = "HTS ID^1234567801^0000002891";
        let b64 = encrypt_payload(KEY, IV, plain).unwrap();
        assert_eq!(decrypt_payload(KEY, IV, &b64).unwrap(), plain);
        // 28 bytes pad to 32: two blocks, 44 Base64 characters.
        assert_eq!(b64.len(), 44);
        // A different IV changes the first block only when treated as bytes, proving the IV is used as text.
        let other = encrypt_payload(KEY, "0123456789abcdeg", plain).unwrap();
        assert_ne!(other, b64);
    }

    #[test]
    fn errors_are_named() {
        assert_eq!(decrypt_payload("short", IV, "AAAA"), Err(CryptoError::KeyLength { got: 5 }));
        assert_eq!(decrypt_payload(KEY, "0123", "AAAA"), Err(CryptoError::IvLength { got: 4 }));
        assert!(matches!(decrypt_payload(KEY, IV, "not base64!"), Err(CryptoError::Base64 { .. })));
        assert_eq!(decrypt_payload(KEY, IV, "AAAA"), Err(CryptoError::CipherLength { len: 3 }));
        assert_eq!(decrypt_payload(KEY, IV, ""), Err(CryptoError::CipherLength { len: 0 }));
        let wrong_key = encrypt_payload("bbcdefghijklmnopabcdefghijklmnop", IV, "x^y").unwrap();
        assert!(matches!(decrypt_payload(KEY, IV, &wrong_key), Err(CryptoError::Padding | CryptoError::NotUtf8)));
        let keys = NoticeKeys::new();
        assert_eq!(keys.decrypt(&WsTrId::H0stcni0, "AAAA"), Err(CryptoError::NoKey { tr_id: "H0STCNI0".into() }));
    }
}
