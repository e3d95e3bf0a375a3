//! KIS's stock master files: `kospi_code.mst` and `kosdaq_code.mst`, published daily as zips at
//! [`KOSPI_MASTER_URL`] / [`KOSDAQ_MASTER_URL`], one line per listing of the board (stocks, preferred shares,
//! ETFs, SPACs, REITs ...).
//!
//! A line is CP949 text: a 9-byte short code, a 12-byte standard (ISIN) code and the Korean name, followed by
//! a fixed-width ASCII tail of flags and figures — 227 bytes on KOSPI, 221 on KOSDAQ (the layout of KIS's own
//! `open-trading-api` parsers and C headers). The name has no fixed width, so the tail is located from the end
//! of the line. Only the fields the universe needs are read; the offsets below are byte offsets into the tail.
//!
//! Listed shares are given in thousands and the market cap in 억 (10^8) KRW, as KIS's headers state.

use chrono::NaiveDate;
use kis_model::{KrxBoard, KrxCode};
use thiserror::Error;

pub const KOSPI_MASTER_URL: &str = "https://new.real.download.dws.co.kr/common/master/kospi_code.mst.zip";
pub const KOSDAQ_MASTER_URL: &str = "https://new.real.download.dws.co.kr/common/master/kosdaq_code.mst.zip";

/// Bytes of the code, standard code and name part before the name starts.
const HEAD: usize = 21;

/// Where each field sits in a board's tail.
struct Layout {
    tail: usize,
    group: usize,
    /// KOSPI: the KOSPI 200 sector code (`0` or blank = not a member). KOSDAQ: the KOSDAQ 150 flag (`Y`).
    index: usize,
    spac: usize,
    base_price: (usize, usize),
    halted: usize,
    liquidation: usize,
    administrative: usize,
    warning: (usize, usize),
    listed_on: (usize, usize),
    shares_thousands: (usize, usize),
    preferred: usize,
    market_cap_eok: (usize, usize),
}

const KOSPI: Layout = Layout {
    tail: 227,
    group: 0,
    index: 18,
    spac: 29,
    base_price: (41, 9),
    halted: 60,
    liquidation: 61,
    administrative: 62,
    warning: (63, 2),
    listed_on: (105, 8),
    shares_thousands: (113, 15),
    preferred: 158,
    market_cap_eok: (212, 9),
};

const KOSDAQ: Layout = Layout {
    tail: 221,
    group: 0,
    index: 35,
    spac: 24,
    base_price: (36, 9),
    halted: 55,
    liquidation: 56,
    administrative: 57,
    warning: (58, 2),
    listed_on: (100, 8),
    shares_thousands: (108, 15),
    preferred: 153,
    market_cap_eok: (206, 9),
};

fn layout(board: KrxBoard) -> Option<&'static Layout> {
    match board {
        KrxBoard::Kospi => Some(&KOSPI),
        KrxBoard::Kosdaq => Some(&KOSDAQ),
        KrxBoard::Konex => None,
    }
}

/// 증권그룹구분코드: what kind of security a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecurityGroup {
    /// `ST` 주권: shares (common or preferred).
    Stock,
    /// `EF` ETF, `FE` foreign ETF, `EN` ETN.
    ExchangeTraded,
    /// `RT` REITs, `MF`/`SC`/`IF`/`BC` funds and investment companies.
    Fund,
    /// `DR` depositary receipts, `FS` foreign shares.
    Foreign,
    /// `EW` ELW, `SW`/`SR` subscription warrants and rights.
    Derivative,
    Other,
}

impl SecurityGroup {
    fn of(code: &str) -> SecurityGroup {
        match code {
            "ST" => SecurityGroup::Stock,
            "EF" | "FE" | "EN" => SecurityGroup::ExchangeTraded,
            "RT" | "MF" | "SC" | "IF" | "BC" => SecurityGroup::Fund,
            "DR" | "FS" => SecurityGroup::Foreign,
            "EW" | "SW" | "SR" => SecurityGroup::Derivative,
            _ => SecurityGroup::Other,
        }
    }
}

/// One listing of a master file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterRecord {
    pub code: KrxCode,
    /// The ISIN, e.g. `KR7005930003`.
    pub standard_code: String,
    pub name: String,
    pub board: KrxBoard,
    pub group: SecurityGroup,
    /// A KOSPI 200 (KOSPI file) or KOSDAQ 150 (KOSDAQ file) constituent.
    pub index_member: bool,
    pub spac: bool,
    pub preferred: bool,
    pub halted: bool,
    /// 정리매매: being delisted.
    pub liquidation: bool,
    /// 관리종목.
    pub administrative: bool,
    /// 시장경고 (01 caution, 02 warning, 03 danger); `false` for `00` or blank.
    pub market_warning: bool,
    /// 기준가: today's base price in won.
    pub base_price: Option<u64>,
    /// Listed shares (the file's thousands × 1,000, so exact to a thousand shares).
    pub listed_shares: Option<u64>,
    /// Previous day's market cap in 억 KRW.
    pub market_cap_eok: Option<u64>,
    pub listed_on: Option<NaiveDate>,
}

impl MasterRecord {
    /// A common share that trades normally: what a scalper may screen.
    pub fn is_tradable_common_stock(&self) -> bool {
        self.group == SecurityGroup::Stock
            && !self.preferred
            && !self.spac
            && !self.halted
            && !self.liquidation
            && !self.administrative
    }
}

/// What is wrong with one line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LineProblem {
    #[error("{len} bytes: a {board} line has at least {need}")]
    TooShort { len: usize, need: usize, board: &'static str },
    #[error("the fixed-width tail is not ASCII (a wrong board's file, or a corrupted download)")]
    TailNotAscii,
    #[error("short code {0:?} is not a KRX code")]
    BadCode(String),
    #[error("{field} is {text:?}, not a number")]
    BadNumber { field: &'static str, text: String },
    #[error("the name is not CP949 text")]
    BadName,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}: {problem}")]
pub struct LineError {
    /// 1-based.
    pub line: usize,
    pub problem: LineProblem,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MasterError {
    #[error("KIS publishes no master file in this format for the {0} board")]
    Board(&'static str),
}

/// The readable lines of a master file, and what was wrong with the others (a caller decides whether a few
/// bad lines in thousands are acceptable; none is silently dropped).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MasterFile {
    pub records: Vec<MasterRecord>,
    pub errors: Vec<LineError>,
}

/// Parses a whole file as downloaded (CP949 bytes, `\n` or `\r\n` line ends).
pub fn parse_master(bytes: &[u8], board: KrxBoard) -> Result<MasterFile, MasterError> {
    let layout = layout(board).ok_or(MasterError::Board(board.as_str()))?;
    let mut out = MasterFile::default();
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        match parse_line(line, board, layout) {
            Ok(record) => out.records.push(record),
            Err(problem) => out.errors.push(LineError { line: i + 1, problem }),
        }
    }
    Ok(out)
}

fn parse_line(line: &[u8], board: KrxBoard, l: &Layout) -> Result<MasterRecord, LineProblem> {
    let need = HEAD + l.tail;
    if line.len() < need {
        return Err(LineProblem::TooShort { len: line.len(), need, board: board.as_str() });
    }
    let (head, tail) = line.split_at(line.len() - l.tail);
    if !tail.is_ascii() || !head[..HEAD].is_ascii() {
        return Err(LineProblem::TailNotAscii);
    }
    // ASCII checked above, so these byte slices are valid UTF-8.
    let text = |b: &[u8]| String::from_utf8_lossy(b).trim().to_string();
    let short = text(&head[..9]);
    let code = KrxCode::parse(&short).map_err(|_| LineProblem::BadCode(short.chars().take(12).collect()))?;
    let (name, _, bad) = encoding_rs::EUC_KR.decode(&head[HEAD..]);
    if bad {
        return Err(LineProblem::BadName);
    }
    let field = |(at, len): (usize, usize)| text(&tail[at..at + len]);
    let flag = |at: usize| tail[at] == b'Y';
    let number = |what: &'static str, span: (usize, usize)| -> Result<Option<u64>, LineProblem> {
        let t = field(span);
        if t.is_empty() {
            return Ok(None);
        }
        t.parse::<u64>().map(Some).map_err(|_| LineProblem::BadNumber { field: what, text: t })
    };
    let index_member = match board {
        KrxBoard::Kospi => !matches!(tail[l.index], b'0' | b' ' | b'N'),
        _ => flag(l.index),
    };
    let shares = number("listed shares", l.shares_thousands)?;
    let listed_on = field(l.listed_on);
    Ok(MasterRecord {
        code,
        standard_code: text(&head[9..HEAD]),
        name: name.trim().to_string(),
        board,
        group: SecurityGroup::of(&field((l.group, 2))),
        index_member,
        spac: flag(l.spac),
        preferred: !matches!(tail[l.preferred], b'0' | b' '),
        halted: flag(l.halted),
        liquidation: flag(l.liquidation),
        administrative: flag(l.administrative),
        market_warning: !matches!(field(l.warning).as_str(), "" | "00"),
        base_price: number("base price", l.base_price)?,
        listed_shares: shares.and_then(|k| k.checked_mul(1_000)).filter(|&n| n > 0),
        market_cap_eok: number("market cap", l.market_cap_eok)?,
        listed_on: NaiveDate::parse_from_str(&listed_on, "%Y%m%d").ok(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn konex_has_no_layout() {
        assert_eq!(parse_master(b"", KrxBoard::Konex), Err(MasterError::Board("konex")));
    }

    #[test]
    fn short_and_non_ascii_lines_are_errors_with_their_line_number() {
        let mut bytes = b"005930   KR7005930003short\n\n".to_vec();
        bytes.extend(std::iter::repeat_n(0xB0u8, 300));
        bytes.push(b'\n');
        let f = parse_master(&bytes, KrxBoard::Kosdaq).unwrap();
        assert!(f.records.is_empty());
        assert_eq!(f.errors.len(), 2);
        assert_eq!(f.errors[0].line, 1);
        assert!(matches!(f.errors[0].problem, LineProblem::TooShort { need: 242, .. }), "{}", f.errors[0]);
        assert_eq!(f.errors[1], LineError { line: 3, problem: LineProblem::TailNotAscii });
    }
}
