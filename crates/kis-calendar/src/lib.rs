//! Market calendars for kis-trader: which days KRX and NYSE trade, and when their regular sessions open
//! and close.
//!
//! - NYSE follows published rules (computed here, see `nyse_rules`), plus a small table of ad-hoc closures
//!   such as national days of mourning (`config/nyse-calendar.toml`).
//! - KRX holidays depend on the lunar calendar, elections and government decrees, so every holiday and
//!   special session comes from a table (`config/krx-calendar.toml`) that operators extend when KRX
//!   announces a change.
//!
//! The crate is pure: tables are passed in as text (the shipped ones are compiled in), and every query
//! takes the instant it is about. A date outside a calendar's covered years is an error
//! ([`CalendarError::OutOfRange`]), never an assumed trading day.

mod calendar;
mod easter;
mod error;
mod krx;
mod market;
mod nyse;
mod nyse_rules;
mod session;
mod table;

pub use calendar::TradingCalendar;
pub use chrono_tz::Tz;
pub use easter::easter_sunday;
pub use error::{CalendarError, TableError};
use kis_model::Market;
pub use krx::{KRX_SHIPPED_TABLE, KrxCalendar};
pub use market::{CalendarLabel, UnknownMarket, calendar_label, calendar_name, parse_market};
pub use nyse::{NYSE_SHIPPED_TABLE, NyseCalendar};
pub use session::Session;

/// The shipped calendar of `market`, as a trait object so callers can pick the market at run time.
pub fn shipped_calendar(market: Market) -> Result<Box<dyn TradingCalendar + Send + Sync>, CalendarError> {
    Ok(match market {
        Market::Krx => Box::new(KrxCalendar::shipped()?),
        Market::Us => Box::new(NyseCalendar::shipped()?),
    })
}

/// The calendar of `market` built from a table's TOML text (e.g. an operator's edited copy).
pub fn calendar_from_toml(
    market: kis_model::Market,
    text: &str,
) -> Result<Box<dyn TradingCalendar + Send + Sync>, CalendarError> {
    Ok(match market {
        Market::Krx => Box::new(KrxCalendar::from_toml(text)?),
        Market::Us => Box::new(NyseCalendar::from_toml(text)?),
    })
}
