//! Markets, boards and currencies.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The two markets kis-trader trades; they differ in currency, calendar, tick rules and order types. Each has
/// exactly one time zone, so a market is enough to turn a local session time into an instant. (kis-calendar
/// names the US market's calendar `nyse`: NYSE's holidays and hours are the ones every US venue keeps.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Market {
    /// Korea Exchange (KOSPI/KOSDAQ/KONEX), Asia/Seoul.
    Krx,
    /// The US exchanges (NYSE, Nasdaq, Amex), America/New_York (observes DST).
    Us,
}

impl Market {
    /// The zone in which the market publishes its session times.
    pub fn tz(self) -> chrono_tz::Tz {
        match self {
            Market::Krx => chrono_tz::Asia::Seoul,
            Market::Us => chrono_tz::America::New_York,
        }
    }

    pub fn currency(self) -> Currency {
        match self {
            Market::Krx => Currency::Krw,
            Market::Us => Currency::Usd,
        }
    }
}

impl std::fmt::Display for Market {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Market::Krx => "KRX",
            Market::Us => "US",
        })
    }
}

/// KRX board of a listing. The securities transaction tax differs by board, so sells must know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KrxBoard {
    Kospi,
    Kosdaq,
    Konex,
}

impl KrxBoard {
    pub fn as_str(self) -> &'static str {
        match self {
            KrxBoard::Kospi => "kospi",
            KrxBoard::Kosdaq => "kosdaq",
            KrxBoard::Konex => "konex",
        }
    }
}

impl FromStr for KrxBoard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "kospi" => Ok(KrxBoard::Kospi),
            "kosdaq" => Ok(KrxBoard::Kosdaq),
            "konex" => Ok(KrxBoard::Konex),
            other => Err(format!("unknown KRX board {other:?}: expected kospi, kosdaq or konex")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Currency {
    Krw,
    Usd,
}

impl Currency {
    /// ISO code, which is also what KIS sends in `TR_CRCY_CD`.
    pub fn code(self) -> &'static str {
        match self {
            Currency::Krw => "KRW",
            Currency::Usd => "USD",
        }
    }

    /// Smallest unit cash is settled in: fees and taxes are cut to it.
    pub fn minor_unit_scale(self) -> u32 {
        match self {
            Currency::Krw => 0,
            Currency::Usd => 2,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
