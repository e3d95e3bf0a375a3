//! H0GSCNI0 (real) / H0GSCNI9 (paper), overseas order and fill notices (kis-protocol.md §9.6). Prices come as
//! zero-padded integers with decimals implied by the market (`ODER_COND`): US 4, Japan 1, China/HK 3, Vietnam 0.

use rust_decimal::Decimal;

use super::error::{WsError, WsFieldError, WsFieldErrorKind};
use super::record::Record;

tr_record! {
    /// A borrowed overseas notice (21–25 fields; fields an older layout lacks read as empty).
    view H0gscni0;
    /// An owned overseas notice; encodes all 25 fields.
    owned H0gscni0Owned;
    tr "H0GSCNI0", min 21;
    fields {
        0 cust_id "CUST_ID": text;
        1 acnt_no "ACNT_NO": text;
        2 oder_no "ODER_NO": text;
        3 ooder_no "OODER_NO": text;
        4 seln_byov_cls "SELN_BYOV_CLS": text;
        5 rctf_cls "RCTF_CLS": text;
        6 oder_kind2 "ODER_KIND2": text;
        7 stck_shrn_iscd "STCK_SHRN_ISCD": text;
        8 cntg_qty "CNTG_QTY": z10;
        9 cntg_unpr "CNTG_UNPR": z9;
        10 stck_cntg_hour "STCK_CNTG_HOUR": ohms;
        11 rfus_yn "RFUS_YN": text;
        12 cntg_yn "CNTG_YN": text;
        13 acpt_yn "ACPT_YN": text;
        14 brnc_no "BRNC_NO": text;
        15 oder_qty "ODER_QTY": oz10;
        16 acnt_name "ACNT_NAME": text;
        17 cntg_isnm "CNTG_ISNM": text;
        18 oder_cond "ODER_COND": text;
        19 debt_gb "DEBT_GB": text;
        20 debt_date "DEBT_DATE": text;
        21 start_tm "START_TM": text;
        22 end_tm "END_TM": text;
        23 tm_div_tp "TM_DIV_TP": text;
        24 cntg_unpr12 "CNTG_UNPR12": text;
    }
}

/// The market code in `ODER_COND`, which fixes the implied decimals of the notice price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeMarket {
    /// `6`
    Nasdaq,
    /// `7`
    Nyse,
    /// `8`
    Amex,
    /// `9`
    Otcbb,
    /// `4` (HKD)
    HongKong,
    /// `C` (CNY)
    HongKongCny,
    /// `5`
    ShanghaiB,
    /// `A`
    ShanghaiA,
    /// `B`
    ShenzhenB,
    /// `D`
    Tokyo,
    /// `E`
    Hanoi,
    /// `F`
    HoChiMinh,
}

impl NoticeMarket {
    /// Parses the `ODER_COND` code.
    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "6" => Self::Nasdaq,
            "7" => Self::Nyse,
            "8" => Self::Amex,
            "9" => Self::Otcbb,
            "4" => Self::HongKong,
            "C" => Self::HongKongCny,
            "5" => Self::ShanghaiB,
            "A" => Self::ShanghaiA,
            "B" => Self::ShenzhenB,
            "D" => Self::Tokyo,
            "E" => Self::Hanoi,
            "F" => Self::HoChiMinh,
            _ => return None,
        })
    }

    /// The wire code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nasdaq => "6",
            Self::Nyse => "7",
            Self::Amex => "8",
            Self::Otcbb => "9",
            Self::HongKong => "4",
            Self::HongKongCny => "C",
            Self::ShanghaiB => "5",
            Self::ShanghaiA => "A",
            Self::ShenzhenB => "B",
            Self::Tokyo => "D",
            Self::Hanoi => "E",
            Self::HoChiMinh => "F",
        }
    }

    /// Decimals implied in `CNTG_UNPR` (§9.6).
    pub fn implied_decimals(self) -> u32 {
        match self {
            Self::Nasdaq | Self::Nyse | Self::Amex | Self::Otcbb => 4,
            Self::Tokyo => 1,
            Self::HongKong | Self::HongKongCny | Self::ShanghaiB | Self::ShanghaiA | Self::ShenzhenB => 3,
            Self::Hanoi | Self::HoChiMinh => 0,
        }
    }
}

impl<'a> H0gscni0<'a> {
    #[inline]
    fn at(&self, index: usize) -> Option<&'a str> {
        self.record.field(index)
    }

    /// The market (`ODER_COND`).
    pub fn market(&self) -> Result<NoticeMarket, WsFieldError> {
        let code = self.oder_cond();
        NoticeMarket::from_code(code)
            .ok_or_else(|| WsFieldError::new(Self::TR_ID, "ODER_COND", code, WsFieldErrorKind::UnknownCode))
    }

    /// `CNTG_UNPR` with the market's implied decimals applied (`001480100` on a US market = 148.0100).
    pub fn price(&self) -> Result<Decimal, WsFieldError> {
        let decimals = self.market()?.implied_decimals();
        Ok(Decimal::new(self.cntg_unpr()?, decimals))
    }

    /// Order quantity on receipts, fill quantity on fills.
    #[inline]
    pub fn qty(&self) -> Result<i64, WsFieldError> {
        self.cntg_qty()
    }

    /// `CNTG_YN` = `2`: a fill.
    #[inline]
    pub fn is_fill(&self) -> bool {
        self.cntg_yn() == "2"
    }

    /// `RFUS_YN` = `1`: the order was rejected.
    #[inline]
    pub fn is_rejected(&self) -> bool {
        self.rfus_yn() == "1"
    }

    /// Parses one decrypted payload record (`tr_id` only labels errors).
    pub fn parse(tr_id: &'a str, text: &'a str) -> Result<Self, WsError> {
        Self::new(Record::parse(tr_id, text)?)
    }
}
