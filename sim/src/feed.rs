//! Per-symbol running figures in integer minor units (won, cents) and the WebSocket records built from them.
//! Kept here rather than read from the market's summaries because it runs once per print on the hot path and
//! must not allocate or divide decimals.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, Timelike};
use kis_model::{Book, Price, Symbol, Trade};
use kis_protocol::ws::{H0stasp0Owned, H0stcnt0Owned, Hdfsasp0Owned, Hdfscnt0Owned, Sign};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// Minor units per unit: won are whole, US prices are cents.
pub fn to_minor(symbol: &Symbol, price: Price) -> i64 {
    let v = match symbol {
        Symbol::Krx(_) => price.value(),
        Symbol::Us(..) => price.value() * Decimal::ONE_HUNDRED,
    };
    v.trunc().to_i64().unwrap_or(0)
}

/// One symbol's day: what H0STCNT0/HDFSCNT0 carry besides the print itself.
#[derive(Debug, Clone)]
pub struct SymFeed {
    pub symbol: Symbol,
    /// WebSocket `tr_key`: `005930` or `DNASAAPL`.
    pub tr_key: String,
    pub prev_close: i64,
    pub open: i64,
    pub high: i64,
    pub low: i64,
    pub last: i64,
    pub open_hour: Option<NaiveTime>,
    pub high_hour: Option<NaiveTime>,
    pub low_hour: Option<NaiveTime>,
    pub cum_vol: i64,
    /// Value traded, minor units × shares.
    pub cum_value: i128,
    pub buy_vol: i64,
    pub sell_vol: i64,
    pub buy_count: i64,
    pub sell_count: i64,
    pub shares_outstanding: i64,
    pub date: Option<NaiveDate>,
    /// Last book seen: (ask, ask qty, bid, bid qty) at level 1, and totals.
    pub best: (i64, i64, i64, i64),
    pub totals: (i64, i64),
}

impl SymFeed {
    pub fn new(symbol: Symbol, prev_close: i64, shares_outstanding: u64) -> SymFeed {
        SymFeed {
            symbol,
            tr_key: symbol.ws_tr_key(),
            prev_close,
            open: 0,
            high: 0,
            low: 0,
            last: prev_close,
            open_hour: None,
            high_hour: None,
            low_hour: None,
            cum_vol: 0,
            cum_value: 0,
            buy_vol: 0,
            sell_vol: 0,
            buy_count: 0,
            sell_count: 0,
            shares_outstanding: i64::try_from(shares_outstanding).unwrap_or(i64::MAX),
            date: None,
            best: (0, 0, 0, 0),
            totals: (0, 0),
        }
    }

    /// A new trading day: yesterday's last becomes the base.
    pub fn new_day(&mut self, date: NaiveDate) {
        if self.date.is_some_and(|d| d != date) && self.last > 0 {
            self.prev_close = self.last;
        }
        if self.date != Some(date) {
            self.open = 0;
            self.high = 0;
            self.low = 0;
            self.open_hour = None;
            self.high_hour = None;
            self.low_hour = None;
            self.cum_vol = 0;
            self.cum_value = 0;
            self.buy_vol = 0;
            self.sell_vol = 0;
            self.buy_count = 0;
            self.sell_count = 0;
        }
        self.date = Some(date);
    }

    pub fn on_trade(&mut self, t: &Trade, local_time: NaiveTime) -> i64 {
        let p = to_minor(&self.symbol, t.price);
        let q = i64::try_from(t.qty.shares()).unwrap_or(i64::MAX);
        if self.open == 0 {
            self.open = p;
            self.high = p;
            self.low = p;
            self.open_hour = Some(local_time);
            self.high_hour = Some(local_time);
            self.low_hour = Some(local_time);
        }
        if p > self.high {
            self.high = p;
            self.high_hour = Some(local_time);
        }
        if p < self.low {
            self.low = p;
            self.low_hour = Some(local_time);
        }
        self.last = p;
        self.cum_vol = self.cum_vol.saturating_add(q);
        self.cum_value = self.cum_value.saturating_add(i128::from(p) * i128::from(q));
        match t.aggressor {
            Some(kis_model::Side::Sell) => {
                self.sell_vol += q;
                self.sell_count += 1;
            }
            _ => {
                self.buy_vol += q;
                self.buy_count += 1;
            }
        }
        q
    }

    pub fn on_book(&mut self, b: &Book) {
        let s = &self.symbol;
        let lvl = |l: &kis_model::Level| (to_minor(s, l.price), i64::try_from(l.qty.shares()).unwrap_or(0));
        let (a, aq) = lvl(&b.asks[0]);
        let (bd, bq) = lvl(&b.bids[0]);
        self.best = (a, aq, bd, bq);
        let sum = |ls: &[kis_model::Level]| ls.iter().map(|l| i64::try_from(l.qty.shares()).unwrap_or(0)).sum();
        self.totals = (sum(&b.asks), sum(&b.bids));
    }

    fn sign(&self) -> Sign {
        match self.last.cmp(&self.prev_close) {
            std::cmp::Ordering::Greater => Sign::Up,
            std::cmp::Ordering::Less => Sign::Down,
            std::cmp::Ordering::Equal => Sign::Unchanged,
        }
    }

    /// Change against the previous close in percent, two decimals.
    fn change_rate(&self) -> Decimal {
        pct(self.last - self.prev_close, self.prev_close)
    }

    fn vwap(&self) -> Decimal {
        if self.cum_vol == 0 {
            return Decimal::ZERO;
        }
        let v = self.cum_value * 100 / i128::from(self.cum_vol);
        Decimal::new(i64::try_from(v).unwrap_or(0), 2)
    }

    fn strength(&self) -> Decimal {
        if self.sell_vol == 0 {
            return Decimal::new(if self.buy_vol > 0 { 50_000 } else { 0 }, 2);
        }
        pct(self.buy_vol, self.sell_vol)
    }

    /// An H0STCNT0 record for the print just applied.
    pub fn h0stcnt0(&self, qty: i64, buy_side: bool, time: NaiveTime, date: NaiveDate) -> H0stcnt0Owned {
        let rel = |v: i64| (sign_of(v - self.last), self.last - v);
        let (osign, ochg) = rel(self.open);
        let (hsign, hchg) = rel(self.high);
        let (lsign, lchg) = rel(self.low);
        H0stcnt0Owned {
            mksc_shrn_iscd: self.tr_key.clone(),
            stck_cntg_hour: time,
            stck_prpr: self.last,
            prdy_vrss_sign: self.sign(),
            prdy_vrss: self.last - self.prev_close,
            prdy_ctrt: self.change_rate(),
            wghn_avrg_stck_prc: self.vwap(),
            stck_oprc: self.open,
            stck_hgpr: self.high,
            stck_lwpr: self.low,
            askp1: self.best.0,
            bidp1: self.best.2,
            cntg_vol: qty,
            acml_vol: self.cum_vol,
            acml_tr_pbmn: i64::try_from(self.cum_value).unwrap_or(i64::MAX),
            seln_cntg_csnu: self.sell_count,
            shnu_cntg_csnu: self.buy_count,
            ntby_cntg_csnu: self.buy_count - self.sell_count,
            cttr: self.strength(),
            seln_cntg_smtn: self.sell_vol,
            shnu_cntg_smtn: self.buy_vol,
            ccld_dvsn: if buy_side { "1" } else { "5" }.to_string(),
            shnu_rate: pct(self.buy_vol, self.cum_vol),
            // Two places, as KIS writes rates; the simulator keeps no previous-day volume yet.
            prdy_vol_vrss_acml_vol_rate: Decimal::new(0, 2),
            oprc_hour: self.open_hour,
            oprc_vrss_prpr_sign: Some(osign),
            oprc_vrss_prpr: Some(ochg),
            hgpr_hour: self.high_hour,
            hgpr_vrss_prpr_sign: Some(hsign),
            hgpr_vrss_prpr: Some(hchg),
            lwpr_hour: self.low_hour,
            lwpr_vrss_prpr_sign: Some(lsign),
            lwpr_vrss_prpr: Some(lchg),
            bsop_date: date,
            new_mkop_cls_code: "20".to_string(),
            trht_yn: "N".to_string(),
            askp_rsqn1: self.best.1,
            bidp_rsqn1: self.best.3,
            total_askp_rsqn: self.totals.0,
            total_bidp_rsqn: self.totals.1,
            vol_tnrt: pct(self.cum_vol, self.shares_outstanding),
            prdy_smns_hour_acml_vol: 0,
            prdy_smns_hour_acml_vol_rate: Decimal::new(0, 2),
            hour_cls_code: "0".to_string(),
            mrkt_trtm_cls_code: String::new(),
            vi_stnd_prc: Some(self.prev_close),
        }
    }

    /// An HDFSCNT0 record for the print just applied (prices to 4 decimals).
    pub fn hdfscnt0(&self, qty: i64, local: DateTime<chrono_tz::Tz>, kst_time: DateTime<FixedOffset>) -> Hdfscnt0Owned {
        let d4 = |cents: i64| Decimal::new(cents * 100, 4);
        Hdfscnt0Owned {
            rsym: self.tr_key.clone(),
            symb: self.symbol.code().to_string(),
            zdiv: 4,
            tymd: local.date_naive(),
            xymd: local.date_naive(),
            xhms: local.time().with_nanosecond(0).unwrap_or(local.time()),
            kymd: kst_time.date_naive(),
            khms: kst_time.time().with_nanosecond(0).unwrap_or(kst_time.time()),
            open: d4(self.open),
            high: d4(self.high),
            low: d4(self.low),
            last: d4(self.last),
            sign: self.sign(),
            diff: d4((self.last - self.prev_close).abs()),
            rate: self.change_rate(),
            pbid: d4(self.best.2),
            pask: d4(self.best.0),
            vbid: self.best.3,
            vask: self.best.1,
            evol: qty,
            tvol: self.cum_vol,
            // Whole dollars: KIS sends `TAMT` as an integer (captured `1198097`).
            tamt: Decimal::from(i64::try_from(self.cum_value / 100).unwrap_or(i64::MAX)),
            bivl: self.sell_vol,
            asvl: self.buy_vol,
            strn: self.strength(),
            mtyp: "1".to_string(),
        }
    }
}

fn sign_of(v: i64) -> Sign {
    match v.cmp(&0) {
        std::cmp::Ordering::Greater => Sign::Up,
        std::cmp::Ordering::Less => Sign::Down,
        std::cmp::Ordering::Equal => Sign::Unchanged,
    }
}

/// `num / den` in percent with two decimals (0 when `den` is 0).
fn pct(num: i64, den: i64) -> Decimal {
    if den == 0 {
        return Decimal::ZERO;
    }
    let v = i128::from(num) * 10_000 / i128::from(den);
    Decimal::new(i64::try_from(v).unwrap_or(0), 2)
}

/// An H0STASP0 record of a KRX book (62 fields, as KIS sends since 2025).
pub fn h0stasp0(f: &SymFeed, b: &Book, time: NaiveTime) -> H0stasp0Owned {
    let s = &f.symbol;
    let p = |l: &kis_model::Level| to_minor(s, l.price);
    let q = |l: &kis_model::Level| i64::try_from(l.qty.shares()).unwrap_or(0);
    let a = &b.asks;
    let bd = &b.bids;
    let mid = if a[0].qty.is_zero() || bd[0].qty.is_zero() { 0 } else { (p(&a[0]) + p(&bd[0])) / 2 };
    H0stasp0Owned {
        mksc_shrn_iscd: f.tr_key.clone(),
        bsop_hour: time,
        hour_cls_code: "0".to_string(),
        askp1: p(&a[0]),
        askp2: p(&a[1]),
        askp3: p(&a[2]),
        askp4: p(&a[3]),
        askp5: p(&a[4]),
        askp6: p(&a[5]),
        askp7: p(&a[6]),
        askp8: p(&a[7]),
        askp9: p(&a[8]),
        askp10: p(&a[9]),
        bidp1: p(&bd[0]),
        bidp2: p(&bd[1]),
        bidp3: p(&bd[2]),
        bidp4: p(&bd[3]),
        bidp5: p(&bd[4]),
        bidp6: p(&bd[5]),
        bidp7: p(&bd[6]),
        bidp8: p(&bd[7]),
        bidp9: p(&bd[8]),
        bidp10: p(&bd[9]),
        askp_rsqn1: q(&a[0]),
        askp_rsqn2: q(&a[1]),
        askp_rsqn3: q(&a[2]),
        askp_rsqn4: q(&a[3]),
        askp_rsqn5: q(&a[4]),
        askp_rsqn6: q(&a[5]),
        askp_rsqn7: q(&a[6]),
        askp_rsqn8: q(&a[7]),
        askp_rsqn9: q(&a[8]),
        askp_rsqn10: q(&a[9]),
        bidp_rsqn1: q(&bd[0]),
        bidp_rsqn2: q(&bd[1]),
        bidp_rsqn3: q(&bd[2]),
        bidp_rsqn4: q(&bd[3]),
        bidp_rsqn5: q(&bd[4]),
        bidp_rsqn6: q(&bd[5]),
        bidp_rsqn7: q(&bd[6]),
        bidp_rsqn8: q(&bd[7]),
        bidp_rsqn9: q(&bd[8]),
        bidp_rsqn10: q(&bd[9]),
        total_askp_rsqn: f.totals.0,
        total_bidp_rsqn: f.totals.1,
        ovtm_total_askp_rsqn: 0,
        ovtm_total_bidp_rsqn: 0,
        antc_cnpr: 0,
        antc_cnqn: 0,
        antc_vol: 0,
        antc_cntg_vrss: 0,
        antc_cntg_vrss_sign: Sign::Unchanged,
        antc_cntg_prdy_ctrt: Decimal::ZERO,
        acml_vol: f.cum_vol,
        total_askp_rsqn_icdc: 0,
        total_bidp_rsqn_icdc: 0,
        ovtm_total_askp_icdc: 0,
        ovtm_total_bidp_icdc: 0,
        stck_deal_cls_code: "0".to_string(),
        kmid_prc: Some(mid),
        kmid_total_rsqn: Some(0),
        kmid_cls_code: "0".to_string(),
    }
}

/// An HDFSASP0 record of a US book (71 fields).
pub fn hdfsasp0(
    f: &SymFeed,
    b: &Book,
    local: DateTime<chrono_tz::Tz>,
    kst_time: DateTime<FixedOffset>,
) -> Hdfsasp0Owned {
    let s = &f.symbol;
    let d = |l: &kis_model::Level| Decimal::new(to_minor(s, l.price) * 100, 4);
    let od = |l: &kis_model::Level| Some(d(l));
    let q = |l: &kis_model::Level| i64::try_from(l.qty.shares()).unwrap_or(0);
    let oq = |l: &kis_model::Level| Some(q(l));
    let a = &b.asks;
    let bd = &b.bids;
    let symb = f.symbol.code().to_string();
    Hdfsasp0Owned {
        rsym: f.tr_key.clone(),
        symb,
        zdiv: 4,
        xymd: local.date_naive(),
        xhms: local.time().with_nanosecond(0).unwrap_or(local.time()),
        kymd: kst_time.date_naive(),
        khms: kst_time.time().with_nanosecond(0).unwrap_or(kst_time.time()),
        bvol: f.totals.1,
        avol: f.totals.0,
        bdvl: 0,
        advl: 0,
        pbid1: d(&bd[0]),
        pask1: d(&a[0]),
        vbid1: q(&bd[0]),
        vask1: q(&a[0]),
        dbid1: 0,
        dask1: 0,
        pbid2: od(&bd[1]),
        pask2: od(&a[1]),
        vbid2: oq(&bd[1]),
        vask2: oq(&a[1]),
        dbid2: Some(0),
        dask2: Some(0),
        pbid3: od(&bd[2]),
        pask3: od(&a[2]),
        vbid3: oq(&bd[2]),
        vask3: oq(&a[2]),
        dbid3: Some(0),
        dask3: Some(0),
        pbid4: od(&bd[3]),
        pask4: od(&a[3]),
        vbid4: oq(&bd[3]),
        vask4: oq(&a[3]),
        dbid4: Some(0),
        dask4: Some(0),
        pbid5: od(&bd[4]),
        pask5: od(&a[4]),
        vbid5: oq(&bd[4]),
        vask5: oq(&a[4]),
        dbid5: Some(0),
        dask5: Some(0),
        pbid6: od(&bd[5]),
        pask6: od(&a[5]),
        vbid6: oq(&bd[5]),
        vask6: oq(&a[5]),
        dbid6: Some(0),
        dask6: Some(0),
        pbid7: od(&bd[6]),
        pask7: od(&a[6]),
        vbid7: oq(&bd[6]),
        vask7: oq(&a[6]),
        dbid7: Some(0),
        dask7: Some(0),
        pbid8: od(&bd[7]),
        pask8: od(&a[7]),
        vbid8: oq(&bd[7]),
        vask8: oq(&a[7]),
        dbid8: Some(0),
        dask8: Some(0),
        pbid9: od(&bd[8]),
        pask9: od(&a[8]),
        vbid9: oq(&bd[8]),
        vask9: oq(&a[8]),
        dbid9: Some(0),
        dask9: Some(0),
        pbid10: od(&bd[9]),
        pask10: od(&a[9]),
        vbid10: oq(&bd[9]),
        vask10: oq(&a[9]),
        dbid10: Some(0),
        dask10: Some(0),
    }
}

/// `HHMMSS` time without sub-seconds.
pub fn hms(t: NaiveTime) -> NaiveTime {
    NaiveTime::from_hms_opt(t.hour(), t.minute(), t.second()).unwrap_or(t)
}

/// `YYYYMMDD`.
pub fn ymd(d: NaiveDate) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
}
