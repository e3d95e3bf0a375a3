//! The KRX universe: the liquid listings a scalper screens where KIS offers no rank lists (paper trading), and
//! the fallback whenever the rank lists fail on the real domain.
//!
//! * [`UniverseTable`]: the dated table of `config/krx-universe.toml` (code, name, market, listed shares,
//!   where it came from), parsed and checked; [`UniverseTable::shipped`] is the copy compiled in.
//! * [`from_master`]: the table rebuilt from KIS's master files (`kis_protocol::master`), which
//!   `kis-trader universe refresh` downloads; [`UniverseTable::to_toml`] writes it back in the same format.
//!
//! Pure: the caller reads and writes the files.

mod from_master;
mod table;

pub use from_master::{Selection, from_master};
pub use table::{Listing, SHIPPED_TABLE, TableError, UniverseTable};
