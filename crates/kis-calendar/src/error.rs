//! Errors of calendar queries and of calendar tables.

use chrono::{NaiveDate, NaiveTime};

use crate::calendar_label;
use kis_model::Market;

/// Why a calendar could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The date lies outside the years the calendar knows. Answering "open" for an unknown day could send
    /// orders on a holiday, answering "closed" could skip trading days, so neither is guessed.
    #[error(
        "{} calendar covers {first_year}..={last_year} only; {date} is outside it, \
         so whether the market trades that day is unknown (extend the calendar table)",
        calendar_label(*.market)
    )]
    OutOfRange { market: Market, date: NaiveDate, first_year: i32, last_year: i32 },
    /// A date range whose start is after its end.
    #[error("date range is reversed: from {from} is after to {to}")]
    ReversedRange { from: NaiveDate, to: NaiveDate },
    /// A session time that does not name exactly one instant in the market's zone (a DST gap or overlap).
    #[error(
        "{} session time {time} on {date} does not exist or is ambiguous in the market's time zone",
        calendar_label(*.market)
    )]
    LocalTime { market: Market, date: NaiveDate, time: NaiveTime },
    /// The calendar table given to the constructor is invalid.
    #[error(transparent)]
    Table(#[from] TableError),
}

/// What is wrong with a calendar table (TOML text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    /// The text is not TOML or does not have the table's shape (unknown key, wrong type, missing field).
    #[error("calendar table: {0}")]
    Toml(#[from] toml::de::Error),
    /// The `market` key names no known market.
    #[error("calendar table: {0}")]
    Market(#[from] crate::UnknownMarket),
    /// A table for one market was given to the other market's calendar.
    #[error(
        "calendar table is for {}, but a {} calendar was being built",
        calendar_label(*.found),
        calendar_label(*.expected)
    )]
    WrongMarket { expected: Market, found: Market },
    /// `first_year` after `last_year`, or years chrono cannot represent.
    #[error("calendar table: covered years {first_year}..={last_year} are reversed or out of 1900..=2200")]
    BadYears { first_year: i32, last_year: i32 },
    /// A field that must be a bare TOML local date (`2026-01-02`) held something else.
    #[error("calendar table: {what} must be a bare local date like 2026-01-02, got {value}")]
    NotADate { what: String, value: String },
    /// A field that must be a bare TOML local time (`09:00:00`) held something else.
    #[error("calendar table: {what} must be a bare local time like 09:00:00, got {value}")]
    NotATime { what: String, value: String },
    /// An entry dated outside the table's covered years (usually a typo in the year).
    #[error("calendar table: {date} ({name}) is outside the covered years {first_year}..={last_year}")]
    OutsideYears { date: NaiveDate, name: String, first_year: i32, last_year: i32 },
    /// An entry on a Saturday or Sunday: the market is closed then anyway, so it is almost certainly a wrong date.
    #[error(
        "calendar table: {date} ({name}) is a {weekday}; weekends are closed anyway, so the date is probably wrong"
    )]
    OnWeekend { date: NaiveDate, name: String, weekday: chrono::Weekday },
    /// The same date appears twice among holidays and special sessions.
    #[error("calendar table: {date} is listed twice ({first} and {second})")]
    Duplicate { date: NaiveDate, first: String, second: String },
    /// A special session on a day the rules already close (NYSE rule holidays).
    #[error("calendar table: special session {date} ({name}) falls on the holiday {holiday}")]
    SpecialOnHoliday { date: NaiveDate, name: String, holiday: String },
    /// Opening hours that do not open before they close.
    #[error("calendar table: {what} opens at {open}, which is not before its close at {close}")]
    OpenNotBeforeClose { what: String, open: NaiveTime, close: NaiveTime },
    /// KRX hours are data, so the KRX table must state them.
    #[error("calendar table: the KRX table needs a [regular] section with the normal open and close")]
    MissingRegular,
    /// NYSE hours are fixed by rule in code; a `[regular]` section would silently be ignored, so it is refused.
    #[error("calendar table: NYSE regular hours are fixed by rule (09:30-16:00 ET); remove [regular]")]
    UnexpectedRegular,
    /// A special session whose hours do not exist on that day in the market's zone.
    #[error("calendar table: {what}: {source}")]
    SessionTime {
        what: String,
        #[source]
        source: Box<CalendarError>,
    },
}
