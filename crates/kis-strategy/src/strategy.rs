//! The interface every strategy implements.

use kis_model::{Bar, MarketEvent, Symbol};

use crate::bar_aggregator::BarInterval;
use crate::context::Context;
use crate::fill::FillReport;
use crate::signal::{Signal, StrategyId};

/// One instance trades one symbol (the daemon runs one SignalActor per symbol, the backtester one instance
/// per symbol), so strategies keep per-symbol state in plain fields.
///
/// Pure and deterministic: the same events and contexts give the same signals, live or in a backtest. Events
/// for another symbol are ignored. Malformed events (a KRX price off whole won, a price an indicator refuses)
/// are skipped and counted in [`rejected_events`](Self::rejected_events) rather than reported per call: the
/// live path must keep going, and the count is what monitoring needs.
pub trait Strategy: Send {
    /// Stable name of the instance (its [`StrategyId`]), for logs and PnL attribution.
    fn name(&self) -> &str {
        self.id().as_str()
    }

    fn id(&self) -> &StrategyId;

    fn symbol(&self) -> Symbol;

    /// Reacts to one market event; signals, if any, are appended to `out` (which the caller reuses, so the
    /// hot path does not allocate).
    fn on_event(&mut self, event: &MarketEvent, ctx: &Context, out: &mut Vec<Signal>);

    /// Learns of an execution of one of its orders. The account position arrives with every [`Context`], so
    /// strategies that read it need nothing here; the default ignores fills.
    fn on_fill(&mut self, fill: &FillReport) {
        let _ = fill;
    }

    /// Rebuilds indicator state from history, oldest bar first, without emitting signals: after a restart
    /// (the daemon replaces a panicked actor from its market cache) the strategy resumes where it was
    /// instead of waiting out a fresh warm-up.
    fn warm_up(&mut self, bars: &[Bar]);

    /// The broker history this strategy wants to be warmed up with at start, when the market cache's bars
    /// (built from live trades since the daemon started, so empty at start) are not enough: the US bot reads
    /// RSI on day or long minute candles from its first look. `None` (the default): the cache's minute bars.
    fn warm_up_history(&self) -> Option<WarmUpHistory> {
        None
    }

    /// Events skipped as malformed since construction.
    fn rejected_events(&self) -> u64;
}

/// Broker bars a strategy asks to be warmed up with: `bars` bars of length `interval` (`Day` or a minute
/// length), the length its [`warm_up`](Strategy::warm_up) takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WarmUpHistory {
    pub interval: BarInterval,
    pub bars: usize,
}
