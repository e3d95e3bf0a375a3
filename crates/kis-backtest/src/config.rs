//! Settings of a run, and the TOML file they come from.
//!
//! File shape (every key optional; strategy sections take exactly the fields of that strategy's config in
//! kis-strategy, unknown keys are errors):
//!
//! ```toml
//! initial_cash = "10000000"   # per strategy, in the traded market's currency (default 10,000,000 KRW / 100,000 USD)
//! fill = "close"              # close: at the signalling bar's close / tick; next: next bar's open / next tick
//! slippage_ticks = 0          # against us, on the KRX tick grid or in US cents
//! commission_rate = "0.00015" # replaces config/fees.toml's commission (both markets), no minimum
//! sell_tax_rate = "0.002"     # replaces the dated KRX sell tax and the US SEC fee
//! board = "kospi"             # KRX board, selects the sell tax: kospi | kosdaq | konex
//! instrument = "stock"        # KRX tick grid: stock | fund (ETF/ETN)
//! symbol = "005930"           # what a bar CSV holds (the --symbol flag wins)
//!
//! [risk.sizing]               # kis-strategy RiskConfig: sizing, daily_loss, order_rate; for every strategy
//! max_position_pct = 30       # of the run (unset: each its own default, the US bot its 30 %-of-cash rule)
//!
//! [exits]                     # the desk's exits on every KRX holding, as the daemon's [exits] (unset: none;
//! stop_loss_pct = 0.8         # the strategy's own exits apply either way). Missing keys are off here, so
//! take_profit_pct = 1.2       # copy the daemon's table whole to backtest what it runs.
//!
//! [rsi-reversal]              # RsiReversalConfig
//! take_profit_pct = 1.2
//! [krx-scalping]              # ScalpingConfig, e.g. [krx-scalping.exits]
//! [us-rsi-macd]               # UsRsiMacdConfig
//! [us-rsi-macd.risk.sizing]   # a strategy's own risk rules win over [risk]
//! ```

use std::fmt;
use std::str::FromStr;

use kis_model::tick_size::InstrumentKind;
use kis_model::{FeeModel, KrxBoard, Market, Symbol};
use kis_strategy::StrategyConfig;
use kis_strategy::krx_scalping::ScalpingConfig;
use kis_strategy::risk::{ExitRules, RiskConfig};
use kis_strategy::rsi_reversal::RsiReversalConfig;
use kis_strategy::us_rsi_macd::UsRsiMacdConfig;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::SettingsError;

/// When an approved order fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FillModel {
    /// At the price of the event that produced the signal: a bar's close, a tick's price. Optimistic (the
    /// strategy saw that price and trades at it), and what hand-checkable backtests assume.
    #[default]
    Close,
    /// At the next event of the symbol that carries a price: the next bar's open, the next trade. The order is
    /// pending (the strategy sees `order_pending`) until then; an order still pending at the end is dropped.
    Next,
}

impl FromStr for FillModel {
    type Err = SettingsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "close" => Ok(FillModel::Close),
            "next" => Ok(FillModel::Next),
            other => Err(SettingsError::bad("fill", format!("{other:?} is not close or next"))),
        }
    }
}

impl fmt::Display for FillModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FillModel::Close => "close",
            FillModel::Next => "next",
        })
    }
}

/// The strategies the command line knows, by their command-line names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StrategyName {
    RsiReversal,
    KrxScalping,
    UsRsiMacd,
}

impl StrategyName {
    pub const ALL: [StrategyName; 3] = [StrategyName::RsiReversal, StrategyName::KrxScalping, StrategyName::UsRsiMacd];

    /// The command-line name, which is also the config file's section name.
    pub fn as_str(self) -> &'static str {
        match self {
            StrategyName::RsiReversal => "rsi-reversal",
            StrategyName::KrxScalping => "krx-scalping",
            StrategyName::UsRsiMacd => "us-rsi-macd",
        }
    }

    /// The market a strategy trades when no symbol says otherwise.
    pub fn default_market(self) -> Market {
        match self {
            StrategyName::RsiReversal | StrategyName::KrxScalping => Market::Krx,
            StrategyName::UsRsiMacd => Market::Us,
        }
    }
}

impl FromStr for StrategyName {
    type Err = SettingsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StrategyName::ALL
            .into_iter()
            .find(|n| n.as_str() == s.trim())
            .ok_or_else(|| SettingsError::UnknownStrategy(s.to_string()))
    }
}

impl fmt::Display for StrategyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// KRX instrument kind by name (kis-model's type has no serde form).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InstrumentName {
    #[default]
    Stock,
    Fund,
}

impl InstrumentName {
    pub fn kind(self) -> InstrumentKind {
        match self {
            InstrumentName::Stock => InstrumentKind::Stock,
            InstrumentName::Fund => InstrumentKind::Fund,
        }
    }
}

/// Everything a run needs besides the strategies and the data.
#[derive(Debug, Clone)]
pub struct BacktestConfig {
    /// Only symbols of this market are traded: one run keeps one currency, so totals add up.
    pub market: Market,
    /// Only this symbol, when set (recordings may carry many).
    pub symbol: Option<Symbol>,
    /// Starting cash of each strategy's account.
    pub initial_cash: Decimal,
    pub fill: FillModel,
    pub slippage_ticks: u32,
    pub fees: FeeModel,
    pub board: KrxBoard,
    pub instrument: InstrumentKind,
    pub risk: RiskConfig,
    /// The desk's own exits, watched on every trade of every held position, as the daemon's `[exits]` are
    /// for KRX (a strategy's own exits apply either way). Default none: the strategy's exits alone.
    pub exits: Option<ExitRules>,
}

impl BacktestConfig {
    /// Shipped fees, close fills, no slippage, default risk rules, the market's default cash.
    pub fn new(market: Market) -> BacktestConfig {
        BacktestConfig {
            market,
            symbol: None,
            initial_cash: default_cash(market),
            fill: FillModel::Close,
            slippage_ticks: 0,
            fees: FeeModel::shipped(),
            board: KrxBoard::Kospi,
            instrument: InstrumentKind::Stock,
            risk: RiskConfig::default(),
            exits: None,
        }
    }
}

fn default_cash(market: Market) -> Decimal {
    match market {
        Market::Krx => Decimal::from(10_000_000),
        Market::Us => Decimal::from(100_000),
    }
}

/// The config file as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunFile {
    pub initial_cash: Option<Decimal>,
    pub fill: Option<FillModel>,
    pub slippage_ticks: Option<u32>,
    pub commission_rate: Option<Decimal>,
    pub sell_tax_rate: Option<Decimal>,
    pub board: Option<KrxBoard>,
    pub instrument: Option<InstrumentName>,
    pub symbol: Option<String>,
    #[serde(default)]
    pub risk: RiskConfig,
    pub exits: Option<ExitsTable>,
    #[serde(rename = "rsi-reversal")]
    pub rsi_reversal: Option<RsiReversalConfig>,
    #[serde(rename = "krx-scalping")]
    pub krx_scalping: Option<ScalpingConfig>,
    #[serde(rename = "us-rsi-macd")]
    pub us_rsi_macd: Option<UsRsiMacdConfig>,
}

/// `[exits]` of a run file: every rule off unless given (unlike [`ExitRules::default`], the scalping set).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExitsTable {
    pub stop_loss_pct: Option<Decimal>,
    pub take_profit_pct: Option<Decimal>,
    pub trailing_stop: Option<kis_strategy::risk::TrailingStop>,
    pub max_holding_secs: Option<u64>,
}

impl ExitsTable {
    pub fn rules(self) -> ExitRules {
        ExitRules {
            stop_loss_pct: self.stop_loss_pct,
            take_profit_pct: self.take_profit_pct,
            trailing_stop: self.trailing_stop,
            max_holding_secs: self.max_holding_secs,
        }
    }
}

/// Top-level keys of the file; a grid parameter starting with one of them addresses the file, any other the
/// strategy's section.
/// `exits` is not among them: an optimiser parameter `exits.…` keeps addressing the strategy's own exits.
const TOP_LEVEL_KEYS: [&str; 9] = [
    "initial_cash",
    "fill",
    "slippage_ticks",
    "commission_rate",
    "sell_tax_rate",
    "board",
    "instrument",
    "symbol",
    "risk",
];

/// A parsed config file kept as a TOML table, so that the optimiser can set parameters by dotted path and
/// have them checked by the same typed deserialisation as the file itself.
#[derive(Debug, Clone, Default)]
pub struct RunTable {
    table: toml::Table,
}

impl RunTable {
    pub fn parse(text: &str) -> Result<RunTable, SettingsError> {
        let table: toml::Table = toml::from_str(text).map_err(|e| SettingsError::Toml(e.to_string()))?;
        let run = RunTable { table };
        run.typed()?;
        Ok(run)
    }

    /// Sets `path` (dots separate tables) to `value`. Paths that start with a top-level key address the file;
    /// others address `strategy`'s section, e.g. `take_profit_pct` or `exits.stop_loss_pct`.
    pub fn set(&mut self, strategy: StrategyName, path: &str, value: toml::Value) -> Result<(), SettingsError> {
        let parts: Vec<&str> = path.split('.').map(str::trim).collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(SettingsError::bad(path, "empty part in a dotted parameter name"));
        }
        let mut full: Vec<&str> = Vec::with_capacity(parts.len() + 1);
        if !parts.first().is_some_and(|p| TOP_LEVEL_KEYS.contains(p)) {
            full.push(strategy.as_str());
        }
        full.extend(parts);
        let Some((last, tables)) = full.split_last() else {
            return Err(SettingsError::bad(path, "empty parameter name"));
        };
        let mut at = &mut self.table;
        for (i, key) in tables.iter().enumerate() {
            let entry = at.entry((*key).to_string()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
            at = match entry {
                toml::Value::Table(t) => t,
                _ => {
                    let prefix = full.get(..=i).map(|p| p.join(".")).unwrap_or_default();
                    return Err(SettingsError::bad(path, format!("`{prefix}` is a value, not a table")));
                }
            };
        }
        at.insert((*last).to_string(), value);
        Ok(())
    }

    /// The file in typed form; unknown keys and ill-typed values are errors naming the key.
    pub fn typed(&self) -> Result<RunFile, SettingsError> {
        toml::Value::Table(self.table.clone())
            .try_into()
            .map_err(|e: toml::de::Error| SettingsError::Toml(e.to_string().trim().replace('\n', " ")))
    }
}

impl RunFile {
    /// The strategy's configuration: its section, or its defaults.
    pub fn strategy(&self, name: StrategyName) -> Result<StrategyConfig, SettingsError> {
        let config = match name {
            StrategyName::RsiReversal => StrategyConfig::RsiReversal(self.rsi_reversal.clone().unwrap_or_default()),
            StrategyName::KrxScalping => StrategyConfig::KrxScalping(self.krx_scalping.clone().unwrap_or_default()),
            StrategyName::UsRsiMacd => StrategyConfig::UsRsiMacd(self.us_rsi_macd.clone().unwrap_or_default()),
        };
        config.validate().map_err(|error| SettingsError::Strategy { strategy: name.to_string(), error })?;
        Ok(config)
    }

    /// The run settings for `market`, with the file's values over the defaults.
    pub fn backtest_config(&self, market: Market) -> Result<BacktestConfig, SettingsError> {
        let mut config = BacktestConfig::new(market);
        if let Some(cash) = self.initial_cash {
            if cash <= Decimal::ZERO {
                return Err(SettingsError::bad("initial_cash", format!("must be above 0, got {cash}")));
            }
            config.initial_cash = cash;
        }
        config.fill = self.fill.unwrap_or_default();
        config.slippage_ticks = self.slippage_ticks.unwrap_or(0);
        config.board = self.board.unwrap_or(KrxBoard::Kospi);
        config.instrument = self.instrument.unwrap_or_default().kind();
        config.risk = self.risk;
        config.exits = match (market, self.exits) {
            (_, None) => None,
            (Market::Krx, Some(t)) => Some(t.rules()),
            (Market::Us, Some(_)) => {
                return Err(SettingsError::bad(
                    "exits",
                    "the desk's exits apply to KRX holdings (the US bot has its own stop-loss)",
                ));
            }
        };
        kis_strategy::risk::RiskEngine::new(self.risk).map_err(|e| SettingsError::bad("risk", e.to_string()))?;
        config.fees = FeeModel::shipped()
            .with_overrides(self.commission_rate, self.sell_tax_rate)
            .map_err(|e| SettingsError::bad("fees", e.to_string()))?;
        if let Some(text) = &self.symbol {
            config.symbol = Some(Symbol::parse(text).map_err(|e| SettingsError::bad("symbol", e.to_string()))?);
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn the_desk_exits_of_a_run_are_the_given_rules_only_and_only_for_krx() {
        let run = RunTable::parse("[exits]\nstop_loss_pct = 0.8\n").unwrap();
        let file = run.typed().unwrap();
        let exits = file.backtest_config(Market::Krx).unwrap().exits.unwrap();
        assert_eq!(exits.stop_loss_pct, Some(dec!(0.8)));
        assert_eq!((exits.take_profit_pct, exits.trailing_stop, exits.max_holding_secs), (None, None, None));
        assert!(file.backtest_config(Market::Us).unwrap_err().to_string().contains("exits"));
        assert_eq!(RunTable::parse("").unwrap().typed().unwrap().backtest_config(Market::Krx).unwrap().exits, None);
        assert!(RunTable::parse("[exits]\nstop_pct = 1\n").is_err(), "unknown keys are errors");
    }

    #[test]
    fn file_values_and_sections_are_typed() {
        let run = RunTable::parse(
            "initial_cash = \"5000\"\nfill = \"next\"\nslippage_ticks = 2\nboard = \"kosdaq\"\n\
             [risk.sizing]\nmax_position_pct = 50\n[rsi-reversal]\ntake_profit_pct = 2.5\nmax_bars = 7\n",
        )
        .unwrap();
        let file = run.typed().unwrap();
        let config = file.backtest_config(Market::Krx).unwrap();
        assert_eq!((config.initial_cash, config.fill, config.slippage_ticks), (dec!(5000), FillModel::Next, 2));
        assert_eq!(config.board, KrxBoard::Kosdaq);
        assert_eq!(config.risk.sizing.max_position_pct, Some(dec!(50)));
        let StrategyConfig::RsiReversal(rsi) = file.strategy(StrategyName::RsiReversal).unwrap() else {
            panic!("wrong kind")
        };
        assert_eq!((rsi.take_profit_pct, rsi.max_bars), (dec!(2.5), 7));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let err = RunTable::parse("[rsi-reversal]\ntake_profit = 1\n").unwrap_err().to_string();
        assert!(err.contains("unknown field `take_profit`"), "{err}");
        let err = RunTable::parse("fil = \"close\"\n").unwrap_err().to_string();
        assert!(err.contains("unknown field `fil`"), "{err}");
        let err = RunTable::parse("fill = \"later\"\n").unwrap_err().to_string();
        assert!(err.contains("unknown variant `later`"), "{err}");
        let file = RunTable::parse("[rsi-reversal]\nmax_bars = 0\n").unwrap().typed().unwrap();
        let err = file.strategy(StrategyName::RsiReversal).unwrap_err().to_string();
        assert_eq!(err, "strategy rsi-reversal: max_bars: must be at least 1");
        let file = RunTable::parse("initial_cash = \"-1\"\n").unwrap().typed().unwrap();
        let err = file.backtest_config(Market::Krx).unwrap_err().to_string();
        assert_eq!(err, "initial_cash: must be above 0, got -1");
        let file = RunTable::parse("commission_rate = \"0.5\"\n").unwrap().typed().unwrap();
        let err = file.backtest_config(Market::Krx).unwrap_err().to_string();
        assert!(err.starts_with("fees: fee table: commission_rate = 0.5 is out of range"), "{err}");
        assert_eq!(
            "macd".parse::<StrategyName>().unwrap_err().to_string(),
            "unknown strategy \"macd\": expected rsi-reversal, krx-scalping or us-rsi-macd"
        );
    }

    #[test]
    fn set_addresses_the_strategy_section_or_the_top_level() {
        let mut run = RunTable::default();
        run.set(StrategyName::KrxScalping, "exits.stop_loss_pct", toml::Value::Float(0.5)).unwrap();
        run.set(StrategyName::KrxScalping, "slippage_ticks", toml::Value::Integer(3)).unwrap();
        run.set(StrategyName::KrxScalping, "risk.sizing.max_open_positions", toml::Value::Integer(2)).unwrap();
        let file = run.typed().unwrap();
        let StrategyConfig::KrxScalping(s) = file.strategy(StrategyName::KrxScalping).unwrap() else {
            panic!("wrong kind")
        };
        assert_eq!(s.exits.stop_loss_pct, Some(dec!(0.5)));
        assert_eq!(file.slippage_ticks, Some(3));
        assert_eq!(file.risk.sizing.max_open_positions, 2);
        run.set(StrategyName::KrxScalping, "nonsense", toml::Value::Integer(1)).unwrap();
        assert!(run.typed().unwrap_err().to_string().contains("unknown field `nonsense`"));
        let mut run = RunTable::parse("slippage_ticks = 1\n").unwrap();
        let err = run.set(StrategyName::KrxScalping, "slippage_ticks.x", toml::Value::Integer(1)).unwrap_err();
        assert_eq!(err.to_string(), "slippage_ticks.x: `slippage_ticks` is a value, not a table");
    }
}
