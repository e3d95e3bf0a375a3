//! Where each effective value came from, so `check-config` can say "this is the environment overriding your
//! file" instead of leaving the user to guess. Tracked by the loader itself: the `config` crate keeps no
//! usable per-key origin for in-memory sources.

use std::fmt;

/// One configuration layer, lowest precedence first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The field's serde default: no layer mentions it.
    BuiltIn,
    /// The shipped `config/default.toml` (embedded in the binary).
    DefaultFile,
    /// The user's `--config` file, by the name it was given.
    UserFile(String),
    /// An environment variable, by name.
    Env(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::BuiltIn => f.write_str("built-in default"),
            Origin::DefaultFile => f.write_str("config/default.toml"),
            Origin::UserFile(name) => write!(f, "file {name}"),
            Origin::Env(var) => write!(f, "env {var}"),
        }
    }
}

/// Dotted key prefixes set by each layer, in precedence order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origins {
    entries: Vec<(String, Origin)>,
}

impl Origins {
    pub(crate) fn record(&mut self, key: String, origin: Origin) {
        self.entries.push((key, origin));
    }

    /// The layer that decided `key` (`api.app_key`, `strategies[0].rsi.min`): the highest-precedence layer that
    /// set the key itself or a table or array containing it.
    pub fn of(&self, key: &str) -> Origin {
        self.entries
            .iter()
            .rev()
            .find(|(set, _)| covers(set, key))
            .map(|(_, origin)| origin.clone())
            .unwrap_or(Origin::BuiltIn)
    }
}

fn covers(set: &str, key: &str) -> bool {
    match key.strip_prefix(set) {
        Some(rest) => rest.is_empty() || rest.starts_with('.') || rest.starts_with('['),
        None => false,
    }
}

/// The leaf keys of a TOML document; an array counts as one leaf (a layer replaces an array whole).
pub(crate) fn toml_leaves(table: &toml::Table) -> Vec<String> {
    let mut out = Vec::new();
    walk(table, "", &mut out);
    out
}

fn walk(table: &toml::Table, prefix: &str, out: &mut Vec<String>) {
    for (key, value) in table {
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match value {
            toml::Value::Table(inner) => walk(inner, &path, out),
            _ => out.push(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_layer_covering_a_key_wins_and_prefixes_respect_boundaries() {
        let mut o = Origins::default();
        o.record("api.app_key".into(), Origin::DefaultFile);
        o.record("strategies".into(), Origin::UserFile("my.toml".into()));
        o.record("api.app_key".into(), Origin::Env("KIS_APP_KEY".into()));
        assert_eq!(o.of("api.app_key"), Origin::Env("KIS_APP_KEY".into()));
        assert_eq!(o.of("strategies[0].rsi.min"), Origin::UserFile("my.toml".into()));
        // `api.app_key` does not cover `api.app_key_2`, and nothing covers `api.app_secret`.
        assert_eq!(o.of("api.app_key_2"), Origin::BuiltIn);
        assert_eq!(o.of("api.app_secret"), Origin::BuiltIn);
    }

    #[test]
    fn leaves_of_nested_tables_and_arrays() {
        let t: toml::Table = toml::from_str("a = 1\n[b]\nc = 2\n[b.d]\ne = 3\n[[s]]\nk = 1\n").unwrap();
        let mut leaves = toml_leaves(&t);
        leaves.sort();
        assert_eq!(leaves, ["a", "b.c", "b.d.e", "s"]);
    }
}
