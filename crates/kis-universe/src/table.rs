//! The universe table: a dated list of KRX listings with where it came from, in the TOML format of
//! `config/krx-universe.toml`. Like the holiday table it is data that changes by decree (index reviews,
//! listings, delistings), so it lives in `config/`, not in code.

use std::collections::HashSet;
use std::fmt::Write as _;

use chrono::NaiveDate;
use kis_model::{KrxBoard, KrxCode};
use serde::Deserialize;
use thiserror::Error;

/// The table shipped with the product, compiled in so the daemon has a universe with no file at hand.
pub const SHIPPED_TABLE: &str = include_str!("../../../config/krx-universe.toml");

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TableError {
    #[error("universe table: {0}")]
    Toml(String),
    #[error("universe table: listing {index}: code {code:?} is not a 6-digit KRX code")]
    BadCode { index: usize, code: String },
    #[error("universe table: listing {index} ({code}): the name is empty")]
    NoName { index: usize, code: KrxCode },
    #[error("universe table: listing {index} ({code}): market must be kospi or kosdaq")]
    BadMarket { index: usize, code: KrxCode },
    #[error("universe table: listing {index} ({code}): listed_shares is 0")]
    ZeroShares { index: usize, code: KrxCode },
    #[error("universe table: {0} is listed twice")]
    Duplicate(KrxCode),
    #[error("universe table: `source` is empty: say where the table came from")]
    NoSource,
    #[error("universe table: no listings")]
    Empty,
    #[error("universe table: as_of must be a bare date (YYYY-MM-DD)")]
    BadDate,
}

/// One listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub code: KrxCode,
    pub name: String,
    pub market: KrxBoard,
    /// `None` where the table's author did not know the count.
    pub listed_shares: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniverseTable {
    /// The date the listings are as of.
    pub as_of: NaiveDate,
    /// Where the table came from, in words.
    pub source: String,
    /// Whether `listed_shares` are exact (from KIS's master files) or approximate.
    pub listed_shares_exact: bool,
    /// Largest first where the source said so; the screener quotes in this order.
    pub listings: Vec<Listing>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    as_of: toml::value::Datetime,
    source: String,
    listed_shares_exact: bool,
    listings: Vec<RawListing>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawListing {
    code: String,
    name: String,
    market: KrxBoard,
    listed_shares: Option<u64>,
}

impl UniverseTable {
    /// Parses and checks a table: 6-digit codes, each once, a name, KOSPI or KOSDAQ, a stated source.
    pub fn from_toml(text: &str) -> Result<UniverseTable, TableError> {
        let raw: RawTable = toml::from_str(text).map_err(|e| TableError::Toml(e.to_string()))?;
        let as_of = match (raw.as_of.date, raw.as_of.time) {
            (Some(d), None) => NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day)),
            _ => None,
        }
        .ok_or(TableError::BadDate)?;
        if raw.source.trim().is_empty() {
            return Err(TableError::NoSource);
        }
        let mut seen = HashSet::new();
        let mut listings = Vec::with_capacity(raw.listings.len());
        for (index, r) in raw.listings.into_iter().enumerate() {
            let six = r.code.len() == 6 && r.code.bytes().all(|b| b.is_ascii_digit());
            let code = KrxCode::parse(&r.code)
                .ok()
                .filter(|_| six)
                .ok_or_else(|| TableError::BadCode { index, code: r.code.chars().take(12).collect() })?;
            if r.name.trim().is_empty() {
                return Err(TableError::NoName { index, code });
            }
            if r.market == KrxBoard::Konex {
                return Err(TableError::BadMarket { index, code });
            }
            if r.listed_shares == Some(0) {
                return Err(TableError::ZeroShares { index, code });
            }
            if !seen.insert(code) {
                return Err(TableError::Duplicate(code));
            }
            listings.push(Listing {
                code,
                name: r.name.trim().to_string(),
                market: r.market,
                listed_shares: r.listed_shares,
            });
        }
        if listings.is_empty() {
            return Err(TableError::Empty);
        }
        Ok(UniverseTable {
            as_of,
            source: raw.source.trim().to_string(),
            listed_shares_exact: raw.listed_shares_exact,
            listings,
        })
    }

    /// The compiled-in `config/krx-universe.toml`. Fails only if the shipped file is broken, which this crate's
    /// tests rule out.
    pub fn shipped() -> Result<UniverseTable, TableError> {
        UniverseTable::from_toml(SHIPPED_TABLE)
    }

    pub fn codes(&self) -> Vec<KrxCode> {
        self.listings.iter().map(|l| l.code).collect()
    }

    pub fn get(&self, code: KrxCode) -> Option<&Listing> {
        self.listings.iter().find(|l| l.code == code)
    }

    /// The table in the format [`UniverseTable::from_toml`] reads, one listing a line, under `header` (each
    /// line of it becomes a `#` comment).
    pub fn to_toml(&self, header: &str) -> String {
        let mut out = String::new();
        for line in header.lines() {
            let _ = writeln!(out, "# {line}");
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "as_of = {}", self.as_of.format("%Y-%m-%d"));
        let _ = writeln!(out, "source = {}", quoted(&self.source));
        let _ = writeln!(out, "listed_shares_exact = {}", self.listed_shares_exact);
        let _ = writeln!(out, "listings = [");
        for l in &self.listings {
            let shares = l.listed_shares.map(|n| format!(", listed_shares = {n}")).unwrap_or_default();
            let _ = writeln!(
                out,
                "  {{ code = \"{}\", name = {}, market = \"{}\"{shares} }},",
                l.code,
                quoted(&l.name),
                l.market.as_str()
            );
        }
        out.push_str("]\n");
        out
    }
}

/// A TOML basic string.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
as_of = 2026-01-02
source = "test"
listed_shares_exact = true
listings = [
  { code = "005930", name = "삼성전자", market = "kospi", listed_shares = 5969782550 },
  { code = "247540", name = "에코프로비엠", market = "kosdaq" },
]
"#;

    #[test]
    fn parses_and_round_trips() {
        let t = UniverseTable::from_toml(SMALL).unwrap();
        assert_eq!(t.as_of, NaiveDate::from_ymd_opt(2026, 1, 2).unwrap());
        assert_eq!(t.listings.len(), 2);
        assert_eq!(t.listings[1].listed_shares, None);
        assert_eq!(t.listings[1].market, KrxBoard::Kosdaq);
        let odd = UniverseTable {
            source: "a \"quoted\" \\ source\nline".into(),
            listings: vec![Listing { name: "이름 \"따옴표\"".into(), ..t.listings[0].clone() }],
            ..t.clone()
        };
        for table in [t, odd] {
            let text = table.to_toml("written by a test\nsecond line");
            assert!(text.starts_with("# written by a test\n# second line\n"), "{text}");
            assert_eq!(UniverseTable::from_toml(&text).unwrap(), table, "{text}");
        }
    }

    #[test]
    fn every_refusal_names_the_listing() {
        let with =
            |row: &str| SMALL.replace(r#"  { code = "247540", name = "에코프로비엠", market = "kosdaq" },"#, row);
        let cases: [(&str, &str); 6] = [
            (r#"  { code = "5930", name = "x", market = "kospi" },"#, "listing 1: code \"5930\" is not a 6-digit"),
            (r#"  { code = "Q50000", name = "x", market = "kospi" },"#, "code \"Q50000\""),
            (r#"  { code = "000660", name = " ", market = "kospi" },"#, "listing 1 (000660): the name is empty"),
            (r#"  { code = "000660", name = "x", market = "konex" },"#, "market must be kospi or kosdaq"),
            (r#"  { code = "000660", name = "x", market = "kospi", listed_shares = 0 },"#, "listed_shares is 0"),
            (r#"  { code = "005930", name = "x", market = "kospi" },"#, "005930 is listed twice"),
        ];
        for (row, want) in cases {
            let e = UniverseTable::from_toml(&with(row)).unwrap_err().to_string();
            assert!(e.contains(want), "{row}: {e}");
        }
        let e = UniverseTable::from_toml(&SMALL.replace("source = \"test\"", "source = \"\"")).unwrap_err();
        assert_eq!(e, TableError::NoSource);
        let e = UniverseTable::from_toml(&SMALL.replace("market = \"kosdaq\"", "markt = \"kosdaq\"")).unwrap_err();
        assert!(e.to_string().contains("unknown field `markt`"), "{e}");
        let empty = "as_of = 2026-01-02\nsource = \"x\"\nlisted_shares_exact = false\nlistings = []\n";
        assert_eq!(UniverseTable::from_toml(empty), Err(TableError::Empty));
    }
}
