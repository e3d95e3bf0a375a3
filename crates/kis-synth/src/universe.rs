//! The symbols a synthetic market trades: generated from a seed, or given as a list.

use std::collections::HashSet;

use kis_model::{Currency, KrxBoard, KrxCode, Money, Price, Symbol, UsExchange, UsTicker};
use rust_decimal::Decimal;
use thiserror::Error;

use crate::grid::Grid;
use crate::rng::Rng;

/// Bounds of a generated universe: below 10 KRX symbols the ranks are meaningless, above 5,000 there are more
/// symbols than KRX lists.
pub const KRX_SYMBOLS: std::ops::RangeInclusive<usize> = 10..=5_000;
pub const MAX_US_SYMBOLS: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum UniverseError {
    #[error("{0} KRX symbols requested: a generated universe has 10 to 5,000")]
    KrxCount(usize),
    #[error("{0} US symbols requested: a generated universe has at most 2,000")]
    UsCount(usize),
    #[error("the universe is empty")]
    Empty,
    #[error("symbol {0} is listed twice")]
    Duplicate(Symbol),
    #[error(
        "previous close {price} of {symbol} is not a valid price on its tick grid (KRX won tick, US whole cents ≥ $1)"
    )]
    BadPrevClose { symbol: Symbol, price: Price },
    #[error("{what} of {symbol} is {value}: expected a finite number > 0")]
    BadParameter { symbol: Symbol, what: &'static str, value: f64 },
    #[error("shares outstanding of {0} is 0")]
    NoShares(Symbol),
    #[error("{0} is not a US symbol: only US listings can be named")]
    NotUs(Symbol),
    #[error("{names} US tickers named but only {listed} US listings generated (raise us_symbols)")]
    TooManyNames { names: usize, listed: usize },
}

/// What the generator needs to know about one listing.
#[derive(Debug, Clone, PartialEq)]
pub struct SymbolSpec {
    pub symbol: Symbol,
    pub name: String,
    /// KOSPI/KOSDAQ for KRX listings, `None` for US ones (their exchange is part of the symbol).
    pub board: Option<KrxBoard>,
    pub shares_outstanding: u64,
    /// Yesterday's close: today's base price and, on KRX, the base of the ±30 % limits.
    pub prev_close: Price,
    /// Daily standard deviation of returns in the normal regime, as a fraction (0.02 = 2 %). Model input, not money.
    pub volatility: f64,
    /// Relative activity: 1.0 trades at the configured average rate, 3.0 three times as often.
    pub liquidity: f64,
}

impl SymbolSpec {
    /// A listing with average parameters: handy for tests and for replaying a recording's symbols.
    pub fn new(symbol: Symbol, prev_close: Price) -> SymbolSpec {
        SymbolSpec {
            symbol,
            name: symbol.to_string(),
            board: match symbol {
                Symbol::Krx(_) => Some(KrxBoard::Kospi),
                Symbol::Us(..) => None,
            },
            shares_outstanding: 10_000_000,
            prev_close,
            volatility: 0.02,
            liquidity: 1.0,
        }
    }

    pub fn grid(&self) -> Grid {
        match self.symbol {
            Symbol::Krx(_) => Grid::Krx,
            Symbol::Us(..) => Grid::UsCents,
        }
    }

    pub fn market_cap(&self) -> Money {
        let currency = self.symbol.market().currency();
        let amount = self.prev_close.value().checked_mul(Decimal::from(self.shares_outstanding));
        Money::new(amount.unwrap_or(Decimal::MAX), currency)
    }

    fn validate(&self) -> Result<(), UniverseError> {
        let symbol = self.symbol;
        let grid = self.grid();
        let ok = grid.from_price(self.prev_close).is_some_and(|m| grid.is_on_grid(m) && m >= min_price(grid));
        if !ok {
            return Err(UniverseError::BadPrevClose { symbol, price: self.prev_close });
        }
        for (what, value) in [("volatility", self.volatility), ("liquidity", self.liquidity)] {
            if !(value.is_finite() && value > 0.0) {
                return Err(UniverseError::BadParameter { symbol, what, value });
            }
        }
        if self.shares_outstanding == 0 {
            return Err(UniverseError::NoShares(symbol));
        }
        Ok(())
    }
}

/// The lowest previous close accepted: KRX 100 won (below that one tick is more than 1 %), US one dollar.
fn min_price(grid: Grid) -> u64 {
    match grid {
        Grid::Krx => 100,
        Grid::UsCents => 100,
    }
}

/// A real KRX listing to trade synthetically ([`Universe::from_listings`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KrxListing {
    pub code: KrxCode,
    pub name: String,
    pub board: KrxBoard,
    pub listed_shares: Option<u64>,
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UniverseConfig {
    pub seed: u64,
    pub krx_symbols: usize,
    pub us_symbols: usize,
}

/// A checked list of listings: unique symbols, valid prices.
#[derive(Debug, Clone, PartialEq)]
pub struct Universe {
    specs: Vec<SymbolSpec>,
}

impl Universe {
    pub fn from_specs(specs: Vec<SymbolSpec>) -> Result<Universe, UniverseError> {
        if specs.is_empty() {
            return Err(UniverseError::Empty);
        }
        let mut seen = HashSet::with_capacity(specs.len());
        for spec in &specs {
            spec.validate()?;
            if !seen.insert(spec.symbol) {
                return Err(UniverseError::Duplicate(spec.symbol));
            }
        }
        Ok(Universe { specs })
    }

    pub fn generate(config: UniverseConfig) -> Result<Universe, UniverseError> {
        if !KRX_SYMBOLS.contains(&config.krx_symbols) {
            return Err(UniverseError::KrxCount(config.krx_symbols));
        }
        if config.us_symbols > MAX_US_SYMBOLS {
            return Err(UniverseError::UsCount(config.us_symbols));
        }
        let mut rng = Rng::for_stream(config.seed, 0x756E_6976);
        let mut specs = Vec::with_capacity(config.krx_symbols + config.us_symbols);
        let codes = krx_codes(&mut rng, config.krx_symbols);
        let name_order = shuffled(&mut rng, config.krx_symbols);
        for (i, code) in codes.into_iter().enumerate() {
            specs.push(krx_spec(&mut rng, i, code, name_order.get(i).copied().unwrap_or(i)));
        }
        let mut tickers = HashSet::new();
        while tickers.len() < config.us_symbols {
            if let Some(ticker) = us_ticker(&mut rng)
                && tickers.insert(ticker)
            {
                specs.push(us_spec(&mut rng, ticker));
            }
        }
        Universe::from_specs(specs)
    }

    /// Real listings (code, name, board, listed shares) with generated prices and behaviour: a market whose
    /// names and codes look like KRX's. A listing without a share count gets a generated one.
    pub fn from_listings(seed: u64, listings: &[KrxListing], us_symbols: usize) -> Result<Universe, UniverseError> {
        if !KRX_SYMBOLS.contains(&listings.len()) {
            return Err(UniverseError::KrxCount(listings.len()));
        }
        if us_symbols > MAX_US_SYMBOLS {
            return Err(UniverseError::UsCount(us_symbols));
        }
        let mut rng = Rng::for_stream(seed, 0x6C69_7374);
        let mut specs = Vec::with_capacity(listings.len() + us_symbols);
        for (i, l) in listings.iter().enumerate() {
            let generated = krx_spec(&mut rng, i, l.code, i);
            specs.push(SymbolSpec {
                name: l.name.clone(),
                board: Some(l.board),
                shares_outstanding: l.listed_shares.unwrap_or(generated.shares_outstanding),
                ..generated
            });
        }
        let mut tickers = HashSet::new();
        while tickers.len() < us_symbols {
            if let Some(ticker) = us_ticker(&mut rng)
                && tickers.insert(ticker)
            {
                specs.push(us_spec(&mut rng, ticker));
            }
        }
        Universe::from_specs(specs)
    }

    /// Gives the first US listings the names a user trades (`NASDAQ:TQQQ`, …), keeping their generated
    /// prices and behaviour, so a bot configured with real tickers finds them in the simulated market.
    pub fn with_us_names(mut self, names: &[Symbol]) -> Result<Universe, UniverseError> {
        let listed = self.specs.iter().filter(|s| s.symbol.market() == kis_model::Market::Us).count();
        if names.len() > listed {
            return Err(UniverseError::TooManyNames { names: names.len(), listed });
        }
        let mut slots = self.specs.iter_mut().filter(|s| s.symbol.market() == kis_model::Market::Us);
        for &name in names {
            if name.market() != kis_model::Market::Us {
                return Err(UniverseError::NotUs(name));
            }
            let Some(spec) = slots.next() else { break };
            spec.symbol = name;
        }
        Universe::from_specs(self.specs)
    }

    pub fn specs(&self) -> &[SymbolSpec] {
        &self.specs
    }

    pub fn len(&self) -> usize {
        self.specs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    pub fn get(&self, symbol: &Symbol) -> Option<&SymbolSpec> {
        self.specs.iter().find(|s| &s.symbol == symbol)
    }
}

/// `n` distinct 6-digit codes ending in 0 (the digit KRX gives common shares), spread over the code space.
fn krx_codes(rng: &mut Rng, n: usize) -> Vec<KrxCode> {
    // k ↦ (offset + k·stride) mod 99,999 is a permutation because the stride is coprime with 99,999 = 3²·41·271.
    const SPACE: u64 = 99_999;
    const STRIDE: u64 = 7_919;
    let offset = rng.below(SPACE);
    (0..n as u64)
        .filter_map(|k| {
            let body = (offset + k * STRIDE) % SPACE + 1;
            KrxCode::parse(&format!("{:06}", body * 10)).ok()
        })
        .collect()
}

fn shuffled(rng: &mut Rng, n: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        v.swap(i, j);
    }
    v
}

const KR_HEAD: [&str; 32] = [
    "한빛",
    "대성",
    "미래",
    "동방",
    "신화",
    "금강",
    "태양",
    "푸른",
    "세종",
    "한솔",
    "우리",
    "새한",
    "대양",
    "성진",
    "현성",
    "해오름",
    "나래",
    "백두",
    "한결",
    "청명",
    "다온",
    "가람",
    "진영",
    "유성",
    "동진",
    "서해",
    "남강",
    "북두",
    "하늘",
    "온누리",
    "누리",
    "제일",
];
const KR_TAIL: [&str; 32] = [
    "전자",
    "화학",
    "바이오",
    "제약",
    "반도체",
    "중공업",
    "건설",
    "증권",
    "소재",
    "에너지",
    "통신",
    "식품",
    "물산",
    "해운",
    "로보틱스",
    "게임즈",
    "엔터",
    "테크",
    "정밀",
    "산업",
    "디스플레이",
    "모빌리티",
    "헬스케어",
    "금속",
    "섬유",
    "시스템",
    "네트웍스",
    "홀딩스",
    "리츠",
    "케미칼",
    "이노텍",
    "솔루션",
];

/// Price bands of the KRX tick table (won) and how often listings fall into each.
const KRX_PRICE_BANDS: [(u64, u64, u64); 7] = [
    (1_000, 1_999, 15),
    (2_000, 4_995, 20),
    (5_000, 19_990, 25),
    (20_000, 49_950, 15),
    (50_000, 199_900, 15),
    (200_000, 499_500, 7),
    (500_000, 800_000, 3),
];

fn krx_spec(rng: &mut Rng, i: usize, code: KrxCode, name_index: usize) -> SymbolSpec {
    // The first seven listings take one band each so every generated universe covers the whole tick table.
    let band = if i < KRX_PRICE_BANDS.len() { i } else { weighted(rng, KRX_PRICE_BANDS.iter().map(|b| b.2)) };
    let (lo, hi, _) = KRX_PRICE_BANDS[band.min(KRX_PRICE_BANDS.len() - 1)];
    let prev_close = Grid::Krx.floor(rng.range(lo, hi)).max(lo);
    let kosdaq = rng.chance(0.55);
    let (first_decade, volatility) =
        if kosdaq { (6, 0.02 + 0.03 * rng.unit()) } else { (7, 0.012 + 0.018 * rng.unit()) };
    let decade = first_decade + rng.below(3) as u32;
    let shares_outstanding = rng.range(1_000, 9_999) * 10u64.pow(decade - 3);
    let size_bonus = 1.0 + 0.5 * f64::from(decade - first_decade);
    let u = rng.unit();
    let liquidity = (0.25 + 2.75 * u * u) * size_bonus;
    let round = name_index / (KR_HEAD.len() * KR_TAIL.len());
    let mut name =
        format!("{}{}", KR_HEAD[name_index % KR_HEAD.len()], KR_TAIL[(name_index / KR_HEAD.len()) % KR_TAIL.len()]);
    if round > 0 {
        name.push_str(&(round + 1).to_string());
    }
    SymbolSpec {
        symbol: Symbol::Krx(code),
        name,
        board: Some(if kosdaq { KrxBoard::Kosdaq } else { KrxBoard::Kospi }),
        shares_outstanding,
        prev_close: Price::from_won(prev_close),
        volatility,
        liquidity,
    }
}

const US_WORDS: [&str; 16] = [
    "Apex",
    "Harbor",
    "Summit",
    "Pioneer",
    "Granite",
    "Vertex",
    "Beacon",
    "Cobalt",
    "Meridian",
    "Atlas",
    "Redwood",
    "Quantum",
    "Liberty",
    "Northstar",
    "Sterling",
    "Evergreen",
];
const US_KINDS: [&str; 8] =
    ["Technologies", "Holdings", "Therapeutics", "Energy", "Financial", "Industries", "Semiconductor", "Brands"];

fn us_ticker(rng: &mut Rng) -> Option<UsTicker> {
    let len = match rng.below(20) {
        0 => 1,
        1..=3 => 2,
        4..=12 => 3,
        _ => 4,
    };
    let text: String = (0..len).map(|_| char::from(b'A' + rng.below(26) as u8)).collect();
    UsTicker::parse(&text).ok()
}

fn us_spec(rng: &mut Rng, ticker: UsTicker) -> SymbolSpec {
    let exchange = match rng.below(10) {
        0..=4 => UsExchange::Nasdaq,
        5..=8 => UsExchange::Nyse,
        _ => UsExchange::Amex,
    };
    let cents = match weighted(rng, [30, 55, 15].into_iter()) {
        0 => rng.range(500, 4_999),
        1 => rng.range(5_000, 49_999),
        _ => rng.range(50_000, 80_000),
    };
    let name = format!(
        "{} {}",
        US_WORDS[rng.below(US_WORDS.len() as u64) as usize],
        US_KINDS[rng.below(US_KINDS.len() as u64) as usize]
    );
    let u = rng.unit();
    SymbolSpec {
        symbol: Symbol::Us(exchange, ticker),
        name,
        board: None,
        shares_outstanding: rng.range(1_000, 9_999) * 10u64.pow(4 + rng.below(3) as u32),
        prev_close: Grid::UsCents.to_price(cents),
        volatility: 0.01 + 0.03 * rng.unit(),
        liquidity: 0.3 + 2.7 * u * u,
    }
}

/// Index drawn with the given integer weights.
fn weighted(rng: &mut Rng, weights: impl Iterator<Item = u64> + Clone) -> usize {
    let total: u64 = weights.clone().sum();
    let mut pick = rng.below(total);
    for (i, w) in weights.enumerate() {
        if pick < w {
            return i;
        }
        pick -= w;
    }
    0
}

impl SymbolSpec {
    /// The currency of the listing's prices.
    pub fn currency(&self) -> Currency {
        self.symbol.market().currency()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kis_model::tick_size::{InstrumentKind, is_on_tick};

    fn generate(seed: u64, krx: usize, us: usize) -> Universe {
        Universe::generate(UniverseConfig { seed, krx_symbols: krx, us_symbols: us }).unwrap()
    }

    #[test]
    fn generated_universe_is_valid_and_spread() {
        let u = generate(42, 5_000, 300);
        assert_eq!(u.len(), 5_300);
        let krx: Vec<&SymbolSpec> = u.specs().iter().filter(|s| s.board.is_some()).collect();
        assert_eq!(krx.len(), 5_000);
        let codes: HashSet<String> = krx.iter().map(|s| s.symbol.to_string()).collect();
        assert_eq!(codes.len(), 5_000, "codes collide");
        let names: HashSet<&str> = krx.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names.len(), 5_000, "names collide");
        for s in &krx {
            let won = s.prev_close.value();
            let won = u64::try_from(won).unwrap();
            assert!(is_on_tick(won, InstrumentKind::Stock) && (1_000..=800_000).contains(&won), "{won}");
            assert_eq!(s.symbol.to_string().len(), 6);
            assert_eq!(Symbol::parse(&s.symbol.to_string()).unwrap(), s.symbol);
        }
        for (i, (lo, hi, _)) in KRX_PRICE_BANDS.iter().enumerate() {
            let n = krx.iter().filter(|s| (*lo..=*hi).contains(&u64::try_from(s.prev_close.value()).unwrap())).count();
            assert!(n > 10, "band {i} has {n} listings");
        }
        let kosdaq = krx.iter().filter(|s| s.board == Some(KrxBoard::Kosdaq)).count();
        assert!((2_300..3_200).contains(&kosdaq), "{kosdaq} KOSDAQ listings");
        let us: Vec<&SymbolSpec> = u.specs().iter().filter(|s| s.board.is_none()).collect();
        assert!(us.iter().all(|s| s.prev_close.value() >= Decimal::from(5) && s.prev_close.value().scale() <= 2));
        assert!(us.iter().any(|s| matches!(s.symbol, Symbol::Us(UsExchange::Amex, _))));
        assert_eq!(u.specs()[0].market_cap().currency, Currency::Krw);
    }

    #[test]
    fn listings_keep_their_codes_names_boards_and_shares() {
        let listing = |code: &str, name: &str, board, shares| KrxListing {
            code: KrxCode::parse(code).unwrap(),
            name: name.into(),
            board,
            listed_shares: shares,
        };
        let mut listings = vec![
            listing("005930", "삼성전자", KrxBoard::Kospi, Some(5_969_782_550)),
            listing("247540", "에코프로비엠", KrxBoard::Kosdaq, None),
        ];
        for n in 0..8 {
            listings.push(listing(&format!("{:06}", 100_000 + n * 10), "x", KrxBoard::Kospi, Some(1_000)));
        }
        let u = Universe::from_listings(3, &listings, 2).unwrap();
        assert_eq!(u.len(), 12);
        let s = &u.specs()[0];
        assert_eq!(
            (s.symbol.to_string(), s.name.as_str(), s.board),
            ("005930".into(), "삼성전자", Some(KrxBoard::Kospi))
        );
        assert_eq!(s.shares_outstanding, 5_969_782_550);
        let e = &u.specs()[1];
        assert_eq!((e.name.as_str(), e.board), ("에코프로비엠", Some(KrxBoard::Kosdaq)));
        assert!(e.shares_outstanding > 0, "a generated count where the table has none");
        assert_eq!(u, Universe::from_listings(3, &listings, 2).unwrap(), "deterministic");
        assert_eq!(Universe::from_listings(3, &listings[..9], 0), Err(UniverseError::KrxCount(9)));
    }

    #[test]
    fn same_seed_same_universe_other_seed_other() {
        assert_eq!(generate(7, 50, 5), generate(7, 50, 5));
        assert_ne!(generate(7, 50, 5).specs()[10].symbol, generate(8, 50, 5).specs()[10].symbol);
    }

    #[test]
    fn counts_out_of_range_are_refused() {
        let cfg = |krx, us| UniverseConfig { seed: 1, krx_symbols: krx, us_symbols: us };
        assert_eq!(Universe::generate(cfg(9, 0)), Err(UniverseError::KrxCount(9)));
        assert_eq!(Universe::generate(cfg(5_001, 0)), Err(UniverseError::KrxCount(5_001)));
        assert_eq!(Universe::generate(cfg(10, 2_001)), Err(UniverseError::UsCount(2_001)));
    }

    #[test]
    fn lists_are_checked() {
        let sym = Symbol::parse("005930").unwrap();
        let spec = SymbolSpec::new(sym, Price::from_won(70_000));
        assert_eq!(Universe::from_specs(vec![]), Err(UniverseError::Empty));
        assert_eq!(Universe::from_specs(vec![spec.clone(), spec.clone()]), Err(UniverseError::Duplicate(sym)));
        let off_grid = SymbolSpec { prev_close: Price::from_won(70_050), ..spec.clone() };
        assert_eq!(
            Universe::from_specs(vec![off_grid]),
            Err(UniverseError::BadPrevClose { symbol: sym, price: Price::from_won(70_050) })
        );
        let nan = SymbolSpec { volatility: f64::NAN, ..spec.clone() };
        assert!(matches!(Universe::from_specs(vec![nan]), Err(UniverseError::BadParameter { what: "volatility", .. })));
        let aapl = Symbol::parse("NASDAQ:AAPL").unwrap();
        let sub_cent = SymbolSpec::new(aapl, "190.123".parse().unwrap());
        assert!(matches!(Universe::from_specs(vec![sub_cent]), Err(UniverseError::BadPrevClose { .. })));
        let no_shares = SymbolSpec { shares_outstanding: 0, ..spec.clone() };
        assert_eq!(Universe::from_specs(vec![no_shares]), Err(UniverseError::NoShares(sym)));
        let u = Universe::from_specs(vec![spec, SymbolSpec::new(aapl, "190.12".parse().unwrap())]).unwrap();
        assert_eq!(u.get(&aapl).map(|s| s.currency()), Some(Currency::Usd));
    }

    #[test]
    fn named_us_tickers_take_the_first_us_listings_and_keep_their_prices() {
        let base = Universe::generate(UniverseConfig { seed: 3, krx_symbols: 10, us_symbols: 3 }).unwrap();
        let names: Vec<Symbol> = ["NASDAQ:TQQQ", "AMEX:XLF"].iter().map(|s| s.parse().unwrap()).collect();
        let named = base.clone().with_us_names(&names).unwrap();
        let us = |u: &Universe| -> Vec<SymbolSpec> {
            u.specs().iter().filter(|s| s.symbol.market() == kis_model::Market::Us).cloned().collect()
        };
        let (before, after) = (us(&base), us(&named));
        assert_eq!((after[0].symbol, after[1].symbol), (names[0], names[1]));
        assert_eq!((after[0].prev_close, after[2].symbol), (before[0].prev_close, before[2].symbol));
        let krx: Symbol = "005930".parse().unwrap();
        assert!(matches!(base.clone().with_us_names(&[krx]), Err(UniverseError::NotUs(_))));
        let four: Vec<Symbol> =
            ["NASDAQ:A", "NASDAQ:B", "NASDAQ:C", "NASDAQ:D"].iter().map(|s| s.parse().unwrap()).collect();
        assert!(matches!(base.with_us_names(&four), Err(UniverseError::TooManyNames { names: 4, listed: 3 })));
    }
}
