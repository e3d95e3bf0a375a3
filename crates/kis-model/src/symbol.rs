//! Symbols as KIS knows them: 6-character KRX short codes and US tickers on one of three exchanges.
//!
//! Users write symbols many ways (`5930`, `A005930`, `NASD:TQQQ`, `NAS:TQQQ`); everything is normalised once
//! here so that the rest of the system compares one canonical form. Both types are `Copy` (inline bytes) so the
//! tick path never allocates for them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

use crate::market::Market;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SymbolError {
    #[error("empty symbol")]
    Empty,
    #[error("invalid KRX code {0:?}: expected 6 digits/letters (e.g. 005930, A005930, 5930) or an ETN code Q + 6")]
    BadKrxCode(String),
    #[error("unknown US exchange {0:?}: expected NASDAQ/NASD/NAS, NYSE/NYS or AMEX/AMS")]
    UnknownExchange(String),
    #[error("invalid US ticker {0:?}: expected 1-12 characters of A-Z, 0-9, '.', '/' or '-'")]
    BadTicker(String),
    #[error("invalid WebSocket key {0:?}: expected D or R, a 3-letter market and a ticker (e.g. DNASAAPL)")]
    BadWsKey(String),
}

/// A KRX short code: six characters (digits, or digits and capitals for the newer alphanumeric codes), or seven
/// for ETNs (`Q500001`), which KIS addresses with their `Q` prefix.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct KrxCode {
    bytes: [u8; 7],
    len: u8,
}

/// One word, not seven bytes and a length prefix and a length: symbols are hashed on every trade
/// ([`SymbolMap`]). Equal codes have equal bytes and lengths, so they hash alike.
impl std::hash::Hash for KrxCode {
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let [a, b, c, d, e, f, g] = self.bytes;
        state.write_u64(u64::from_le_bytes([a, b, c, d, e, f, g, self.len]));
    }
}

impl KrxCode {
    /// Normalises `5930`, `005930`, `A005930` (the `A` prefix of KRX's full display code) to `005930`.
    pub fn parse(input: &str) -> Result<KrxCode, SymbolError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(SymbolError::Empty);
        }
        let bad = || SymbolError::BadKrxCode(s.to_string());
        // Upper-cased on the stack: recordings parse a symbol on every line (no code is longer than 7).
        if s.len() > 7 {
            return Err(bad());
        }
        let mut upper = [0u8; 7];
        upper[..s.len()].copy_from_slice(s.as_bytes());
        upper.make_ascii_uppercase();
        let b = &upper[..s.len()];
        let core: &[u8] = match b.len() {
            7 if b[0] == b'A' => &b[1..],
            7 if b[0] == b'Q' => b,
            1..=6 if b.iter().all(u8::is_ascii_digit) => b,
            6 => b,
            _ => return Err(bad()),
        };
        let body = if core.len() == 7 { &core[1..] } else { core };
        if !body.iter().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()) {
            return Err(bad());
        }
        // KRX's alphanumeric codes (`0091C0`) still start with a digit; a leading letter is a typo or a prefix.
        if !body.first().is_some_and(u8::is_ascii_digit) {
            return Err(bad());
        }
        let mut bytes = [b'0'; 7];
        let len = core.len().max(6);
        let pad = len - core.len();
        bytes[pad..len].copy_from_slice(core);
        Ok(KrxCode { bytes, len: len as u8 })
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored (checked in `parse`).
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }

    /// ETNs trade with a 5-won flat tick like ETFs, and their code carries the Q prefix.
    pub fn is_etn(&self) -> bool {
        self.len == 7
    }
}

impl fmt::Debug for KrxCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KrxCode({})", self.as_str())
    }
}

impl fmt::Display for KrxCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The US exchanges KIS routes to. KIS names each in three vocabularies; the mapping lives only here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UsExchange {
    Nasdaq,
    Nyse,
    Amex,
}

impl UsExchange {
    pub const ALL: [UsExchange; 3] = [UsExchange::Nasdaq, UsExchange::Nyse, UsExchange::Amex];

    /// Our canonical display name.
    pub fn name(self) -> &'static str {
        match self {
            UsExchange::Nasdaq => "NASDAQ",
            UsExchange::Nyse => "NYSE",
            UsExchange::Amex => "AMEX",
        }
    }

    /// `OVRS_EXCG_CD` for orders and account inquiries.
    pub fn order_code(self) -> &'static str {
        match self {
            UsExchange::Nasdaq => "NASD",
            UsExchange::Nyse => "NYSE",
            UsExchange::Amex => "AMEX",
        }
    }

    /// `EXCD` for quotation endpoints.
    pub fn quote_code(self) -> &'static str {
        match self {
            UsExchange::Nasdaq => "NAS",
            UsExchange::Nyse => "NYS",
            UsExchange::Amex => "AMS",
        }
    }

    /// Market part of a WebSocket `tr_key` (after the `D`/`R` prefix), regular session.
    pub fn ws_code(self) -> &'static str {
        self.quote_code()
    }

    /// Market code of the US daytime session (주간거래), used in `R…` WebSocket keys.
    pub fn daytime_code(self) -> &'static str {
        match self {
            UsExchange::Nasdaq => "BAQ",
            UsExchange::Nyse => "BAY",
            UsExchange::Amex => "BAA",
        }
    }

    /// Accepts any of KIS's vocabularies and the common names, case-insensitively.
    pub fn parse(s: &str) -> Result<UsExchange, SymbolError> {
        match s.trim().to_ascii_uppercase().as_str() {
            "NASDAQ" | "NASD" | "NAS" | "BAQ" => Ok(UsExchange::Nasdaq),
            "NYSE" | "NYS" | "BAY" => Ok(UsExchange::Nyse),
            "AMEX" | "AMS" | "BAA" | "NYSEAMERICAN" | "NYSE_AMERICAN" => Ok(UsExchange::Amex),
            other => Err(SymbolError::UnknownExchange(other.to_string())),
        }
    }
}

impl fmt::Display for UsExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for UsExchange {
    type Err = SymbolError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UsExchange::parse(s)
    }
}

const TICKER_MAX: usize = 12;

/// A US ticker (`TQQQ`, `BRK.B`), upper-cased.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct UsTicker {
    bytes: [u8; TICKER_MAX],
    len: u8,
}

/// Two words, for the reason given at [`KrxCode`]'s `Hash`.
impl std::hash::Hash for UsTicker {
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let b = self.bytes;
        state.write_u64(u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]));
        state.write_u64(u64::from_le_bytes([b[8], b[9], b[10], b[11], self.len, 0, 0, 0]));
    }
}

impl UsTicker {
    pub fn parse(input: &str) -> Result<UsTicker, SymbolError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(SymbolError::Empty);
        }
        let ok_char = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'/' | b'-');
        if s.len() > TICKER_MAX || !s.as_bytes().iter().all(ok_char) || !s.as_bytes()[0].is_ascii_alphanumeric() {
            return Err(SymbolError::BadTicker(s.to_string()));
        }
        let mut bytes = [0u8; TICKER_MAX];
        for (dst, src) in bytes.iter_mut().zip(s.bytes()) {
            *dst = src.to_ascii_uppercase();
        }
        Ok(UsTicker { bytes, len: s.len() as u8 })
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }
}

impl fmt::Debug for UsTicker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UsTicker({})", self.as_str())
    }
}

impl fmt::Display for UsTicker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A tradable instrument. Text form: KRX `005930`; US `NASDAQ:TQQQ` (any exchange vocabulary accepted on input).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Symbol {
    Krx(KrxCode),
    Us(UsExchange, UsTicker),
}

impl Symbol {
    pub fn parse(input: &str) -> Result<Symbol, SymbolError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(SymbolError::Empty);
        }
        match s.split_once(':') {
            Some((exchange, ticker)) => Ok(Symbol::Us(UsExchange::parse(exchange)?, UsTicker::parse(ticker)?)),
            None => Ok(Symbol::Krx(KrxCode::parse(s)?)),
        }
    }

    pub fn krx(code: &str) -> Result<Symbol, SymbolError> {
        KrxCode::parse(code).map(Symbol::Krx)
    }

    pub fn us(exchange: UsExchange, ticker: &str) -> Result<Symbol, SymbolError> {
        UsTicker::parse(ticker).map(|t| Symbol::Us(exchange, t))
    }

    pub fn market(&self) -> Market {
        match self {
            Symbol::Krx(_) => Market::Krx,
            Symbol::Us(..) => Market::Us,
        }
    }

    /// The code KIS puts in `PDNO`/`FID_INPUT_ISCD`/`SYMB`: the KRX code or the bare ticker.
    pub fn code(&self) -> &str {
        match self {
            Symbol::Krx(code) => code.as_str(),
            Symbol::Us(_, ticker) => ticker.as_str(),
        }
    }

    /// WebSocket `tr_key` for trade and book channels: `005930`, or `DNASAAPL` (free real-time US feed).
    pub fn ws_tr_key(&self) -> String {
        match self {
            Symbol::Krx(code) => code.as_str().to_string(),
            Symbol::Us(exchange, ticker) => format!("D{}{}", exchange.ws_code(), ticker),
        }
    }

    /// Inverse of [`Symbol::ws_tr_key`], also accepting daytime `R…` keys (`RBAQAAPL`) and bare KRX codes.
    pub fn from_ws_tr_key(key: &str) -> Result<Symbol, SymbolError> {
        let k = key.trim();
        let bad = || SymbolError::BadWsKey(k.to_string());
        match k.as_bytes().first() {
            Some(b'D' | b'R') if k.len() > 4 && k.is_char_boundary(4) => {
                let exchange = UsExchange::parse(&k[1..4]).map_err(|_| bad())?;
                let ticker = UsTicker::parse(&k[4..]).map_err(|_| bad())?;
                Ok(Symbol::Us(exchange, ticker))
            }
            _ => KrxCode::parse(k).map(Symbol::Krx).map_err(|_| bad()),
        }
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Symbol::Krx(code) => write!(f, "{code}"),
            Symbol::Us(exchange, ticker) => write!(f, "{exchange}:{ticker}"),
        }
    }
}

impl FromStr for Symbol {
    type Err = SymbolError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Symbol::parse(s)
    }
}

impl Serialize for Symbol {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Symbol {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Symbol::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A map keyed by symbol with rustc's Fx hash instead of std's SipHash: SipHash cost more than everything
/// else on the paths that look a symbol up for every trade (the matching engine's skip, the desk's marks and
/// snapshots), and symbols come from our own configuration and orders, not from an adversary.
pub type SymbolMap<V> = std::collections::HashMap<Symbol, V, rustc_hash::FxBuildHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn krx_forms_normalise() {
        for input in ["5930", "005930", "A005930", " a005930 ", "05930"] {
            assert_eq!(Symbol::parse(input).unwrap().to_string(), "005930", "{input}");
        }
        assert_eq!(KrxCode::parse("0091C0").unwrap().as_str(), "0091C0");
        let etn = KrxCode::parse("q500001").unwrap();
        assert_eq!(etn.as_str(), "Q500001");
        assert!(etn.is_etn());
    }

    #[test]
    fn krx_rejects_garbage() {
        for input in ["", "1234567", "ABCDEF", "00593!", "A00593", "삼성전자", "0059300"] {
            assert!(Symbol::parse(input).is_err(), "{input:?} accepted");
        }
        assert_eq!(
            KrxCode::parse("12345678").unwrap_err().to_string(),
            "invalid KRX code \"12345678\": expected 6 digits/letters (e.g. 005930, A005930, 5930) or an ETN code Q + 6"
        );
    }

    #[test]
    fn us_exchange_vocabularies_are_one() {
        let a = Symbol::parse("NASDAQ:TQQQ").unwrap();
        assert_eq!(Symbol::parse("NASD:TQQQ").unwrap(), a);
        assert_eq!(Symbol::parse("nas:tqqq").unwrap(), a);
        assert_eq!(a.to_string(), "NASDAQ:TQQQ");
        let Symbol::Us(ex, _) = a else { panic!("not US") };
        assert_eq!((ex.order_code(), ex.quote_code(), ex.daytime_code()), ("NASD", "NAS", "BAQ"));
        assert_eq!(Symbol::parse("NYS:O").unwrap().to_string(), "NYSE:O");
        assert_eq!(Symbol::parse("AMS:XLF").unwrap().to_string(), "AMEX:XLF");
        assert_eq!(Symbol::parse("NYSE:BRK.B").unwrap().code(), "BRK.B");
    }

    #[test]
    fn us_errors_name_the_problem() {
        assert_eq!(Symbol::parse("LSE:VOD"), Err(SymbolError::UnknownExchange("LSE".into())));
        assert_eq!(Symbol::parse("NASDAQ:"), Err(SymbolError::Empty));
        assert!(matches!(Symbol::parse("NASDAQ:TOO_LONG_TICKER1"), Err(SymbolError::BadTicker(_))));
    }

    #[test]
    fn ws_keys_round_trip() {
        let aapl = Symbol::parse("NASDAQ:AAPL").unwrap();
        assert_eq!(aapl.ws_tr_key(), "DNASAAPL");
        assert_eq!(Symbol::from_ws_tr_key("DNASAAPL").unwrap(), aapl);
        assert_eq!(Symbol::from_ws_tr_key("RBAQAAPL").unwrap(), aapl);
        assert_eq!(Symbol::from_ws_tr_key("DNYSKO").unwrap().to_string(), "NYSE:KO");
        assert_eq!(Symbol::from_ws_tr_key("005930").unwrap().ws_tr_key(), "005930");
        assert!(Symbol::from_ws_tr_key("DXXXAAPL").is_err());
    }

    #[test]
    fn serde_uses_text_form() {
        let s: Symbol = serde_json::from_str("\"A005930\"").unwrap();
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"005930\"");
        assert!(serde_json::from_str::<Symbol>("\"X:Y\"").is_err());
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            let _ = Symbol::parse(&s);
            let _ = Symbol::from_ws_tr_key(&s);
        }

        #[test]
        fn numeric_codes_pad(n in 1u32..1_000_000) {
            let code = KrxCode::parse(&n.to_string()).unwrap();
            proptest::prop_assert_eq!(code.as_str(), format!("{n:06}"));
        }
    }
}
