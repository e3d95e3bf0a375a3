//! Errors of the WebSocket codec. Each names what was wrong (TR id, field, counts) so a log line is enough to
//! tell a protocol change from a corrupted frame.

/// A frame or control message that cannot be decoded, or a record that cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WsError {
    #[error("empty message")]
    Empty,
    #[error("data frame has only {found} of the 3 `|` separators of `E|TR_ID|NNN|payload`")]
    MissingSeparator { found: usize },
    #[error("data frame encryption flag {found:?} is not `0` or `1`")]
    BadEncryptFlag { found: String },
    #[error("data frame has an empty TR id")]
    EmptyTrId,
    #[error("{tr_id}: record count {found:?} is not a positive decimal number")]
    BadRecordCount { tr_id: String, found: String },
    #[error("{tr_id}: {fields} fields do not split evenly into {records} records")]
    UnevenRecords { tr_id: String, fields: usize, records: usize },
    #[error("{tr_id}: record has {got} fields, expected at least {expected}")]
    TooFewFields { tr_id: String, expected: usize, got: usize },
    #[error("{tr_id}: record has more than {max} fields")]
    TooManyFields { tr_id: String, max: usize },
    #[error("{tr_id}: record is longer than {max} bytes")]
    RecordTooLong { tr_id: String, max: usize },
    #[error("{tr_id}: frame is encrypted; decrypt the payload before reading records")]
    Encrypted { tr_id: String },
    #[error("message is not valid UTF-8")]
    NotUtf8,
    #[error("control message is not a JSON object: {reason}")]
    ControlJson { reason: String },
    #[error("cannot encode {what}: field {index} contains a reserved character {found:?}")]
    ReservedChar { what: String, index: usize, found: char },
    #[error("cannot encode {tr_id}: record {record} has {got} fields but the first has {expected}")]
    RaggedRecords { tr_id: String, record: usize, expected: usize, got: usize },
    #[error("cannot encode {tr_id}: a frame needs between 1 and 999 records, got {got}")]
    RecordCountRange { tr_id: String, got: usize },
    #[error("cannot encode a frame with TR id {tr_id:?}: it must be non-empty and free of `|`")]
    BadTrId { tr_id: String },
    #[error("subscribe request is not valid: {reason}")]
    SubscribeJson { reason: String },
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    Field(#[from] WsFieldError),
}

impl WsError {
    /// A stable name per kind of failure, so that a feed logs a broken channel once per kind (with a count)
    /// rather than once per message.
    pub fn kind(&self) -> &'static str {
        match self {
            WsError::Empty => "empty",
            WsError::MissingSeparator { .. } | WsError::BadEncryptFlag { .. } | WsError::EmptyTrId => "bad_header",
            WsError::BadRecordCount { .. } => "bad_record_count",
            WsError::UnevenRecords { .. } => "uneven_records",
            WsError::TooFewFields { .. } => "too_few_fields",
            WsError::TooManyFields { .. } | WsError::RecordTooLong { .. } => "record_too_large",
            WsError::Encrypted { .. } => "encrypted",
            WsError::NotUtf8 => "not_utf8",
            WsError::ControlJson { .. } => "bad_control",
            WsError::Crypto(_) => "crypto",
            WsError::Field(_) => "bad_field",
            WsError::ReservedChar { .. }
            | WsError::RaggedRecords { .. }
            | WsError::RecordCountRange { .. }
            | WsError::BadTrId { .. }
            | WsError::SubscribeJson { .. } => "encode",
        }
    }
}

/// Notice encryption failures; never a panic, whatever the key, IV or payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("AES-256 key must be 32 bytes, got {got}")]
    KeyLength { got: usize },
    #[error("AES-CBC IV must be 16 bytes, got {got}")]
    IvLength { got: usize },
    #[error("notice payload is not valid Base64: {reason}")]
    Base64 { reason: String },
    #[error("notice cipher text is {len} bytes, not a positive multiple of the 16-byte AES block")]
    CipherLength { len: usize },
    #[error("notice PKCS#7 padding is invalid (wrong key or IV?)")]
    Padding,
    #[error("decrypted notice is not valid UTF-8 (wrong key or IV?)")]
    NotUtf8,
    #[error("no notice key known for TR {tr_id} (no subscribe ack seen and none given)")]
    NoKey { tr_id: String },
}

/// Why one field of a typed record view could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WsFieldErrorKind {
    /// The record is shorter than this field's position (only for fields after the minimum width).
    Missing,
    /// The field is empty but a value is required.
    Empty,
    /// Not a decimal integer that fits an `i64`.
    NotInteger,
    /// Not a KIS wire decimal, and why ([`kis_model::decimal`]).
    NotDecimal(kis_model::WireDecimalError),
    /// Not a `HHMMSS` time.
    NotTime,
    /// Not a `YYYYMMDD` date.
    NotDate,
    /// Not one of the documented codes.
    UnknownCode,
}

impl std::fmt::Display for WsFieldErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            Self::Missing => "is missing (record too short)",
            Self::Empty => "is empty",
            Self::NotInteger => "is not an integer",
            Self::NotDecimal(why) => return write!(f, "is not a decimal number ({why})"),
            Self::NotTime => "is not a HHMMSS time",
            Self::NotDate => "is not a YYYYMMDD date",
            Self::UnknownCode => "is not a known code",
        };
        f.write_str(text)
    }
}

/// A field of a WebSocket record view (H0STCNT0, H0GSCNI0, …) that failed to parse. Names the TR, the field
/// and the raw text; allocates only on the error path so the hot path stays allocation-free. Its REST
/// counterpart, [`crate::rest::FieldError`], names a JSON field and carries a free-text problem instead of a
/// TR and a closed kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{tr_id} field {field}: {value:?} {kind}")]
pub struct WsFieldError {
    pub tr_id: &'static str,
    pub field: &'static str,
    pub value: String,
    pub kind: WsFieldErrorKind,
}

impl WsFieldError {
    pub(crate) fn new(tr_id: &'static str, field: &'static str, value: &str, kind: WsFieldErrorKind) -> Self {
        Self { tr_id, field, value: value.to_owned(), kind }
    }
}
