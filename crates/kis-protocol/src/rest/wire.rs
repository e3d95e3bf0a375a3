//! Wire values: KIS sends every number as a string (`"128500"`, `" 0.00"`, `"+5.61"`, `"1091.2600"`), and
//! takes every request value as a string.
//!
//! Response records keep the raw strings (so a simulator re-serializes exactly what it was given, padding
//! included) and get one typed accessor per numeric/date field, named like the field: `quote.stck_prpr` is
//! the wire text, `quote.stck_prpr()` the parsed [`Decimal`]. Parsing trims blanks and never goes through
//! `f64`; a failure names the field and quotes the wire value.
//!
//! Request records list each field with its exact wire name, which gives (a) the ordered `(name, value)`
//! pairs a client sends as a query string or JSON body and (b) a case-insensitive decoder for the
//! simulator ([`WireValue`]), since KIS's own documents spell parameter names in both cases.

use std::str::FromStr;

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;
use thiserror::Error;

/// A response field whose text is not what its type promises.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("field `{field}`: {problem} (wire value {raw:?})")]
pub struct FieldError {
    pub field: &'static str,
    pub raw: String,
    pub problem: &'static str,
}

fn field_error(field: &'static str, raw: &str, problem: &'static str) -> FieldError {
    // Bound the copy: the raw text comes from outside and may be huge.
    let raw: String = raw.chars().take(64).collect();
    FieldError { field, raw, problem }
}

/// A decimal such as `"128500"`, `"-19500"`, `" 0.00"`, `"+5.61"`, `"1091.2600"`: KIS's rules, read by the one
/// wire-decimal reader ([`kis_model::decimal`]) that the WebSocket codec and the simulator use too.
pub fn parse_decimal(field: &'static str, raw: &str) -> Result<Decimal, FieldError> {
    kis_model::parse_wire_decimal(raw).map_err(|e| field_error(field, raw, e.reason()))
}

/// A whole number such as a quantity or volume (`"2669075"`, `"-14598755"`).
pub fn parse_int(field: &'static str, raw: &str) -> Result<i64, FieldError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(field_error(field, raw, "empty, expected an integer"));
    }
    let unsigned = text.strip_prefix('+').unwrap_or(text);
    let plain = unsigned.strip_prefix('-').unwrap_or(unsigned);
    if plain.is_empty() || !plain.bytes().all(|b| b.is_ascii_digit()) {
        return Err(field_error(field, raw, "not an integer"));
    }
    i64::from_str(unsigned).map_err(|_| field_error(field, raw, "integer out of range"))
}

/// A `YYYYMMDD` date.
pub fn parse_date(field: &'static str, raw: &str) -> Result<NaiveDate, FieldError> {
    let text = raw.trim();
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(field_error(field, raw, "expected a date YYYYMMDD"));
    }
    NaiveDate::parse_from_str(text, "%Y%m%d").map_err(|_| field_error(field, raw, "not a calendar date"))
}

/// A `YYYYMMDD` date that KIS leaves blank when it does not apply (`loan_dt: ""`).
pub fn parse_opt_date(field: &'static str, raw: &str) -> Result<Option<NaiveDate>, FieldError> {
    if raw.trim().is_empty() { Ok(None) } else { parse_date(field, raw).map(Some) }
}

/// An `HHMMSS` time of day.
pub fn parse_time(field: &'static str, raw: &str) -> Result<NaiveTime, FieldError> {
    let text = raw.trim();
    if text.len() != 6 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(field_error(field, raw, "expected a time HHMMSS"));
    }
    NaiveTime::parse_from_str(text, "%H%M%S").map_err(|_| field_error(field, raw, "not a time of day"))
}

/// KIS's `01` sell / `02` buy code.
pub fn parse_side(field: &'static str, raw: &str) -> Result<kis_model::Side, FieldError> {
    kis_model::Side::from_kis_code(raw).map_err(|_| field_error(field, raw, "expected 01 (sell) or 02 (buy)"))
}

/// A request that cannot be decoded (simulator side).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RequestError {
    #[error("request parameter `{0}` is missing")]
    Missing(&'static str),
    #[error("request parameter `{0}` must be a JSON string (KIS takes every value as a string)")]
    NotAString(String),
    #[error("request body is not a JSON object: {0}")]
    NotAnObject(String),
}

/// A request field value: required (`String`) or optional (`Option<String>`, omitted when `None`).
pub trait WireValue: Sized {
    fn push_to(&self, name: &'static str, out: &mut Vec<(&'static str, String)>);
    /// Take the value named `name` from decoded pairs, ignoring ASCII case of the name.
    fn take_from(pairs: &[(String, String)], name: &'static str) -> Result<Self, RequestError>;
    fn is_absent(&self) -> bool;
}

fn find<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(key, _)| key.trim().eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
}

impl WireValue for String {
    fn push_to(&self, name: &'static str, out: &mut Vec<(&'static str, String)>) {
        out.push((name, self.clone()));
    }

    fn take_from(pairs: &[(String, String)], name: &'static str) -> Result<Self, RequestError> {
        find(pairs, name).map(str::to_string).ok_or(RequestError::Missing(name))
    }

    fn is_absent(&self) -> bool {
        false
    }
}

impl WireValue for Option<String> {
    fn push_to(&self, name: &'static str, out: &mut Vec<(&'static str, String)>) {
        if let Some(value) = self {
            out.push((name, value.clone()));
        }
    }

    fn take_from(pairs: &[(String, String)], name: &'static str) -> Result<Self, RequestError> {
        Ok(find(pairs, name).map(str::to_string))
    }

    fn is_absent(&self) -> bool {
        self.is_none()
    }
}

/// `(name, value)` pairs of a JSON request body; every value must be a string, as KIS requires.
pub fn json_object_pairs(body: &[u8]) -> Result<Vec<(String, String)>, RequestError> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| RequestError::NotAnObject(e.to_string()))?;
    let serde_json::Value::Object(map) = value else {
        return Err(RequestError::NotAnObject("top level is not an object".to_string()));
    };
    map.into_iter()
        .map(|(key, value)| match value {
            serde_json::Value::String(text) => Ok((key, text)),
            _ => Err(RequestError::NotAString(key)),
        })
        .collect()
}

/// JSON text of request pairs. Built from a `Value`, whose `Display` cannot fail; key order is the map's
/// (sorted), which KIS does not care about — but hash a body with this same text (hashkey) if you hash it.
pub fn json_from_pairs(pairs: &[(&'static str, String)]) -> String {
    let map: serde_json::Map<String, serde_json::Value> =
        pairs.iter().map(|(name, value)| ((*name).to_string(), serde_json::Value::String(value.clone()))).collect();
    serde_json::Value::Object(map).to_string()
}

/// One typed accessor per field kind; `text` fields have none.
macro_rules! wire_accessor {
    (text, $field:ident) => {};
    (dec, $field:ident) => {
        #[doc = concat!("`", stringify!($field), "` as a decimal.")]
        pub fn $field(&self) -> Result<rust_decimal::Decimal, $crate::rest::wire::FieldError> {
            $crate::rest::wire::parse_decimal(stringify!($field), &self.$field)
        }
    };
    (int, $field:ident) => {
        #[doc = concat!("`", stringify!($field), "` as an integer.")]
        pub fn $field(&self) -> Result<i64, $crate::rest::wire::FieldError> {
            $crate::rest::wire::parse_int(stringify!($field), &self.$field)
        }
    };
    (date, $field:ident) => {
        #[doc = concat!("`", stringify!($field), "` (YYYYMMDD) as a date.")]
        pub fn $field(&self) -> Result<chrono::NaiveDate, $crate::rest::wire::FieldError> {
            $crate::rest::wire::parse_date(stringify!($field), &self.$field)
        }
    };
    (opt_date, $field:ident) => {
        #[doc = concat!("`", stringify!($field), "` (YYYYMMDD, blank when not applicable) as a date.")]
        pub fn $field(&self) -> Result<Option<chrono::NaiveDate>, $crate::rest::wire::FieldError> {
            $crate::rest::wire::parse_opt_date(stringify!($field), &self.$field)
        }
    };
    (side, $field:ident) => {
        #[doc = concat!("`", stringify!($field), "` (`01` sell, `02` buy) as a side.")]
        pub fn $field(&self) -> Result<kis_model::Side, $crate::rest::wire::FieldError> {
            $crate::rest::wire::parse_side(stringify!($field), &self.$field)
        }
    };
    (time, $field:ident) => {
        #[doc = concat!("`", stringify!($field), "` (HHMMSS) as a time of day.")]
        pub fn $field(&self) -> Result<chrono::NaiveTime, $crate::rest::wire::FieldError> {
            $crate::rest::wire::parse_time(stringify!($field), &self.$field)
        }
    };
}
pub(crate) use wire_accessor;

/// Wire fields that hold secrets (the account number): `Debug` of any request or response record shows
/// them redacted, so logging a request can never leak them.
const SECRET_FIELDS: &[&str] = &["CANO"];

/// What `Debug` shows for a field: the value, or a redaction marker for [`SECRET_FIELDS`].
pub(crate) fn shown<'a, T: std::fmt::Debug>(name: &str, value: &'a T) -> &'a dyn std::fmt::Debug {
    if SECRET_FIELDS.iter().any(|secret| secret.eq_ignore_ascii_case(name)) { &"<redacted>" } else { value }
}

/// A response record: raw `String` fields (missing ones default to empty, unknown ones are ignored) plus
/// typed accessors. Field kinds: `text`, `dec`, `int`, `date`, `opt_date`, `time`, `side`.
macro_rules! wire_record {
    (
        $(#[$smeta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* $field:ident : $kind:ident ),* $(,)?
        }
    ) => {
        $(#[$smeta])*
        #[derive(Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(default)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: String, )*
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut d = f.debug_struct(stringify!($name));
                $( d.field(stringify!($field), $crate::rest::wire::shown(stringify!($field), &self.$field)); )*
                d.finish()
            }
        }

        impl $name {
            $( $crate::rest::wire::wire_accessor!($kind, $field); )*
        }
    };
}
pub(crate) use wire_record;

/// A request record: each field with its exact wire name and type `String` (required) or `Option<String>`
/// (sent only when `Some`). Generates `pairs()` in declaration order (KIS's documented order) and
/// `from_pairs()`/`from_json()` which match names ignoring ASCII case.
macro_rules! wire_request {
    (
        $(#[$smeta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty = $wire:literal ),* $(,)?
        }
    ) => {
        $(#[$smeta])*
        #[derive(Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        pub struct $name {
            $(
                $(#[$fmeta])*
                #[serde(
                    rename = $wire,
                    default,
                    skip_serializing_if = "crate::rest::wire::WireValue::is_absent"
                )]
                pub $field: $ty,
            )*
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut d = f.debug_struct(stringify!($name));
                $( d.field(stringify!($field), $crate::rest::wire::shown($wire, &self.$field)); )*
                d.finish()
            }
        }

        impl $name {
            /// Wire names of every field, in KIS's documented order.
            pub const WIRE_NAMES: &'static [&'static str] = &[$($wire),*];

            /// `(name, value)` pairs in KIS's documented order: the query string of a GET, the JSON body of
            /// a POST. Optional fields that are `None` are left out.
            pub fn pairs(&self) -> Vec<(&'static str, String)> {
                let mut out = Vec::with_capacity(Self::WIRE_NAMES.len());
                $( $crate::rest::wire::WireValue::push_to(&self.$field, $wire, &mut out); )*
                out
            }

            /// Decode from received pairs (query string or JSON body), matching names case-insensitively.
            /// Extra parameters are ignored; a missing required one is an error naming it.
            pub fn from_pairs(
                pairs: &[(String, String)],
            ) -> Result<Self, $crate::rest::wire::RequestError> {
                Ok(Self {
                    $( $field: $crate::rest::wire::WireValue::take_from(pairs, $wire)?, )*
                })
            }

            /// Decode a JSON request body (simulator side), names case-insensitive, values strings.
            pub fn from_json(body: &[u8]) -> Result<Self, $crate::rest::wire::RequestError> {
                Self::from_pairs(&$crate::rest::wire::json_object_pairs(body)?)
            }

            /// The JSON body text for a POST.
            pub fn to_json(&self) -> String {
                $crate::rest::wire::json_from_pairs(&self.pairs())
            }
        }
    };
}
pub(crate) use wire_request;
