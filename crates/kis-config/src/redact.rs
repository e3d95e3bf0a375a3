//! Which keys hold secrets and how they are shown: enough of a tail to tell two keys apart, never enough to
//! use one.

/// Dotted keys whose values are secrets (credentials, the account number, the HTS id).
pub const SECRET_KEYS: &[&str] = &[
    "api.app_key",
    "api.app_secret",
    "api.account",
    "api.hts_id",
    "api.market_data.app_key",
    "api.market_data.app_secret",
    "notifier.telegram.bot_token",
];

pub fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.contains(&key)
        || (key.starts_with("api.extra_keys[") && (key.ends_with(".app_key") || key.ends_with(".app_secret")))
}

/// `***` plus the last two characters for values long enough that two characters say nothing useful (KIS app
/// keys are 36 characters, secrets 180); shorter values are hidden entirely.
pub fn redact(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    match chars.len() {
        0 => "(empty)".to_string(),
        n if n < 16 => "***".to_string(),
        n => format!("***{}{}", chars[n - 2], chars[n - 1]),
    }
}

/// Replaces every occurrence of the given secret values in `text` (error messages of third-party parsers may
/// quote input). Values shorter than 4 characters are left alone: they would mangle unrelated text and are
/// not credentials anyway.
pub fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| s.chars().count() >= 4) {
        out = out.replace(s.as_str(), "***");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_at_most_two_characters() {
        assert_eq!(redact(""), "(empty)");
        assert_eq!(redact("short-secret"), "***");
        assert_eq!(redact("PSabcdefghijklmnopqrstuvwxyz0123456789"), "***89");
        assert_eq!(redact("가나다라마바사아자차카타파하가나다"), "***나다");
    }

    #[test]
    fn extra_key_pairs_are_secret_keys() {
        assert!(is_secret_key("api.app_key"));
        assert!(is_secret_key("api.extra_keys[0].app_key"));
        assert!(is_secret_key("api.extra_keys[12].app_secret"));
        assert!(!is_secret_key("api.extra_keys"));
        assert!(!is_secret_key("api.rest_base"));
    }

    #[test]
    fn scrub_replaces_every_secret_and_ignores_tiny_values() {
        let secrets = vec!["TOPSECRET".to_string(), "ab".to_string()];
        assert_eq!(scrub("bad value TOPSECRET at TOPSECRET; ab", &secrets), "bad value *** at ***; ab");
    }
}
