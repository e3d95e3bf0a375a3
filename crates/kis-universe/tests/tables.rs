//! The shipped table, and the whole refresh path offline: the committed master-file samples → the table →
//! its TOML → the table again.

use chrono::NaiveDate;
use kis_model::KrxBoard;
use kis_protocol::master::parse_master;
use kis_universe::{Selection, UniverseTable, from_master};

#[test]
fn the_shipped_table_is_valid_dated_and_sourced() {
    let t = UniverseTable::shipped().unwrap();
    assert!(t.listings.len() >= 200, "{} listings", t.listings.len());
    assert!(t.as_of >= NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
    assert!(t.source.contains("kis-trader universe refresh"), "the source says how to refresh: {}", t.source);
    assert!(!t.listed_shares_exact, "hand-made: its share counts are approximate and must say so");
    let text = kis_universe::SHIPPED_TABLE;
    assert!(text.contains("approximate"), "the header says the figures are approximate");
    let kosdaq = t.listings.iter().filter(|l| l.market == KrxBoard::Kosdaq).count();
    assert!(kosdaq >= 50 && t.listings.len() - kosdaq >= 100, "{kosdaq} KOSDAQ listings");
    assert_eq!(t.get(kis_model::KrxCode::parse("005930").unwrap()).map(|l| l.name.as_str()), Some("삼성전자"));
}

fn sample(name: &str) -> Vec<u8> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../kis-protocol/tests/data");
    std::fs::read(dir.join(name)).unwrap()
}

#[test]
fn refresh_from_the_master_samples() {
    let mut records = parse_master(&sample("kospi_code.sample.mst"), KrxBoard::Kospi).unwrap().records;
    records.extend(parse_master(&sample("kosdaq_code.sample.mst"), KrxBoard::Kosdaq).unwrap().records);
    let day = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();

    // Index members only (4 of them are tradable common shares), largest first.
    let t = from_master(&records, day, Selection { min: 0, max: 400 });
    let codes: Vec<&str> = t.listings.iter().map(|l| l.code.as_str()).collect();
    assert_eq!(codes, vec!["005930", "000660", "005380", "247540", "196170", "035900"]);
    assert!(t.listed_shares_exact);
    assert_eq!(t.listings[0].listed_shares, Some(5_969_783_000));
    assert_eq!(t.listings[3].market, KrxBoard::Kosdaq);
    assert!(
        t.source.contains("downloaded 2026-03-04") && t.source.contains("6 KOSPI 200 / KOSDAQ 150"),
        "{}",
        t.source
    );

    // Topped up to a minimum from the other tradable common shares; never the ETF, the preferred share, the
    // SPAC, the halted or the 관리 name.
    let t = from_master(&records, day, Selection { min: 50, max: 400 });
    assert_eq!(t.listings.len(), 6, "no other tradable common share in the sample");
    let t = from_master(&records, day, Selection { min: 0, max: 2 });
    assert_eq!(t.codes().len(), 2);

    let text = t.to_toml("test header");
    assert_eq!(UniverseTable::from_toml(&text).unwrap(), t);
}
