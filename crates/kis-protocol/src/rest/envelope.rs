//! The `rt_cd`/`msg_cd`/`msg1` envelope around every `/uapi` reply, and serde helpers for KIS's loose shapes.

use serde::de::{DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize};

/// A whole `/uapi` reply: the status triple plus the endpoint's outputs (`B`, flattened beside them).
///
/// `msg1` is kept as sent (KIS pads it with spaces) so a simulator can reproduce it; read it through
/// [`Reply::message`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply<B> {
    /// `"0"` success, `"7"` no data, anything else failure.
    #[serde(default)]
    pub rt_cd: String,
    #[serde(default)]
    pub msg_cd: String,
    #[serde(default)]
    pub msg1: String,
    #[serde(flatten)]
    pub body: B,
}

/// `rt_cd` of a successful reply.
pub const RT_CD_OK: &str = "0";
/// `rt_cd` KIS uses for "조회할 자료가 없습니다" (nothing to list): an empty result, not an error.
pub const RT_CD_NO_DATA: &str = "7";

impl<B> Reply<B> {
    /// A success reply around `body` (simulator side).
    pub fn ok(msg_cd: &str, msg1: &str, body: B) -> Reply<B> {
        Reply { rt_cd: RT_CD_OK.to_string(), msg_cd: msg_cd.to_string(), msg1: msg1.to_string(), body }
    }

    /// `msg1` without KIS's padding.
    pub fn message(&self) -> &str {
        self.msg1.trim()
    }

    /// Whether KIS answered "no data" (`rt_cd "7"`); the body is then empty.
    pub fn is_no_data(&self) -> bool {
        self.rt_cd.trim() == RT_CD_NO_DATA
    }
}

/// Deserialize a list that KIS sometimes sends as a single object (e.g. overseas `inquire-ccnl` with no
/// orders returns one blank object) or as `null`/`""`: always a `Vec`.
pub fn rows<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany<T> {
        Many(Vec<T>),
        One(T),
        Nothing(#[expect(dead_code, reason = "only the shape (null or a string) matters")] Option<String>),
    }
    Ok(match OneOrMany::<T>::deserialize(deserializer)? {
        OneOrMany::Many(rows) => rows,
        OneOrMany::One(row) => vec![row],
        OneOrMany::Nothing(_) => Vec::new(),
    })
}

/// Deserialize an object that KIS sometimes wraps in a one-element array (domestic balance `output2`), or
/// leaves out / sends as `""`: the first element, or the default.
pub fn single<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum SingleOrList<T> {
        List(Vec<T>),
        Single(T),
        Nothing(#[expect(dead_code, reason = "only the shape (null or a string) matters")] Option<String>),
    }
    Ok(match SingleOrList::<T>::deserialize(deserializer)? {
        SingleOrList::List(rows) => rows.into_iter().next().unwrap_or_default(),
        SingleOrList::Single(row) => row,
        SingleOrList::Nothing(_) => T::default(),
    })
}

/// Rewrite every object key to lowercase, recursively. Responses are lowercase except order replies'
/// `output` (`ODNO`, `KRX_FWDG_ORD_ORGNO`) and typos such as `excg_id_dvsn_Cd`; lowering first makes every
/// response struct match whatever case KIS used. Depth is bounded by serde_json's recursion limit (128).
pub fn lowercase_keys(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.into_iter().map(|(key, value)| (key.to_ascii_lowercase(), lowercase_keys(value))).collect(),
        ),
        serde_json::Value::Array(items) => serde_json::Value::Array(items.into_iter().map(lowercase_keys).collect()),
        other => other,
    }
}
