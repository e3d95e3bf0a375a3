//! `kis-trader decode`: raw KIS WebSocket frames on stdin (one per line) → one JSON object per record on
//! stdout, for inspecting captured sessions. Notice keys are learned from subscribe acks seen earlier in the
//! input, so a captured session decodes without flags; `--key/--iv` cover notices whose ack was not captured.

use std::io::{BufRead, BufWriter, Write};
use std::process::ExitCode;

use anyhow::Context;
use kis_protocol::ws::{
    Control, CryptoError, Frame, NoticeKey, NoticeKeys, Record, Records, WsError, WsMessage, decode_message, fields,
};

#[derive(clap::Args)]
pub struct DecodeArgs {
    /// Notice AES key: the 32-character `key` of the subscribe ack. Used for encrypted frames whose TR had no
    /// ack earlier on stdin.
    #[arg(long, requires = "iv", value_name = "KEY")]
    key: Option<String>,
    /// Notice AES IV: the 16-character `iv` of the subscribe ack (used as text, not hex).
    #[arg(long, requires = "key", value_name = "IV")]
    iv: Option<String>,
}

pub fn run(args: DecodeArgs) -> anyhow::Result<ExitCode> {
    let fallback = match (&args.key, &args.iv) {
        (Some(key), Some(iv)) => Some(NoticeKey::new(key, iv).context("--key/--iv")?),
        _ => None,
    };
    let mut decoder = Decoder { keys: NoticeKeys::new(), fallback };
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut raw = Vec::new();
    let mut text = String::new();
    let mut failed = false;
    for number in 1.. {
        raw.clear();
        if input.read_until(b'\n', &mut raw).context("reading stdin")? == 0 {
            break;
        }
        let Ok(line) = std::str::from_utf8(&raw) else {
            eprintln!("line {number}: not valid UTF-8");
            failed = true;
            continue;
        };
        let line = line.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            continue;
        }
        text.clear();
        match decoder.line(line, &mut text) {
            Ok(()) => out.write_all(text.as_bytes()).context("writing stdout")?,
            Err(err) => {
                eprintln!("line {number}: {err}");
                failed = true;
            }
        }
    }
    out.flush().context("writing stdout")?;
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

struct Decoder {
    keys: NoticeKeys,
    fallback: Option<NoticeKey>,
}

impl Decoder {
    /// Decodes one line into `out` (newline-terminated JSON lines); on error nothing of the line is kept.
    fn line(&mut self, line: &str, out: &mut String) -> Result<(), WsError> {
        match decode_message(line)? {
            WsMessage::Control(control) => self.control(line, &control, out),
            WsMessage::Data(frame) => self.frame(&frame, out),
        }
    }

    fn control(&mut self, line: &str, control: &Control, out: &mut String) -> Result<(), WsError> {
        self.keys.update_from(control)?;
        let json: serde_json::Value =
            serde_json::from_str(line).map_err(|err| WsError::ControlJson { reason: err.to_string() })?;
        let object = serde_json::json!({ "control": json, "kind": control.kind() });
        out.push_str(&object.to_string());
        out.push('\n');
        Ok(())
    }

    fn frame(&self, frame: &Frame<'_>, out: &mut String) -> Result<(), WsError> {
        let plain;
        let payload = if frame.is_encrypted() {
            let tr_id = frame.ws_tr_id();
            let key = self
                .keys
                .get(&tr_id)
                .or(self.fallback.as_ref())
                .ok_or_else(|| CryptoError::NoKey { tr_id: tr_id.to_string() })?;
            plain = frame.plaintext(key)?;
            plain.as_str()
        } else {
            frame.payload()
        };
        for record in Records::new(frame.tr_id(), frame.count(), payload)? {
            let record = record?;
            if let Some(min) = fields::min_fields_for(frame.tr_id()) {
                record.require(min)?;
            }
            write_record(out, frame, &record);
        }
        Ok(())
    }
}

/// Writes the object by hand to keep the field order of §9 (serde_json's map would sort the keys).
fn write_record(out: &mut String, frame: &Frame<'_>, record: &Record<'_>) {
    let names = fields::names_for(frame.tr_id(), record.len()).unwrap_or_default();
    out.push_str("{\"tr_id\":");
    push_json_str(out, frame.tr_id());
    out.push_str(",\"encrypted\":");
    out.push_str(if frame.is_encrypted() { "true" } else { "false" });
    out.push_str(",\"fields\":{");
    for (i, value) in record.fields().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match names.get(i) {
            // Our own field names: plain ASCII, no escape to look for.
            Some(name) => {
                out.push('"');
                out.push_str(name);
                out.push('"');
            }
            None => {
                // A record longer than its documented layout: the extra fields keep their position.
                use std::fmt::Write as _;
                let _ = write!(out, "\"FIELD_{i}\"");
            }
        }
        out.push(':');
        push_json_str(out, value);
    }
    out.push_str("}}\n");
}

/// Bytes serde_json escapes: control characters, `"`, `\\` and DEL (it leaves DEL as it is, but
/// keeping DEL off the fast path costs nothing and the property test holds either way).
const NEEDS_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table[0x7f] = true;
    table
};

/// A JSON string. KIS fields are almost always plain text (digits, codes, Korean names), which need no escape
/// and are copied as they are; anything else goes through serde_json's escaping. Copying instead of building
/// a `String` per field is most of what makes `decode` fast.
fn push_json_str(out: &mut String, value: &str) {
    if !value.bytes().any(|b| NEEDS_ESCAPE[usize::from(b)]) {
        out.push('"');
        out.push_str(value);
        out.push('"');
    } else {
        // Serializing a &str cannot fail.
        out.push_str(&serde_json::to_string(value).unwrap_or_default());
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::push_json_str;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5_000))]
        /// The fast path writes what serde_json writes, whatever the text.
        #[test]
        fn strings_are_written_as_serde_json_writes_them(value in any::<String>()) {
            let mut out = String::new();
            push_json_str(&mut out, &value);
            prop_assert_eq!(out, serde_json::to_string(&value).unwrap());
        }

        #[test]
        fn kis_like_fields_too(value in "[ -~가-힣]{0,20}") {
            let mut out = String::new();
            push_json_str(&mut out, &value);
            prop_assert_eq!(out, serde_json::to_string(&value).unwrap());
        }
    }
}
