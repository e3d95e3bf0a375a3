//! What a run leaves behind: `trades.csv`, `summary.json` and `report.html`.

pub mod html;
pub mod json;
pub mod svg;
pub mod trades_csv;

pub use html::render_html;
pub use json::summary_json;
pub use trades_csv::{TRADES_HEADER, write_trades_csv};

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;

/// Timestamps in outputs are market-local with their offset (`2025-03-03T09:45:00-05:00`): unambiguous, and
/// the time a trader of that market reads.
pub fn local_ts(ts: DateTime<Utc>, tz: Tz) -> String {
    ts.with_timezone(&tz).to_rfc3339_opts(SecondsFormat::AutoSi, false)
}
