//! The US ticker list as users write it: `NASDAQ:TQQQ,NYSE:O,AMEX:XLF`.

use std::collections::HashSet;

use kis_model::{Symbol, SymbolError};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TickerListError {
    #[error("the ticker list is empty; expected e.g. NASDAQ:TQQQ,NYSE:O,AMEX:XLF")]
    Empty,
    #[error("entry {position} of the ticker list is empty (two commas in a row, or a trailing comma?)")]
    EmptyEntry { position: usize },
    #[error("entry {position} {entry:?} has no exchange; write EXCHANGE:TICKER, e.g. NASDAQ:{entry}")]
    MissingExchange { position: usize, entry: String },
    #[error("entry {position} {entry:?}: {source}")]
    Invalid { position: usize, entry: String, source: SymbolError },
    #[error("entry {position} repeats {symbol}")]
    Duplicate { position: usize, symbol: Symbol },
}

/// Parses a comma-separated list of `EXCHANGE:TICKER` entries (positions in errors count from 1).
pub fn parse_ticker_list(list: &str) -> Result<Vec<Symbol>, TickerListError> {
    if list.trim().is_empty() {
        return Err(TickerListError::Empty);
    }
    let mut seen = HashSet::new();
    let mut symbols = Vec::new();
    for (i, raw) in list.split(',').enumerate() {
        let position = i + 1;
        let entry = raw.trim();
        if entry.is_empty() {
            return Err(TickerListError::EmptyEntry { position });
        }
        if !entry.contains(':') {
            return Err(TickerListError::MissingExchange { position, entry: entry.to_string() });
        }
        let symbol = Symbol::parse(entry).map_err(|source| TickerListError::Invalid {
            position,
            entry: entry.to_string(),
            source,
        })?;
        if !seen.insert(symbol) {
            return Err(TickerListError::Duplicate { position, symbol });
        }
        symbols.push(symbol);
    }
    Ok(symbols)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kis_model::UsExchange;

    #[test]
    fn parses_the_documented_example() {
        let got = parse_ticker_list("NASDAQ:TQQQ, NYSE:O ,AMEX:XLF").unwrap();
        let want = [
            Symbol::us(UsExchange::Nasdaq, "TQQQ").unwrap(),
            Symbol::us(UsExchange::Nyse, "O").unwrap(),
            Symbol::us(UsExchange::Amex, "XLF").unwrap(),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn names_the_bad_entry() {
        assert_eq!(parse_ticker_list("  "), Err(TickerListError::Empty));
        assert_eq!(parse_ticker_list("NASDAQ:TQQQ,,NYSE:O"), Err(TickerListError::EmptyEntry { position: 2 }));
        assert_eq!(parse_ticker_list("NASDAQ:TQQQ,"), Err(TickerListError::EmptyEntry { position: 2 }));
        assert_eq!(
            parse_ticker_list("NASDAQ:TQQQ,AAPL"),
            Err(TickerListError::MissingExchange { position: 2, entry: "AAPL".to_string() })
        );
        match parse_ticker_list("NASDAQ:TQQQ,LSE:VOD") {
            Err(TickerListError::Invalid { position: 2, entry, source: SymbolError::UnknownExchange(x) }) => {
                assert_eq!((entry.as_str(), x.as_str()), ("LSE:VOD", "LSE"));
            }
            other => panic!("unexpected {other:?}"),
        }
        let tqqq = Symbol::us(UsExchange::Nasdaq, "TQQQ").unwrap();
        assert_eq!(
            parse_ticker_list("NASDAQ:TQQQ,NAS:TQQQ"),
            Err(TickerListError::Duplicate { position: 2, symbol: tqqq })
        );
    }
}
