//! US stocks: buy on a low RSI, sell on a high RSI confirmed by a recent MACD golden cross, stop out at −5 %.

mod config;
mod golden_cross;
mod limit_price;
mod strategy;
mod tickers;

pub use config::UsRsiMacdConfig;
pub use golden_cross::GoldenCross;
pub use limit_price::us_limit_price;
pub use strategy::UsRsiMacd;
pub use tickers::{TickerListError, parse_ticker_list};
