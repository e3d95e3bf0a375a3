//! Paths in the configuration must be written as strings. The `config` crate turns any scalar into a string
//! when the schema asks for one, so `state_dir = 5` would quietly become a directory named `5` next to
//! wherever the daemon was started; a number or a boolean where a path belongs is a mistake to name.

use std::fmt;
use std::path::PathBuf;

use serde::Deserializer;
use serde::de::{Error, Visitor};

/// `deserialize_with` for a `PathBuf` field: a string, nothing else.
pub fn strict<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
    d.deserialize_any(PathVisitor)
}

/// `deserialize_with` for an `Option<PathBuf>` field: absent, or a string.
pub fn strict_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
    d.deserialize_option(OptionalPath)
}

struct PathVisitor;

impl<'de> Visitor<'de> for PathVisitor {
    type Value = PathBuf;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a path in quotes")
    }

    fn visit_str<E: Error>(self, v: &str) -> Result<PathBuf, E> {
        Ok(PathBuf::from(v))
    }
}

struct OptionalPath;

impl<'de> Visitor<'de> for OptionalPath {
    type Value = Option<PathBuf>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a path in quotes")
    }

    fn visit_none<E: Error>(self) -> Result<Option<PathBuf>, E> {
        Ok(None)
    }

    fn visit_unit<E: Error>(self) -> Result<Option<PathBuf>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<PathBuf>, D::Error> {
        strict(d).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Paths {
        #[serde(deserialize_with = "super::strict")]
        dir: PathBuf,
        #[serde(default, deserialize_with = "super::strict_opt")]
        file: Option<PathBuf>,
    }

    #[test]
    fn strings_are_paths_and_other_scalars_are_refused() {
        let ok: Paths = toml::from_str("dir = \"state\"\nfile = \"sim.toml\"").unwrap();
        assert_eq!((ok.dir, ok.file), (PathBuf::from("state"), Some(PathBuf::from("sim.toml"))));
        let absent: Paths = toml::from_str("dir = \"state\"").unwrap();
        assert_eq!(absent.file, None);
        for bad in ["dir = 5", "dir = true", "dir = \"s\"\nfile = 1.5"] {
            let err = toml::from_str::<Paths>(bad).unwrap_err().to_string();
            assert!(err.contains("expected a path in quotes"), "{bad}: {err}");
        }
    }
}
