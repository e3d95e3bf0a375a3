//! The configured strategies as one factory: a symbol gets the first strategy that trades its market (and,
//! for ticker-listed strategies, lists it). Each SignalActor runs exactly one strategy.

use kis_model::Symbol;
use kis_model::tick_size::InstrumentKind;
use kis_strategy::{BuildError, Strategy, StrategyConfig, StrategyFactory};

#[derive(Debug, Clone)]
pub struct StrategySet(pub Vec<StrategyConfig>);

impl StrategyFactory for StrategySet {
    fn build(&self, symbol: Symbol, kind: InstrumentKind) -> Result<Box<dyn Strategy>, BuildError> {
        let mut last = None;
        for config in &self.0 {
            match config.build(symbol, kind) {
                Ok(strategy) => return Ok(strategy),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(BuildError::NoStrategy(symbol)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kis_strategy::us_rsi_macd::UsRsiMacdConfig;

    #[test]
    fn each_symbol_gets_the_strategy_of_its_market() {
        let set = StrategySet(vec![
            StrategyConfig::UsRsiMacd(UsRsiMacdConfig::default()),
            StrategyConfig::KrxScalping(Default::default()),
        ]);
        let krx: Symbol = "005930".parse().unwrap();
        assert_eq!(set.build(krx, InstrumentKind::Stock).unwrap().symbol(), krx);
        let empty = StrategySet(Vec::new());
        assert!(matches!(empty.build(krx, InstrumentKind::Stock), Err(BuildError::NoStrategy(s)) if s == krx));
        let us_only = StrategySet(vec![StrategyConfig::UsRsiMacd(UsRsiMacdConfig::default())]);
        assert!(matches!(us_only.build(krx, InstrumentKind::Stock), Err(BuildError::WrongMarket { .. })));
    }
}
