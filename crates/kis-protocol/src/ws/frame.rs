//! The `E|TR_ID|NNN|payload` data frame: split on the first three `|` only (payloads may contain `|` after
//! decryption or in names), then records are chunked by field count because KIS concatenates them with `^`.

use super::error::WsError;
use super::notice_crypto::NoticeKey;
use super::record::{MAX_FIELDS, Record};
use super::scan::count_carets;
use super::tr_id::WsTrId;

/// A data frame borrowed from the received text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    encrypted: bool,
    tr_id: &'a str,
    count: usize,
    payload: &'a str,
}

impl<'a> Frame<'a> {
    /// Splits a data frame. Does not look at the payload beyond finding it.
    #[inline]
    pub fn parse(raw: &'a str) -> Result<Self, WsError> {
        let bytes = raw.as_bytes();
        let mut bars = [0usize; 3];
        let mut found = 0usize;
        for (pos, &byte) in bytes.iter().enumerate() {
            if byte == b'|' {
                if let Some(slot) = bars.get_mut(found) {
                    *slot = pos;
                }
                found += 1;
                if found == 3 {
                    break;
                }
            }
        }
        if bytes.is_empty() {
            return Err(WsError::Empty);
        }
        if found < 3 {
            return Err(WsError::MissingSeparator { found });
        }
        let [b1, b2, b3] = bars;
        let flag = raw.get(..b1).unwrap_or_default();
        let encrypted = match flag {
            "0" => false,
            "1" => true,
            other => return Err(WsError::BadEncryptFlag { found: other.to_owned() }),
        };
        let tr_id = raw.get(b1 + 1..b2).unwrap_or_default();
        if tr_id.is_empty() {
            return Err(WsError::EmptyTrId);
        }
        let count_text = raw.get(b2 + 1..b3).unwrap_or_default();
        let count = parse_count(count_text)
            .ok_or_else(|| WsError::BadRecordCount { tr_id: tr_id.to_owned(), found: count_text.to_owned() })?;
        let payload = raw.get(b3 + 1..).unwrap_or_default();
        Ok(Self { encrypted, tr_id, count, payload })
    }

    /// Like [`Frame::parse`] for raw bytes; WebSocket text frames are UTF-8, so anything else is rejected.
    pub fn parse_bytes(raw: &'a [u8]) -> Result<Self, WsError> {
        Self::parse(std::str::from_utf8(raw).map_err(|_| WsError::NotUtf8)?)
    }

    /// Whether the payload is AES-encrypted Base64 (`E` = `1`).
    #[inline]
    pub fn is_encrypted(&self) -> bool {
        self.encrypted
    }

    /// The TR id as sent.
    #[inline]
    pub fn tr_id(&self) -> &'a str {
        self.tr_id
    }

    /// The TR id as a type.
    pub fn ws_tr_id(&self) -> WsTrId {
        WsTrId::parse(self.tr_id)
    }

    /// `NNN`: how many records the payload holds.
    #[inline]
    pub fn count(&self) -> usize {
        self.count
    }

    /// The payload (Base64 cipher text when encrypted).
    #[inline]
    pub fn payload(&self) -> &'a str {
        self.payload
    }

    /// The records of a plaintext frame.
    #[inline]
    pub fn records(&self) -> Result<Records<'a>, WsError> {
        if self.encrypted {
            return Err(WsError::Encrypted { tr_id: self.tr_id.to_owned() });
        }
        Records::new(self.tr_id, self.count, self.payload)
    }

    /// Decrypts an encrypted payload (returns a plaintext payload unchanged) so that
    /// `Records::new(frame.tr_id(), frame.count(), &text)` can read it.
    pub fn plaintext(&self, key: &NoticeKey) -> Result<String, WsError> {
        if !self.encrypted {
            return Ok(self.payload.to_owned());
        }
        Ok(key.decrypt(self.payload)?)
    }
}

/// `NNN` as a positive integer; at most 6 digits so a garbage count cannot overflow or look plausible.
fn parse_count(text: &str) -> Option<usize> {
    if text.is_empty() || text.len() > 6 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<usize>().ok().filter(|&n| n >= 1)
}

/// Iterator over the records of a payload. Yields an error (then stops) if a record cannot be located.
#[derive(Debug, Clone)]
pub struct Records<'a> {
    tr_id: &'a str,
    rest: &'a str,
    width: usize,
    remaining: usize,
}

impl<'a> Records<'a> {
    /// Prepares to iterate `count` records of `payload`. With one record no counting pass is needed; otherwise
    /// the total field count must divide evenly.
    #[inline]
    pub fn new(tr_id: &'a str, count: usize, payload: &'a str) -> Result<Self, WsError> {
        let width = if count <= 1 {
            usize::MAX
        } else {
            let fields = count_carets(payload.as_bytes()) + 1;
            if !fields.is_multiple_of(count) {
                return Err(WsError::UnevenRecords { tr_id: tr_id.to_owned(), fields, records: count });
            }
            let width = fields / count;
            if width > MAX_FIELDS {
                return Err(WsError::TooManyFields { tr_id: tr_id.to_owned(), max: MAX_FIELDS });
            }
            width
        };
        Ok(Self { tr_id, rest: payload, width, remaining: count.max(1) })
    }

    /// Fields per record (`None` for a single-record frame, which is not pre-counted).
    pub fn width(&self) -> Option<usize> {
        (self.width != usize::MAX).then_some(self.width)
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, WsError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        // The last record takes everything left, so a trailing `^` stays an (empty) field of it.
        let width = if self.remaining == 0 { usize::MAX } else { self.width };
        match Record::scan(self.tr_id, self.rest, width) {
            Ok((record, rest)) => {
                self.rest = rest;
                Some(Ok(record))
            }
            Err(err) => {
                self.remaining = 0;
                Some(Err(err))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_first_three_bars_only() {
        let frame = Frame::parse("0|H0STCNT0|002|a^b|c^d^e^f").unwrap();
        assert!(!frame.is_encrypted());
        assert_eq!(frame.tr_id(), "H0STCNT0");
        assert_eq!(frame.count(), 2);
        assert_eq!(frame.payload(), "a^b|c^d^e^f");
        assert_eq!(
            frame.records().unwrap_err(),
            WsError::UnevenRecords { tr_id: "H0STCNT0".into(), fields: 5, records: 2 }
        );
        let frame = Frame::parse("0|X|002|a^b|c^^e^f^").unwrap();
        let records: Vec<Vec<&str>> = frame.records().unwrap().map(|r| r.unwrap().fields().collect()).collect();
        assert_eq!(records, vec![vec!["a", "b|c", ""], vec!["e", "f", ""]]);
    }

    #[test]
    fn header_errors() {
        assert_eq!(Frame::parse(""), Err(WsError::Empty));
        assert_eq!(Frame::parse("0|X|001"), Err(WsError::MissingSeparator { found: 2 }));
        assert_eq!(Frame::parse("2|X|001|a"), Err(WsError::BadEncryptFlag { found: "2".into() }));
        assert_eq!(Frame::parse("0||001|a"), Err(WsError::EmptyTrId));
        for bad in ["000", "", "-1", "1a", "9999999"] {
            assert!(matches!(Frame::parse(&format!("0|X|{bad}|a")), Err(WsError::BadRecordCount { .. })));
        }
        let encrypted = Frame::parse("1|H0STCNI0|001|AAAA").unwrap();
        assert_eq!(encrypted.records().unwrap_err(), WsError::Encrypted { tr_id: "H0STCNI0".into() });
    }
}
