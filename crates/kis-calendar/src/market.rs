//! Which exchange a calendar describes.

use std::fmt;
use std::str::FromStr;

use chrono_tz::Tz;

/// The exchanges kis-trader trades on. Each has exactly one time zone, so a market name is enough to turn
/// a local session time into an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Market {
    /// Korea Exchange (KOSPI/KOSDAQ), Asia/Seoul.
    Krx,
    /// New York Stock Exchange, America/New_York (observes DST).
    Nyse,
}

impl Market {
    /// The zone in which the exchange publishes its session times.
    pub fn tz(self) -> Tz {
        match self {
            Market::Krx => chrono_tz::Asia::Seoul,
            Market::Nyse => chrono_tz::America::New_York,
        }
    }

    /// The lowercase name accepted by [`FromStr`] and used in calendar tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Market::Krx => "krx",
            Market::Nyse => "nyse",
        }
    }
}

impl fmt::Display for Market {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Market::Krx => "KRX",
            Market::Nyse => "NYSE",
        })
    }
}

/// A market name that is neither `krx` nor `nyse`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown market {0:?}: expected \"krx\" or \"nyse\"")]
pub struct UnknownMarket(pub String);

impl FromStr for Market {
    type Err = UnknownMarket;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("krx") {
            Ok(Market::Krx)
        } else if s.eq_ignore_ascii_case("nyse") {
            Ok(Market::Nyse)
        } else {
            Err(UnknownMarket(s.to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_case_insensitively() {
        assert_eq!("krx".parse(), Ok(Market::Krx));
        assert_eq!("KRX".parse(), Ok(Market::Krx));
        assert_eq!("NySe".parse(), Ok(Market::Nyse));
    }

    #[test]
    fn rejects_other_names_with_the_name_in_the_message() {
        let err = "nasdaq".parse::<Market>().unwrap_err();
        assert_eq!(err, UnknownMarket("nasdaq".to_owned()));
        assert_eq!(err.to_string(), "unknown market \"nasdaq\": expected \"krx\" or \"nyse\"");
        assert!(" krx".parse::<Market>().is_err());
        assert!("".parse::<Market>().is_err());
    }

    #[test]
    fn zones_and_names() {
        assert_eq!(Market::Krx.tz(), chrono_tz::Asia::Seoul);
        assert_eq!(Market::Nyse.tz(), chrono_tz::America::New_York);
        assert_eq!(Market::Nyse.to_string(), "NYSE");
        assert_eq!(Market::Krx.as_str(), "krx");
    }
}
