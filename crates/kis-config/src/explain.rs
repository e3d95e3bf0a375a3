//! The effective configuration as `key = value  # origin` lines, secrets redacted — what `check-config`
//! prints so a user can see what the daemon will actually do.

use serde_json::Value;

use crate::load::Loaded;
use crate::redact::{is_secret_key, redact};

/// One effective value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Dotted, with `[i]` for list items: `strategies[0].rsi.min`.
    pub key: String,
    /// TOML-like rendering; secrets redacted; `(unset)` for an absent optional value.
    pub value: String,
    pub origin: String,
}

/// Every leaf of the effective configuration, keys in alphabetical order within each table.
pub fn explain(loaded: &Loaded) -> Vec<Line> {
    let mut lines = Vec::new();
    match serde_json::to_value(&loaded.config) {
        Ok(value) => flatten(&value, "", &mut lines),
        // Serialising our own plain structs cannot fail; say so rather than print nothing.
        Err(e) => lines.push(("(config)".to_string(), format!("cannot be shown: {e}"))),
    }
    lines
        .into_iter()
        .map(|(key, value)| {
            let origin = loaded.origins.of(&key).to_string();
            Line { key, value, origin }
        })
        .collect()
}

fn flatten(value: &Value, prefix: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(v, &key, out);
            }
        }
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
            for (i, v) in items.iter().enumerate() {
                flatten(v, &format!("{prefix}[{i}]"), out);
            }
        }
        leaf => {
            let shown = if is_secret_key(prefix) {
                match leaf {
                    Value::Null => "(unset)".to_string(),
                    Value::String(s) => format!("\"{}\"", redact(s)),
                    other => format!("\"{}\"", redact(&other.to_string())),
                }
            } else {
                match leaf {
                    Value::Null => "(unset)".to_string(),
                    other => other.to_string(),
                }
            };
            out.push((prefix.to_string(), shown));
        }
    }
}
