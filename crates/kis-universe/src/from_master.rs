//! The table from KIS's master files: the KOSPI 200 and KOSDAQ 150 constituents among tradable common shares
//! (no preferred shares, ETFs, SPACs, REITs, halted, 관리 or delisting names), topped up with the largest
//! other common shares when the index flags yield fewer than asked, largest market cap first.

use chrono::NaiveDate;
use kis_protocol::master::MasterRecord;

use crate::table::{Listing, UniverseTable};

/// How many listings to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selection {
    /// At least this many when the files have them (index members first, then by market cap).
    pub min: usize,
    /// At most this many.
    pub max: usize,
}

impl Default for Selection {
    /// KOSPI 200 + KOSDAQ 150.
    fn default() -> Self {
        Selection { min: 350, max: 400 }
    }
}

/// Builds the table from the parsed files of both boards, dated `as_of` (the download date).
pub fn from_master(records: &[MasterRecord], as_of: NaiveDate, selection: Selection) -> UniverseTable {
    let mut tradable: Vec<&MasterRecord> = records.iter().filter(|r| r.is_tradable_common_stock()).collect();
    let mut seen = std::collections::HashSet::new();
    tradable.retain(|r| seen.insert(r.code));
    // Index members first, each group by market cap (largest first), then by code for a stable order.
    tradable.sort_by_key(|r| (!r.index_member, std::cmp::Reverse(r.market_cap_eok.unwrap_or(0)), r.code));
    let members = tradable.iter().filter(|r| r.index_member).count();
    let keep = members.max(selection.min).min(selection.max).min(tradable.len());
    let mut kept: Vec<&MasterRecord> = tradable.into_iter().take(keep).collect();
    kept.sort_by_key(|r| (std::cmp::Reverse(r.market_cap_eok.unwrap_or(0)), r.code));
    UniverseTable {
        as_of,
        source: format!(
            "KIS stock master files (kospi_code.mst, kosdaq_code.mst) downloaded {as_of}: {members} KOSPI 200 / \
             KOSDAQ 150 constituents among tradable common shares{}",
            if keep > members {
                format!(", plus the {} largest other common shares", keep - members)
            } else {
                String::new()
            }
        ),
        listed_shares_exact: true,
        listings: kept
            .into_iter()
            .map(|r| Listing { code: r.code, name: r.name.clone(), market: r.board, listed_shares: r.listed_shares })
            .collect(),
    }
}
