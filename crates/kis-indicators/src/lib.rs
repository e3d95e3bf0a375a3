//! Streaming technical indicators for kis-trader.
//!
//! Every indicator is a small struct fed one observation at a time, O(1) per update (ring buffers
//! and running sums, never a rescan of the window on the hot path), so the same code serves a
//! backtest over a CSV and a live tick stream.
//!
//! Values and warm-up match the TA-Lib C library (default compatibility, unstable period 0) — the
//! tests compare against vectors produced by TA-Lib itself (`tools/gen_vectors.py`), and the
//! arithmetic follows TA-Lib 0.8's operation order so results are bit-identical to them on the
//! committed series. `update` returns `Ok(None)` during warm-up; `value()` repeats the last output;
//! `reset()` returns to the freshly-constructed state.
//!
//! Indicator math is `f64`, like TA-Lib's. Inputs that are NaN, infinite, or beyond
//! [`MAX_ABS_INPUT`] (and negative volumes) are refused with an [`InputError`] and leave the state
//! untouched: one bad tick must not silently poison every later value. Integer volumes (trade
//! strength, volume surge) are summed exactly.

mod atr;
mod bollinger;
mod ema;
mod error;
mod macd;
mod ring;
mod rsi;
mod sma;
mod standard_set;
mod trade_strength;
mod volume_surge;
mod vwap;

pub use atr::{Atr, true_range};
pub use bollinger::{Bollinger, BollingerOutput};
pub use ema::Ema;
pub use error::{InputError, MAX_ABS_INPUT, MAX_PERIOD, ParamError};
pub use macd::{Macd, MacdOutput};
pub use rsi::Rsi;
pub use sma::Sma;
pub use standard_set::{Bar, StandardRow, StandardSet};
pub use trade_strength::{Aggressor, RollingTradeStrength, TradeStrength};
pub use volume_surge::VolumeSurge;
pub use vwap::{Vwap, typical_price};
