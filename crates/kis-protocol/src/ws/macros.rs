//! One declarative table per TR generates its borrowed view (lazy accessors), its owned record and the
//! encoder, so that the field order used to read and to write a TR can never drift apart.
//!
//! Field kinds: `text` (raw `&str`, empty when absent), `int`/`oint` (i64, optional when empty),
//! `dec`/`odec` (Decimal), `sign`/`osign`, `hms`/`ohms` (`HHMMSS`), `ymd`, `z9`/`z10`/`oz9`/`oz10` (integers KIS
//! zero-pads to 9/10 digits).

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;

use super::error::{WsError, WsFieldError, WsFieldErrorKind};
use super::num;
use super::sign::Sign;

type FieldResult<T> = Result<T, WsFieldError>;

#[inline]
fn required<'v>(tr: &'static str, name: &'static str, value: Option<&'v str>) -> FieldResult<&'v str> {
    match value {
        None => Err(WsFieldError::new(tr, name, "", WsFieldErrorKind::Missing)),
        Some("") => Err(WsFieldError::new(tr, name, "", WsFieldErrorKind::Empty)),
        Some(text) => Ok(text),
    }
}

#[inline]
pub(crate) fn get_int(tr: &'static str, name: &'static str, value: Option<&str>) -> FieldResult<i64> {
    let text = required(tr, name, value)?;
    num::parse_i64(text).ok_or_else(|| WsFieldError::new(tr, name, text, WsFieldErrorKind::NotInteger))
}

#[inline]
pub(crate) fn get_oint(tr: &'static str, name: &'static str, value: Option<&str>) -> FieldResult<Option<i64>> {
    match value {
        None | Some("") => Ok(None),
        Some(text) => num::parse_i64(text)
            .map(Some)
            .ok_or_else(|| WsFieldError::new(tr, name, text, WsFieldErrorKind::NotInteger)),
    }
}

#[inline]
pub(crate) fn get_dec(tr: &'static str, name: &'static str, value: Option<&str>) -> FieldResult<Decimal> {
    let text = required(tr, name, value)?;
    num::parse_decimal(text).map_err(|e| WsFieldError::new(tr, name, text, WsFieldErrorKind::NotDecimal(e)))
}

#[inline]
pub(crate) fn get_odec(tr: &'static str, name: &'static str, value: Option<&str>) -> FieldResult<Option<Decimal>> {
    match value {
        None | Some("") => Ok(None),
        Some(text) => num::parse_decimal(text)
            .map(Some)
            .map_err(|e| WsFieldError::new(tr, name, text, WsFieldErrorKind::NotDecimal(e))),
    }
}

#[inline]
pub(crate) fn get_sign(tr: &'static str, name: &'static str, value: Option<&str>) -> FieldResult<Sign> {
    let text = required(tr, name, value)?;
    Sign::from_code(text).ok_or_else(|| WsFieldError::new(tr, name, text, WsFieldErrorKind::UnknownCode))
}

#[inline]
pub(crate) fn get_osign(tr: &'static str, name: &'static str, value: Option<&str>) -> FieldResult<Option<Sign>> {
    match value {
        None | Some("") => Ok(None),
        Some(text) => Sign::from_code(text)
            .map(Some)
            .ok_or_else(|| WsFieldError::new(tr, name, text, WsFieldErrorKind::UnknownCode)),
    }
}

#[inline]
pub(crate) fn get_hms(tr: &'static str, name: &'static str, value: Option<&str>) -> FieldResult<NaiveTime> {
    let text = required(tr, name, value)?;
    num::parse_hms(text).ok_or_else(|| WsFieldError::new(tr, name, text, WsFieldErrorKind::NotTime))
}

#[inline]
pub(crate) fn get_ohms(tr: &'static str, name: &'static str, value: Option<&str>) -> FieldResult<Option<NaiveTime>> {
    match value {
        None | Some("") => Ok(None),
        Some(text) => {
            num::parse_hms(text).map(Some).ok_or_else(|| WsFieldError::new(tr, name, text, WsFieldErrorKind::NotTime))
        }
    }
}

#[inline]
pub(crate) fn get_ymd(tr: &'static str, name: &'static str, value: Option<&str>) -> FieldResult<NaiveDate> {
    let text = required(tr, name, value)?;
    num::parse_ymd(text).ok_or_else(|| WsFieldError::new(tr, name, text, WsFieldErrorKind::NotDate))
}

/// Text fields go on the wire verbatim, so a `^` would shift every later field.
pub(crate) fn put_text(out: &mut Vec<u8>, tr: &str, index: usize, text: &str) -> Result<(), WsError> {
    if text.as_bytes().contains(&b'^') {
        return Err(WsError::ReservedChar { what: format!("{tr} record"), index, found: '^' });
    }
    out.extend_from_slice(text.as_bytes());
    Ok(())
}

macro_rules! view_ty {
    (text, $a:lifetime) => { &$a str };
    (int, $a:lifetime) => { Result<i64, $crate::ws::error::WsFieldError> };
    (z9, $a:lifetime) => { Result<i64, $crate::ws::error::WsFieldError> };
    (z10, $a:lifetime) => { Result<i64, $crate::ws::error::WsFieldError> };
    (oint, $a:lifetime) => { Result<Option<i64>, $crate::ws::error::WsFieldError> };
    (oz10, $a:lifetime) => { Result<Option<i64>, $crate::ws::error::WsFieldError> };
    (dec, $a:lifetime) => { Result<rust_decimal::Decimal, $crate::ws::error::WsFieldError> };
    (odec, $a:lifetime) => { Result<Option<rust_decimal::Decimal>, $crate::ws::error::WsFieldError> };
    (sign, $a:lifetime) => { Result<$crate::ws::sign::Sign, $crate::ws::error::WsFieldError> };
    (osign, $a:lifetime) => { Result<Option<$crate::ws::sign::Sign>, $crate::ws::error::WsFieldError> };
    (oz9, $a:lifetime) => { Result<Option<i64>, $crate::ws::error::WsFieldError> };
    (hms, $a:lifetime) => { Result<chrono::NaiveTime, $crate::ws::error::WsFieldError> };
    (ohms, $a:lifetime) => { Result<Option<chrono::NaiveTime>, $crate::ws::error::WsFieldError> };
    (ymd, $a:lifetime) => { Result<chrono::NaiveDate, $crate::ws::error::WsFieldError> };
}

macro_rules! owned_ty {
    (text) => { String };
    (int) => { i64 };
    (z9) => { i64 };
    (z10) => { i64 };
    (oint) => { Option<i64> };
    (oz10) => { Option<i64> };
    (dec) => { rust_decimal::Decimal };
    (odec) => { Option<rust_decimal::Decimal> };
    (sign) => { $crate::ws::sign::Sign };
    (osign) => { Option<$crate::ws::sign::Sign> };
    (oz9) => { Option<i64> };
    (hms) => { chrono::NaiveTime };
    (ohms) => { Option<chrono::NaiveTime> };
    (ymd) => { chrono::NaiveDate };
}

macro_rules! view_get {
    (text, $v:expr, $tr:expr, $name:expr) => {
        $v.unwrap_or_default()
    };
    (int, $v:expr, $tr:expr, $name:expr) => {
        $crate::ws::macros::get_int($tr, $name, $v)
    };
    (z9, $v:expr, $tr:expr, $name:expr) => {
        $crate::ws::macros::get_int($tr, $name, $v)
    };
    (z10, $v:expr, $tr:expr, $name:expr) => {
        $crate::ws::macros::get_int($tr, $name, $v)
    };
    (oint, $v:expr, $tr:expr, $name:expr) => {
        $crate::ws::macros::get_oint($tr, $name, $v)
    };
    (oz10, $v:expr, $tr:expr, $name:expr) => {
        $crate::ws::macros::get_oint($tr, $name, $v)
    };
    (dec, $v:expr, $tr:expr, $name:expr) => {
        $crate::ws::macros::get_dec($tr, $name, $v)
    };
    (odec, $v:expr, $tr:expr, $name:expr) => {
        $crate::ws::macros::get_odec($tr, $name, $v)
    };
    (sign, $v:expr, $tr:expr, $name:expr) => {
        $crate::ws::macros::get_sign($tr, $name, $v)
    };
    (osign, $v:expr, $tr:expr, $name:expr) => {
        $crate::ws::macros::get_osign($tr, $name, $v)
    };
    (oz9, $v:expr, $tr:expr, $name:expr) => {
        $crate::ws::macros::get_oint($tr, $name, $v)
    };
    (hms, $v:expr, $tr:expr, $name:expr) => {
        $crate::ws::macros::get_hms($tr, $name, $v)
    };
    (ohms, $v:expr, $tr:expr, $name:expr) => {
        $crate::ws::macros::get_ohms($tr, $name, $v)
    };
    (ymd, $v:expr, $tr:expr, $name:expr) => {
        $crate::ws::macros::get_ymd($tr, $name, $v)
    };
}

macro_rules! owned_from_view {
    (text, $v:expr) => {
        $v.to_owned()
    };
    ($other:ident, $v:expr) => {
        $v?
    };
}

macro_rules! owned_put {
    (text, $out:expr, $value:expr, $tr:expr, $i:expr) => {
        $crate::ws::macros::put_text($out, $tr, $i, $value)?
    };
    (int, $out:expr, $value:expr, $tr:expr, $i:expr) => {
        $crate::ws::num::write_i64($out, *$value)
    };
    (z9, $out:expr, $value:expr, $tr:expr, $i:expr) => {
        $crate::ws::num::write_padded($out, *$value, 9)
    };
    (z10, $out:expr, $value:expr, $tr:expr, $i:expr) => {
        $crate::ws::num::write_padded($out, *$value, 10)
    };
    (oint, $out:expr, $value:expr, $tr:expr, $i:expr) => {
        if let Some(v) = $value {
            $crate::ws::num::write_i64($out, *v)
        }
    };
    (oz10, $out:expr, $value:expr, $tr:expr, $i:expr) => {
        if let Some(v) = $value {
            $crate::ws::num::write_padded($out, *v, 10)
        }
    };
    (dec, $out:expr, $value:expr, $tr:expr, $i:expr) => {
        $crate::ws::num::write_decimal($out, *$value)
    };
    (odec, $out:expr, $value:expr, $tr:expr, $i:expr) => {
        if let Some(v) = $value {
            $crate::ws::num::write_decimal($out, *v)
        }
    };
    (sign, $out:expr, $value:expr, $tr:expr, $i:expr) => {
        $out.extend_from_slice($value.as_str().as_bytes())
    };
    (osign, $out:expr, $value:expr, $tr:expr, $i:expr) => {
        if let Some(v) = $value {
            $out.extend_from_slice(v.as_str().as_bytes())
        }
    };
    (oz9, $out:expr, $value:expr, $tr:expr, $i:expr) => {
        if let Some(v) = $value {
            $crate::ws::num::write_padded($out, *v, 9)
        }
    };
    (hms, $out:expr, $value:expr, $tr:expr, $i:expr) => {
        $crate::ws::num::write_hms($out, *$value)
    };
    (ohms, $out:expr, $value:expr, $tr:expr, $i:expr) => {
        if let Some(v) = $value {
            $crate::ws::num::write_hms($out, *v)
        }
    };
    (ymd, $out:expr, $value:expr, $tr:expr, $i:expr) => {
        $crate::ws::num::write_ymd($out, *$value)
    };
}

/// Declares a TR's view, owned record and encoder from its ordered field list. The view type must provide
/// `fn at(&self, index: usize) -> Option<&'a str>` (usually `self.record.field(index)`), which lets a TR with
/// two layouts map positions.
macro_rules! tr_record {
    (
        $(#[$vdoc:meta])*
        view $View:ident;
        $(#[$odoc:meta])*
        owned $Owned:ident;
        tr $TR:literal, min $MIN:expr;
        fields {
            $( $(#[$fdoc:meta])* $idx:literal $name:ident $NAME:literal : $kind:ident ; )*
        }
    ) => {
        $(#[$vdoc])*
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct $View<'a> {
            record: $crate::ws::record::Record<'a>,
        }

        impl<'a> $View<'a> {
            /// Wire TR id named in field errors.
            pub const TR_ID: &'static str = $TR;
            /// Fewest fields this view accepts; extra trailing fields are tolerated.
            pub const MIN_FIELDS: usize = $MIN;
            /// Field names in wire order (equal to the table in `fields`).
            pub const FIELD_NAMES: &'static [&'static str] = &[$($NAME),*];

            /// Wraps a located record, checking it has at least [`Self::MIN_FIELDS`] fields.
            #[inline]
            pub fn new(record: $crate::ws::record::Record<'a>) -> Result<Self, $crate::ws::error::WsError> {
                record.require($MIN)?;
                Ok(Self { record })
            }

            /// The underlying record (raw fields, extras beyond the documented ones).
            #[inline]
            pub fn record(&self) -> &$crate::ws::record::Record<'a> {
                &self.record
            }

            $(
                $(#[$fdoc])*
                #[doc = concat!("`", $NAME, "` (field ", stringify!($idx), ").")]
                #[inline]
                pub fn $name(&self) -> view_ty!($kind, 'a) {
                    view_get!($kind, self.at($idx), $TR, $NAME)
                }
            )*

            /// Parses every field into the owned form (the first bad field is the error).
            pub fn to_owned_record(&self) -> Result<$Owned, $crate::ws::error::WsFieldError> {
                Ok($Owned { $( $name: owned_from_view!($kind, self.$name()), )* })
            }
        }

        $(#[$odoc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $Owned {
            $(
                #[doc = concat!("`", $NAME, "`.")]
                pub $name: owned_ty!($kind),
            )*
        }

        impl $crate::ws::encode::EncodeRecord for $Owned {
            fn tr_id(&self) -> &str {
                $TR
            }

            fn write_fields(&self, out: &mut Vec<u8>) -> Result<(), $crate::ws::error::WsError> {
                let start = out.len();
                let result = (|| -> Result<(), $crate::ws::error::WsError> {
                    $(
                        owned_put!($kind, out, &self.$name, $TR, $idx);
                        out.push(b'^');
                    )*
                    Ok(())
                })();
                match result {
                    Ok(()) => {
                        out.pop();
                        Ok(())
                    }
                    Err(err) => {
                        out.truncate(start);
                        Err(err)
                    }
                }
            }
        }
    };
}
