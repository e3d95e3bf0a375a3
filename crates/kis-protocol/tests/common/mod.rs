//! Shared helpers of the REST sample tests: reading KIS's documented samples (testdata/kis-samples/) and
//! checking that a decoded reply re-serializes to what KIS wrote.
#![allow(dead_code)]

use kis_protocol::rest::decode::decode_reply;
use kis_protocol::rest::envelope::Reply;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub fn sample(name: &str) -> Vec<u8> {
    let path = format!("{}/../../testdata/kis-samples/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read sample {path}: {e}"))
}

pub fn sample_text(name: &str) -> String {
    String::from_utf8(sample(name)).expect("samples are UTF-8")
}

pub fn sample_value(name: &str) -> Value {
    serde_json::from_slice(&sample(name)).expect("sample is JSON")
}

pub fn reply<B: DeserializeOwned + Default>(name: &str) -> Reply<B> {
    decode_reply::<B>(200, &sample(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every key/value of the sample is reproduced by re-serializing the decoded reply (faithful round trip),
/// and decoding the re-serialized text gives the same value again.
pub fn assert_faithful<B>(name: &str, decoded: &Reply<B>)
where
    B: Serialize + DeserializeOwned + Default + PartialEq + std::fmt::Debug,
{
    let text = serde_json::to_vec(decoded).expect("serializes");
    let again = decode_reply::<B>(200, &text).expect("re-decodes");
    assert_eq!(&again, decoded, "{name}: serialize → deserialize changed the value");
    let reserialized: Value = serde_json::from_slice(&text).expect("json");
    assert_subset(&sample_value(name), &reserialized, name);
}

pub fn assert_subset(expected: &Value, actual: &Value, at: &str) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, value) in e {
                let found = a.get(key).unwrap_or_else(|| panic!("{at}.{key} missing after re-serialization"));
                assert_subset(value, found, &format!("{at}.{key}"));
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            assert_eq!(e.len(), a.len(), "{at}: row count");
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                assert_subset(ev, av, &format!("{at}[{i}]"));
            }
        }
        _ => assert_eq!(expected, actual, "{at}"),
    }
}

/// Innermost `{…}` spans of a text after `marker` (the rows of a list, or a flat object).
pub fn flat_objects_after<'a>(text: &'a str, marker: &str) -> Vec<&'a str> {
    let start = text.find(marker).map_or(0, |i| i + marker.len());
    let mut spans = Vec::new();
    let mut open = None;
    for (i, c) in text[start..].char_indices() {
        match c {
            '{' => open = Some(start + i),
            '}' => {
                if let Some(o) = open.take() {
                    spans.push(&text[o..=start + i]);
                }
            }
            _ => {}
        }
    }
    spans
}

/// The flat objects after `marker` that are valid JSON of type `T` (elided/truncated ones are skipped).
pub fn complete_rows<T: DeserializeOwned>(text: &str, marker: &str) -> Vec<T> {
    flat_objects_after(text, marker).into_iter().filter_map(|span| serde_json::from_str(span).ok()).collect()
}
