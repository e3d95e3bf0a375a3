//! A deterministic synthetic market for the simulator and the backtester, a virtual clock, and the recording
//! format both replay.
//!
//! - [`Universe`]: KRX listings (and optionally US ones) generated from a seed, or given as a list.
//! - [`SyntheticMarket`]: every symbol trading on the tick grid inside its daily limits, with volatility regimes,
//!   bursts, gap opens, a U-shaped intraday rhythm and a 10-level book the trades are consistent with; sessions
//!   follow the shipped KRX and NYSE calendars. One seed gives one stream, on every platform.
//! - [`VirtualClock`]: real elapsed time × speed → virtual time.
//! - [`recording`]: a line-oriented text format, its writer and reader, and [`ReplaySource`].
//!
//! Pure: no clock, no sockets, no files; readers and writers take any `BufRead`/`Write`. Prices are integers
//! inside and exact decimals outside.

pub mod book;
pub mod clock;
pub mod config;
pub mod grid;
pub mod history;
pub mod intraday;
pub mod market;
mod ranks;
pub mod recording;
pub mod regime;
pub mod rng;
pub mod source;
pub mod summary;
mod symbol_state;
pub mod universe;
mod venue;

pub use clock::{ClockError, VirtualClock};
pub use config::{ConfigError, MarketConfig};
pub use market::{MarketError, SyntheticMarket};
pub use ranks::Direction;
pub use recording::{LineError, Record, RecordingError, RecordingReader, RecordingWriter, ReplaySource};
pub use source::MarketSource;
pub use summary::SymbolSummary;
pub use universe::{KrxListing, SymbolSpec, Universe, UniverseConfig, UniverseError};
