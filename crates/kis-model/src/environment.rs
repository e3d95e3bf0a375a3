//! Which KIS service a session talks to. Real and paper have different hosts, TR ids, limits and keys.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Paper (모의투자) is the default everywhere: real money needs an explicit choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Real,
    #[default]
    Paper,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Real => "real",
            Environment::Paper => "paper",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Environment {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "real" | "prod" | "실전" => Ok(Environment::Real),
            "paper" | "vts" | "demo" | "모의" => Ok(Environment::Paper),
            other => Err(format!("unknown environment {other:?}: expected \"real\" or \"paper\"")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_paper() {
        assert_eq!(Environment::default(), Environment::Paper);
    }

    #[test]
    fn parses_names() {
        assert_eq!("REAL".parse::<Environment>(), Ok(Environment::Real));
        assert_eq!(" paper ".parse::<Environment>(), Ok(Environment::Paper));
        assert!("live".parse::<Environment>().unwrap_err().contains("live"));
    }
}
