//! Layered loading: the shipped defaults, then the user's file, then the environment. A pure function of the
//! file texts and an environment map, so tests never touch the process environment; [`load_process`] is the
//! thin wrapper the binary uses.

use std::collections::BTreeMap;
use std::path::Path;

use config::{Config, Environment, File, FileFormat};
use thiserror::Error;

use crate::daemon_config::DaemonConfig;
use crate::origin::{Origin, Origins, toml_leaves};
use crate::redact::{SECRET_KEYS, scrub};

/// The shipped `config/default.toml`, embedded so the binary works from any directory.
pub const DEFAULT_TOML: &str = include_str!("../../../config/default.toml");

/// Prefix of the nested form: `KIS__API__APP_KEY` sets `api.app_key`. `__` because single underscores are part
/// of the key names (rust-notes "config 0.15").
pub const ENV_PREFIX: &str = "KIS";
pub const ENV_SEPARATOR: &str = "__";

/// The flat variables users expect from KIS's own samples, and the keys they set. The nested form of the same
/// key wins when both are present.
pub const FLAT_ENV: &[(&str, &str)] = &[
    ("KIS_APP_KEY", "api.app_key"),
    ("KIS_APP_SECRET", "api.app_secret"),
    ("KIS_ACCOUNT", "api.account"),
    ("KIS_HTS_ID", "api.hts_id"),
    ("KIS_MARKET_DATA_APP_KEY", "api.market_data.app_key"),
    ("KIS_MARKET_DATA_APP_SECRET", "api.market_data.app_secret"),
    ("KIS_TELEGRAM_BOT_TOKEN", "notifier.telegram.bot_token"),
    ("KIS_TELEGRAM_CHAT_ID", "notifier.telegram.chat_id"),
];

/// A config file's name (for messages) and text.
#[derive(Debug, Clone, Copy)]
pub struct SourceFile<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

/// A loaded configuration and what the loader noticed on the way.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: DaemonConfig,
    pub origins: Origins,
    /// Layers that were shadowed (a flat variable hidden by its nested form): worth a warning, not an error.
    pub notes: Vec<String>,
}

#[derive(Debug, Error)]
pub enum LoadError {
    #[error("cannot read config file {path}: {reason}")]
    Read { path: String, reason: String },
    /// TOML syntax. Position only: the parser's own message quotes the offending line, which may hold a secret.
    #[error("{name}: TOML syntax error at line {line}, column {column}: {message}")]
    Syntax { name: String, line: usize, column: usize, message: String },
    /// A value or key the schema refuses (unknown key, wrong type, bad account number …); the text names the key.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// Loads `defaults` (normally [`DEFAULT_TOML`]), then `user`, then the `KIS…` variables of `env`.
pub fn load(defaults: &str, user: Option<SourceFile<'_>>, env: &BTreeMap<String, String>) -> Result<Loaded, LoadError> {
    let mut origins = Origins::default();
    let mut secrets = env_secrets(env);
    let mut builder = Config::builder();

    let default_file = SourceFile { name: "config/default.toml", text: defaults };
    for (file, origin) in
        std::iter::once((default_file, Origin::DefaultFile)).chain(user.map(|u| (u, Origin::UserFile(u.name.into()))))
    {
        let table = parse_toml(file)?;
        secrets.extend(table_secrets(&table));
        for leaf in toml_leaves(&table) {
            origins.record(leaf, origin.clone());
        }
        builder = builder.add_source(File::from_str(file.text, FileFormat::Toml));
    }

    let mut notes = Vec::new();
    let mut flat = config::Map::new();
    for (var, key) in FLAT_ENV {
        let Some(value) = env.get(*var).filter(|v| !v.is_empty()) else { continue };
        let nested = nested_var(key);
        if env.get(&nested).is_some_and(|v| !v.is_empty()) {
            notes.push(format!("{var} and {nested} are both set; {nested} wins"));
            continue;
        }
        origins.record((*key).to_string(), Origin::Env((*var).to_string()));
        flat.insert(nested, value.clone());
    }
    let mut nested = config::Map::new();
    let prefix = format!("{ENV_PREFIX}{ENV_SEPARATOR}");
    for (var, value) in env {
        if var.to_ascii_uppercase().starts_with(&prefix) && !value.is_empty() {
            let key = var[prefix.len()..].to_ascii_lowercase().replace(ENV_SEPARATOR, ".");
            origins.record(key, Origin::Env(var.clone()));
            nested.insert(var.clone(), value.clone());
        }
    }
    // Strings stay strings (`try_parsing` off): serde converts numbers and booleans where the schema asks for
    // them, and a symbol like "005930" keeps its zeros.
    let env_source = |map: config::Map<String, String>| {
        Environment::with_prefix(ENV_PREFIX)
            .prefix_separator(ENV_SEPARATOR)
            .separator(ENV_SEPARATOR)
            .ignore_empty(true)
            .source(Some(map))
    };
    builder = builder.add_source(env_source(flat)).add_source(env_source(nested));

    let invalid = |e: config::ConfigError| LoadError::Invalid(dotted_key(&scrub(&e.to_string(), &secrets)));
    let config = builder.build().map_err(invalid)?.try_deserialize::<DaemonConfig>().map_err(invalid)?;
    Ok(Loaded { config, origins, notes })
}

/// The `config` crate names a list item's field `strategies[0]kind`; everywhere else (the explanation, the
/// checks) the key is `strategies[0].kind`, so the dot is put back inside the message's "for key `…`".
fn dotted_key(message: &str) -> String {
    const MARK: &str = "for key `";
    let Some(start) = message.find(MARK).map(|i| i + MARK.len()) else { return message.to_string() };
    let end = message[start..].find('`').map_or(message.len(), |i| start + i);
    let mut key = String::with_capacity(end - start + 4);
    let mut chars = message[start..end].chars().peekable();
    while let Some(c) = chars.next() {
        key.push(c);
        if c == ']' && chars.peek().is_some_and(|n| n.is_ascii_alphabetic() || *n == '_') {
            key.push('.');
        }
    }
    format!("{}{key}{}", &message[..start], &message[end..])
}

/// Reads the optional `--config` file and the process environment, then [`load`]s over [`DEFAULT_TOML`].
pub fn load_process(path: Option<&Path>) -> Result<Loaded, LoadError> {
    let env: BTreeMap<String, String> =
        std::env::vars().filter(|(k, _)| k.to_ascii_uppercase().starts_with("KIS")).collect();
    let text = match path {
        Some(p) => Some(
            std::fs::read_to_string(p)
                .map_err(|e| LoadError::Read { path: p.display().to_string(), reason: e.to_string() })?,
        ),
        None => None,
    };
    let name = path.map(|p| p.display().to_string()).unwrap_or_default();
    load(DEFAULT_TOML, text.as_deref().map(|text| SourceFile { name: &name, text }), &env)
}

/// `api.app_key` → `KIS__API__APP_KEY`.
pub fn nested_var(key: &str) -> String {
    format!("{ENV_PREFIX}{ENV_SEPARATOR}{}", key.to_ascii_uppercase().replace('.', ENV_SEPARATOR))
}

fn parse_toml(file: SourceFile<'_>) -> Result<toml::Table, LoadError> {
    toml::from_str::<toml::Table>(file.text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start).min(file.text.len());
        let before = file.text.get(..offset).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        LoadError::Syntax { name: file.name.to_string(), line, column, message: e.message().to_string() }
    })
}

/// Secret values present in the environment, to scrub from any error text.
fn env_secrets(env: &BTreeMap<String, String>) -> Vec<String> {
    let flat = FLAT_ENV.iter().filter(|(_, key)| SECRET_KEYS.contains(key)).map(|(var, _)| (*var).to_string());
    let nested = SECRET_KEYS.iter().map(|key| nested_var(key));
    flat.chain(nested).filter_map(|var| env.get(&var).cloned()).collect()
}

/// Secret values written in a file.
fn table_secrets(table: &toml::Table) -> Vec<String> {
    SECRET_KEYS
        .iter()
        .filter_map(|key| {
            let mut value: Option<&toml::Value> = None;
            let mut current = table;
            for (i, part) in key.split('.').enumerate() {
                let v = current.get(part)?;
                if i + 1 == key.split('.').count() {
                    value = Some(v);
                } else {
                    current = v.as_table()?;
                }
            }
            match value? {
                toml::Value::String(s) => Some(s.clone()),
                toml::Value::Integer(i) => Some(i.to_string()),
                _ => None,
            }
        })
        .collect()
}
