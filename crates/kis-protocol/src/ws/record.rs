//! One record of a data frame, located but not parsed: field boundaries live in a fixed stack array so that
//! locating 46 fields costs one byte scan and no allocation.

use std::fmt;

use super::error::WsError;
use super::scan::{caret_mask, load, mask_count};

/// Upper bound on fields per record. KIS's widest record (HDFSASP0) has 71; the integrated book 65; headroom
/// for new trailing fields without letting garbage grow unbounded.
pub const MAX_FIELDS: usize = 128;

/// Field end offsets are `u16`, which caps a record at this many bytes (real records are under 1 KiB).
const MAX_RECORD_BYTES: usize = u16::MAX as usize;

/// Carets handled without a per-caret branch per 8-byte word (fields average ~6 bytes, so most words hold
/// one or two; 2 measured faster than 3 or 4).
const FAST_SLOTS: usize = 2;
/// Scratch room past `MAX_FIELDS` for the unconditional writes of one word (at most 8 carets).
const ENDS_LEN: usize = MAX_FIELDS + 8;

/// A located record: `text` split at `^` into `len` fields.
#[derive(Clone, Copy)]
pub struct Record<'a> {
    tr_id: &'a str,
    text: &'a str,
    ends: [u16; ENDS_LEN],
    len: usize,
}

impl<'a> Record<'a> {
    /// Locates every field of `text` (one whole record).
    pub fn parse(tr_id: &'a str, text: &'a str) -> Result<Self, WsError> {
        Self::scan(tr_id, text, usize::MAX).map(|(record, _)| record)
    }

    /// Locates the first `width` fields of `text` (all of them when `width` exceeds the field count) and
    /// returns the record and what follows its closing `^`.
    ///
    /// Branch-light on purpose: each 8-byte word's caret positions are written unconditionally (extra slots
    /// past `len` are scratch), because a data-dependent branch per field mispredicts on every record.
    #[inline]
    pub(crate) fn scan(tr_id: &'a str, text: &'a str, width: usize) -> Result<(Self, &'a str), WsError> {
        let bytes = text.as_bytes();
        // Offsets are u16: scanning stops at the cap and an unfinished record there is too long.
        let limit = bytes.len().min(MAX_RECORD_BYTES);
        let scanned = bytes.get(..limit).unwrap_or_default();
        let mut ends = [0u16; ENDS_LEN];
        let mut len = 0usize;
        let mut start = 0usize;
        while start < limit {
            if len > MAX_FIELDS {
                return Err(Self::overflow(tr_id, len));
            }
            let mut mask = caret_mask(load(scanned, start));
            let count = mask_count(mask);
            for k in 0..FAST_SLOTS {
                // With `mask` exhausted this writes a junk offset past `len`, never read.
                let pos = start + (mask.trailing_zeros() / 8) as usize;
                if let Some(slot) = ends.get_mut(len + k) {
                    *slot = pos as u16;
                }
                mask &= mask.wrapping_sub(1);
            }
            if count > FAST_SLOTS {
                for k in FAST_SLOTS..count {
                    let pos = start + (mask.trailing_zeros() / 8) as usize;
                    if let Some(slot) = ends.get_mut(len + k) {
                        *slot = pos as u16;
                    }
                    mask &= mask.wrapping_sub(1);
                }
            }
            len += count;
            if len >= width {
                let end = ends.get(width - 1).map_or(0, |&e| usize::from(e));
                let record_text = text.get(..end).unwrap_or_default();
                let rest = text.get(end + 1..).unwrap_or_default();
                return Ok((Self { tr_id, text: record_text, ends, len: width }, rest));
            }
            start += 8;
        }
        if bytes.len() > limit || len >= MAX_FIELDS {
            return Err(Self::overflow(tr_id, len));
        }
        if let Some(slot) = ends.get_mut(len) {
            *slot = bytes.len() as u16;
        }
        len += 1;
        Ok((Self { tr_id, text, ends, len }, ""))
    }

    #[cold]
    fn overflow(tr_id: &str, len: usize) -> WsError {
        if len >= MAX_FIELDS {
            WsError::TooManyFields { tr_id: tr_id.to_owned(), max: MAX_FIELDS }
        } else {
            WsError::RecordTooLong { tr_id: tr_id.to_owned(), max: MAX_RECORD_BYTES }
        }
    }

    /// Number of fields.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Never true: a record has at least one (possibly empty) field.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The TR id of the frame this record came from.
    #[inline]
    pub fn tr_id(&self) -> &'a str {
        self.tr_id
    }

    /// The record's text, fields still joined by `^`.
    #[inline]
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Field `index` as sent (no trimming), or `None` past the end.
    #[inline]
    pub fn field(&self, index: usize) -> Option<&'a str> {
        if index >= self.len {
            return None;
        }
        let end = usize::from(*self.ends.get(index)?);
        let start = match index.checked_sub(1) {
            Some(prev) => usize::from(*self.ends.get(prev)?) + 1,
            None => 0,
        };
        self.text.get(start..end)
    }

    /// Every field in order.
    pub fn fields(&self) -> impl Iterator<Item = &'a str> + '_ {
        (0..self.len).map(|i| self.field(i).unwrap_or_default())
    }

    /// Checks the width a typed view needs; the error names the TR and both counts.
    #[inline]
    pub fn require(&self, expected: usize) -> Result<(), WsError> {
        if self.len < expected {
            return Err(WsError::TooFewFields { tr_id: self.tr_id.to_owned(), expected, got: self.len });
        }
        Ok(())
    }
}

impl fmt::Debug for Record<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("tr_id", &self.tr_id)
            .field("fields", &self.fields().collect::<Vec<_>>())
            .finish()
    }
}

impl PartialEq for Record<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.tr_id == other.tr_id && self.fields().eq(other.fields())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_fields_including_empty_ones() {
        let record = Record::parse("X", "a^^bc^").unwrap();
        assert_eq!(record.len(), 4);
        assert_eq!(record.fields().collect::<Vec<_>>(), ["a", "", "bc", ""]);
        assert_eq!(record.field(4), None);
        let (first, rest) = Record::scan("X", "a^b^c^d", 2).unwrap();
        assert_eq!(first.fields().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(rest, "c^d");
    }

    #[test]
    fn caps_field_count_and_length() {
        let wide = "^".repeat(MAX_FIELDS);
        assert_eq!(
            Record::parse("X", &wide).unwrap_err(),
            WsError::TooManyFields { tr_id: "X".into(), max: MAX_FIELDS }
        );
        let long = "a".repeat(70_000);
        assert!(matches!(Record::parse("X", &long), Err(WsError::RecordTooLong { .. })));
    }
}
