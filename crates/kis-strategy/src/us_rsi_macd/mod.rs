//! US stocks: buy on a low RSI, sell on a high RSI confirmed by a recent MACD golden cross, stop out at −5 %.

mod config;
mod golden_cross;
mod input_interval;
mod limit_price;
mod strategy;
mod tickers;

pub use config::{MAX_CHECK_INTERVAL_MINUTES, US_MAX_OPEN_POSITIONS, UsRsiMacdConfig};
pub use golden_cross::GoldenCross;
pub use input_interval::{DAILY_EVIDENCE_BARS, DAILY_SOURCE, InputInterval};
pub use limit_price::{
    DEFAULT_STOP_LOSS_OFFSET_TICKS, US_MIN_SELL_LIMIT, US_OFFSET_TICK, us_limit_price, us_marketable_sell,
};
pub use strategy::{DAILY_WARM_UP_BARS, MAX_MINUTE_WARM_UP_BARS, UsRsiMacd};
pub use tickers::{TickerListError, parse_ticker_list};
