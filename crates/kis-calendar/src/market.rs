//! The calendar's names for the markets: tables (`market = "nyse"`) and the `calendar` command call the US
//! market's calendar after NYSE, whose holidays and hours every US venue keeps. The market itself is
//! [`kis_model::Market`].

use std::fmt;

use kis_model::Market;

/// The lowercase name accepted by [`parse_market`] and used in calendar tables.
pub fn calendar_name(market: Market) -> &'static str {
    match market {
        Market::Krx => "krx",
        Market::Us => "nyse",
    }
}

/// The calendar's name in messages: `KRX` or `NYSE`.
pub fn calendar_label(market: Market) -> CalendarLabel {
    CalendarLabel(market)
}

/// Displays a market as its calendar is called (see [`calendar_label`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalendarLabel(Market);

impl fmt::Display for CalendarLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Market::Krx => "KRX",
            Market::Us => "NYSE",
        })
    }
}

/// A market name that is neither `krx` nor `nyse`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown market {0:?}: expected \"krx\" or \"nyse\"")]
pub struct UnknownMarket(pub String);

/// A calendar's market from its name, case-insensitively: `krx` or `nyse`.
pub fn parse_market(s: &str) -> Result<Market, UnknownMarket> {
    if s.eq_ignore_ascii_case("krx") {
        Ok(Market::Krx)
    } else if s.eq_ignore_ascii_case("nyse") {
        Ok(Market::Us)
    } else {
        Err(UnknownMarket(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_case_insensitively() {
        assert_eq!(parse_market("krx"), Ok(Market::Krx));
        assert_eq!(parse_market("KRX"), Ok(Market::Krx));
        assert_eq!(parse_market("NySe"), Ok(Market::Us));
    }

    #[test]
    fn rejects_other_names_with_the_name_in_the_message() {
        let err = parse_market("nasdaq").unwrap_err();
        assert_eq!(err, UnknownMarket("nasdaq".to_owned()));
        assert_eq!(err.to_string(), "unknown market \"nasdaq\": expected \"krx\" or \"nyse\"");
        assert!(parse_market(" krx").is_err());
        assert!(parse_market("").is_err());
    }

    #[test]
    fn zones_and_names() {
        assert_eq!(Market::Krx.tz(), chrono_tz::Asia::Seoul);
        assert_eq!(Market::Us.tz(), chrono_tz::America::New_York);
        assert_eq!(calendar_label(Market::Us).to_string(), "NYSE");
        assert_eq!(calendar_name(Market::Krx), "krx");
        for m in [Market::Krx, Market::Us] {
            assert_eq!(parse_market(calendar_name(m)), Ok(m));
        }
    }
}
