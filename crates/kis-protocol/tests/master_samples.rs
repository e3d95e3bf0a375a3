//! The master-file parser on the committed samples (`tests/data/*.sample.mst`, built in KIS's exact layout by
//! `tools/make_master_samples.py`; the figures in them are illustrative).

use chrono::NaiveDate;
use kis_model::{KrxBoard, KrxCode};
use kis_protocol::master::{MasterRecord, SecurityGroup, parse_master};

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)).unwrap()
}

fn find<'a>(records: &'a [MasterRecord], code: &str) -> &'a MasterRecord {
    records.iter().find(|r| r.code.as_str() == code).unwrap()
}

#[test]
fn kospi_sample() {
    let f = parse_master(&sample("kospi_code.sample.mst"), KrxBoard::Kospi).unwrap();
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert_eq!(f.records.len(), 7);
    let samsung = find(&f.records, "005930");
    assert_eq!(
        samsung,
        &MasterRecord {
            code: KrxCode::parse("005930").unwrap(),
            standard_code: "KR7005930003".into(),
            name: "삼성전자".into(),
            board: KrxBoard::Kospi,
            group: SecurityGroup::Stock,
            index_member: true,
            spac: false,
            preferred: false,
            halted: false,
            liquidation: false,
            administrative: false,
            market_warning: false,
            base_price: Some(71_500),
            listed_shares: Some(5_969_783_000),
            market_cap_eok: Some(4_268_394),
            listed_on: NaiveDate::from_ymd_opt(1975, 6, 11),
        }
    );
    assert!(samsung.is_tradable_common_stock());
    let pref = find(&f.records, "005935");
    assert!(pref.preferred && !pref.is_tradable_common_stock());
    let etf = find(&f.records, "069500");
    assert_eq!((etf.group, etf.name.as_str()), (SecurityGroup::ExchangeTraded, "KODEX 200"));
    assert!(!etf.index_member && !etf.is_tradable_common_stock());
    assert!(find(&f.records, "123450").spac);
    assert!(find(&f.records, "234560").halted);
    assert_eq!(find(&f.records, "005380").name, "현대차");
    let tradable: Vec<&str> =
        f.records.iter().filter(|r| r.is_tradable_common_stock()).map(|r| r.code.as_str()).collect();
    assert_eq!(tradable, vec!["005930", "000660", "005380"]);
}

#[test]
fn kosdaq_sample() {
    let f = parse_master(&sample("kosdaq_code.sample.mst"), KrxBoard::Kosdaq).unwrap();
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert_eq!(f.records.len(), 4);
    let ecopro = find(&f.records, "247540");
    assert_eq!(ecopro.name, "에코프로비엠");
    assert_eq!((ecopro.board, ecopro.index_member), (KrxBoard::Kosdaq, true));
    assert_eq!((ecopro.listed_shares, ecopro.market_cap_eok), (Some(97_801_000), Some(195_602)));
    assert_eq!(ecopro.base_price, Some(200_000));
    assert!(find(&f.records, "345670").administrative);
    assert!(!find(&f.records, "345670").index_member);
    assert_eq!(find(&f.records, "035900").name, "JYP Ent.");
}

#[test]
fn the_wrong_boards_layout_does_not_pass_silently() {
    // A KOSDAQ file read as KOSPI: the tail is found 6 bytes too early, so the head's last name bytes (CP949,
    // not ASCII) fall into it, or the figures land in the wrong fields.
    let f = parse_master(&sample("kosdaq_code.sample.mst"), KrxBoard::Kospi).unwrap();
    let same = f.records.iter().filter(|r| r.name == "에코프로비엠" && r.listed_shares == Some(97_801_000)).count();
    assert_eq!(same, 0, "{:?}", f.records);
    // And CRLF line ends read like LF.
    let crlf: Vec<u8> = sample("kospi_code.sample.mst")
        .split(|&b| b == b'\n')
        .flat_map(|l| l.iter().copied().chain(*b"\r\n"))
        .collect();
    let f = parse_master(&crlf, KrxBoard::Kospi).unwrap();
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert_eq!(f.records.len(), 7);
}
