//! Real-time TR ids. An `Other` variant keeps unknown ids (new channels, `(null)` in error replies) decodable
//! instead of failing a whole session on a channel we do not model.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

/// A WebSocket channel (TR id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WsTrId {
    /// Domestic trade ticks (KRX).
    H0stcnt0,
    /// Domestic 10-level book (KRX).
    H0stasp0,
    /// Domestic order/fill notice, real account (encrypted).
    H0stcni0,
    /// Domestic order/fill notice, paper account (encrypted).
    H0stcni9,
    /// Overseas trade ticks.
    Hdfscnt0,
    /// Overseas book.
    Hdfsasp0,
    /// Overseas order/fill notice, real account (encrypted).
    H0gscni0,
    /// Overseas order/fill notice, paper account (encrypted).
    H0gscni9,
    /// Any other id, verbatim.
    Other(String),
}

impl WsTrId {
    /// Every modelled id (not `Other`).
    pub const KNOWN: [WsTrId; 8] = [
        Self::H0stcnt0,
        Self::H0stasp0,
        Self::H0stcni0,
        Self::H0stcni9,
        Self::Hdfscnt0,
        Self::Hdfsasp0,
        Self::H0gscni0,
        Self::H0gscni9,
    ];

    /// The wire text.
    pub fn as_str(&self) -> &str {
        match self {
            Self::H0stcnt0 => "H0STCNT0",
            Self::H0stasp0 => "H0STASP0",
            Self::H0stcni0 => "H0STCNI0",
            Self::H0stcni9 => "H0STCNI9",
            Self::Hdfscnt0 => "HDFSCNT0",
            Self::Hdfsasp0 => "HDFSASP0",
            Self::H0gscni0 => "H0GSCNI0",
            Self::H0gscni9 => "H0GSCNI9",
            Self::Other(id) => id,
        }
    }

    /// Parses without allocating for the known ids.
    pub fn parse(id: &str) -> Self {
        match id {
            "H0STCNT0" => Self::H0stcnt0,
            "H0STASP0" => Self::H0stasp0,
            "H0STCNI0" => Self::H0stcni0,
            "H0STCNI9" => Self::H0stcni9,
            "HDFSCNT0" => Self::Hdfscnt0,
            "HDFSASP0" => Self::Hdfsasp0,
            "H0GSCNI0" => Self::H0gscni0,
            "H0GSCNI9" => Self::H0gscni9,
            other => Self::Other(other.to_owned()),
        }
    }

    /// Whether KIS sends this channel encrypted (execution notices).
    pub fn is_notice(&self) -> bool {
        matches!(self, Self::H0stcni0 | Self::H0stcni9 | Self::H0gscni0 | Self::H0gscni9)
    }
}

impl FromStr for WsTrId {
    type Err = Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::parse(s))
    }
}

impl fmt::Display for WsTrId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for WsTrId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for WsTrId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(Self::parse(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for id in WsTrId::KNOWN {
            assert_eq!(WsTrId::parse(id.as_str()), id);
        }
        assert_eq!(WsTrId::parse("H0UNCNT0"), WsTrId::Other("H0UNCNT0".into()));
        assert_eq!("(null)".parse::<WsTrId>().map(|t| t.to_string()), Ok("(null)".to_owned()));
        assert!(WsTrId::H0gscni9.is_notice());
        assert!(!WsTrId::H0stcnt0.is_notice());
    }
}
