//! Data frame encoding, shared with the simulator so both ends use one definition of the wire format.
//! [`FrameEncoder`] reuses its buffers: writing a multi-record H0STCNT0 frame allocates nothing once warm.

use super::error::WsError;
use super::macros::put_text;
use super::notice_crypto::NoticeKey;

/// A record that knows its TR id and can write its fields (joined by `^`) into a buffer.
pub trait EncodeRecord {
    /// Wire TR id.
    fn tr_id(&self) -> &str;
    /// Appends the fields joined by `^` as UTF-8 bytes; on error the buffer is left as it was.
    ///
    /// Bytes rather than `String` so that digits go in without a UTF-8 check per field; the frame is
    /// validated once when it is handed out.
    fn write_fields(&self, out: &mut Vec<u8>) -> Result<(), WsError>;
}

/// The most records a `NNN` count can say.
const MAX_RECORDS: usize = 999;

fn check_header(tr_id: &str, count: usize) -> Result<(), WsError> {
    if tr_id.is_empty() || tr_id.contains(['|', '^']) {
        return Err(WsError::BadTrId { tr_id: tr_id.to_owned() });
    }
    if count == 0 || count > MAX_RECORDS {
        return Err(WsError::RecordCountRange { tr_id: tr_id.to_owned(), got: count });
    }
    Ok(())
}

fn write_header(out: &mut Vec<u8>, encrypted: bool, tr_id: &str, count: usize) {
    out.push(if encrypted { b'1' } else { b'0' });
    out.push(b'|');
    out.extend_from_slice(tr_id.as_bytes());
    out.push(b'|');
    // `count` is 1..=999 (checked), so three digits.
    for divisor in [100, 10, 1] {
        out.push(b'0' + (count / divisor % 10) as u8);
    }
    out.push(b'|');
}

/// The buffer as text. Every writer appends whole UTF-8 strings or ASCII, so this cannot fail; the check
/// is kept (one pass per frame) rather than trusting that with `unsafe`.
fn as_text(buf: &[u8]) -> Result<&str, WsError> {
    std::str::from_utf8(buf).map_err(|_| WsError::NotUtf8)
}

fn write_slices(out: &mut Vec<u8>, tr_id: &str, records: &[&[&str]]) -> Result<(), WsError> {
    let width = records.first().map_or(0, |r| r.len());
    for (r, record) in records.iter().enumerate() {
        if record.len() != width || width == 0 {
            return Err(WsError::RaggedRecords {
                tr_id: tr_id.to_owned(),
                record: r,
                expected: width,
                got: record.len(),
            });
        }
        for (i, field) in record.iter().enumerate() {
            if r > 0 || i > 0 {
                out.push(b'^');
            }
            put_text(out, tr_id, i, field)?;
        }
    }
    Ok(())
}

fn write_typed<R: EncodeRecord>(out: &mut Vec<u8>, records: &[R]) -> Result<(), WsError> {
    for (r, record) in records.iter().enumerate() {
        if r > 0 {
            out.push(b'^');
        }
        record.write_fields(out)?;
    }
    Ok(())
}

/// Reusable frame writer. Each method clears the buffer, writes one complete frame and returns it.
#[derive(Debug, Default)]
pub struct FrameEncoder {
    frame: Vec<u8>,
    plain: Vec<u8>,
}

impl FrameEncoder {
    /// An encoder with empty buffers.
    pub fn new() -> Self {
        Self::default()
    }

    /// A plaintext frame of typed records (all must share one TR id: the first record's).
    pub fn typed<R: EncodeRecord>(&mut self, records: &[R]) -> Result<&str, WsError> {
        let tr_id = records.first().map_or("", |r| r.tr_id());
        check_header(tr_id, records.len())?;
        self.frame.clear();
        write_header(&mut self.frame, false, tr_id, records.len());
        write_typed(&mut self.frame, records)?;
        as_text(&self.frame)
    }

    /// An encrypted frame of typed records.
    pub fn typed_encrypted<R: EncodeRecord>(&mut self, records: &[R], key: &NoticeKey) -> Result<&str, WsError> {
        let tr_id = records.first().map_or("", |r| r.tr_id());
        check_header(tr_id, records.len())?;
        self.plain.clear();
        write_typed(&mut self.plain, records)?;
        self.frame.clear();
        write_header(&mut self.frame, true, tr_id, records.len());
        self.frame.extend_from_slice(key.encrypt(as_text(&self.plain)?).as_bytes());
        as_text(&self.frame)
    }

    /// A plaintext frame from raw field slices (every record the same width, no `^` in a field).
    pub fn fields(&mut self, tr_id: &str, records: &[&[&str]]) -> Result<&str, WsError> {
        check_header(tr_id, records.len())?;
        self.frame.clear();
        write_header(&mut self.frame, false, tr_id, records.len());
        write_slices(&mut self.frame, tr_id, records)?;
        as_text(&self.frame)
    }

    /// An encrypted frame from raw field slices.
    pub fn fields_encrypted(&mut self, tr_id: &str, records: &[&[&str]], key: &NoticeKey) -> Result<&str, WsError> {
        check_header(tr_id, records.len())?;
        self.plain.clear();
        write_slices(&mut self.plain, tr_id, records)?;
        self.frame.clear();
        write_header(&mut self.frame, true, tr_id, records.len());
        self.frame.extend_from_slice(key.encrypt(as_text(&self.plain)?).as_bytes());
        as_text(&self.frame)
    }
}

/// A plaintext frame from raw field slices.
pub fn encode_frame(tr_id: &str, records: &[&[&str]]) -> Result<String, WsError> {
    FrameEncoder::new().fields(tr_id, records).map(str::to_owned)
}

/// An encrypted frame from raw field slices.
pub fn encode_encrypted_frame(tr_id: &str, records: &[&[&str]], key: &NoticeKey) -> Result<String, WsError> {
    FrameEncoder::new().fields_encrypted(tr_id, records, key).map(str::to_owned)
}

/// A plaintext frame of typed records.
pub fn encode_records<R: EncodeRecord>(records: &[R]) -> Result<String, WsError> {
    FrameEncoder::new().typed(records).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_validates() {
        assert_eq!(encode_frame("X", &[&["a", "b"], &["", "d"]]).unwrap(), "0|X|002|a^b^^d");
        assert_eq!(
            encode_frame("X", &[&["a", "b"], &["c"]]),
            Err(WsError::RaggedRecords { tr_id: "X".into(), record: 1, expected: 2, got: 1 })
        );
        assert_eq!(
            encode_frame("X", &[&["a^b"]]),
            Err(WsError::ReservedChar { what: "X record".into(), index: 0, found: '^' })
        );
        assert_eq!(encode_frame("X|Y", &[&["a"]]), Err(WsError::BadTrId { tr_id: "X|Y".into() }));
        assert_eq!(encode_frame("X", &[]), Err(WsError::RecordCountRange { tr_id: "X".into(), got: 0 }));
    }
}
