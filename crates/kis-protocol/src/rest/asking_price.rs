//! Order book + expected fill (`inquire-asking-price-exp-ccn`, FHKST01010200): the REST form of H0STASP0,
//! ten levels a side, and the auction's expected price in `output2`.

use serde::{Deserialize, Serialize};

use crate::rest::endpoint::rest_request;
use crate::rest::envelope::single;
use crate::rest::wire::{wire_record, wire_request};
use crate::tr_id::Op;

pub const ASKING_PRICE_PATH: &str = "/uapi/domestic-stock/v1/quotations/inquire-asking-price-exp-ccn";

wire_request! {
    /// `inquire-asking-price-exp-ccn` (FHKST01010200, real and paper).
    pub struct AskingPriceRequest {
        fid_cond_mrkt_div_code: String = "FID_COND_MRKT_DIV_CODE",
        fid_input_iscd: String = "FID_INPUT_ISCD",
    }
}

rest_request!(AskingPriceRequest, Get ASKING_PRICE_PATH, Op::DomesticAskingPrice, AskingPriceBody);

wire_record! {
    /// `output1`: the book, in KIS's order (`askp1` best ask … `askp10`; quantities `*_rsqn*`, changes
    /// `*_icdc*`).
    pub struct AskingPriceBook {
        /// HHMMSS of the book.
        aspr_acpt_hour: text,
        askp1: dec,
        askp2: dec,
        askp3: dec,
        askp4: dec,
        askp5: dec,
        askp6: dec,
        askp7: dec,
        askp8: dec,
        askp9: dec,
        askp10: dec,
        bidp1: dec,
        bidp2: dec,
        bidp3: dec,
        bidp4: dec,
        bidp5: dec,
        bidp6: dec,
        bidp7: dec,
        bidp8: dec,
        bidp9: dec,
        bidp10: dec,
        askp_rsqn1: int,
        askp_rsqn2: int,
        askp_rsqn3: int,
        askp_rsqn4: int,
        askp_rsqn5: int,
        askp_rsqn6: int,
        askp_rsqn7: int,
        askp_rsqn8: int,
        askp_rsqn9: int,
        askp_rsqn10: int,
        bidp_rsqn1: int,
        bidp_rsqn2: int,
        bidp_rsqn3: int,
        bidp_rsqn4: int,
        bidp_rsqn5: int,
        bidp_rsqn6: int,
        bidp_rsqn7: int,
        bidp_rsqn8: int,
        bidp_rsqn9: int,
        bidp_rsqn10: int,
        askp_rsqn_icdc1: int,
        askp_rsqn_icdc2: int,
        askp_rsqn_icdc3: int,
        askp_rsqn_icdc4: int,
        askp_rsqn_icdc5: int,
        askp_rsqn_icdc6: int,
        askp_rsqn_icdc7: int,
        askp_rsqn_icdc8: int,
        askp_rsqn_icdc9: int,
        askp_rsqn_icdc10: int,
        bidp_rsqn_icdc1: int,
        bidp_rsqn_icdc2: int,
        bidp_rsqn_icdc3: int,
        bidp_rsqn_icdc4: int,
        bidp_rsqn_icdc5: int,
        bidp_rsqn_icdc6: int,
        bidp_rsqn_icdc7: int,
        bidp_rsqn_icdc8: int,
        bidp_rsqn_icdc9: int,
        bidp_rsqn_icdc10: int,
        total_askp_rsqn: int,
        total_bidp_rsqn: int,
        total_askp_rsqn_icdc: int,
        total_bidp_rsqn_icdc: int,
        ovtm_total_askp_icdc: int,
        ovtm_total_bidp_icdc: int,
        ovtm_total_askp_rsqn: int,
        ovtm_total_bidp_rsqn: int,
        ntby_aspr_rsqn: int,
        new_mkop_cls_code: text,
    }
}

wire_record! {
    /// `output2`: quote and expected (auction) fill.
    pub struct AskingPriceExpected {
        antc_mkop_cls_code: text,
        stck_prpr: dec,
        stck_oprc: dec,
        stck_hgpr: dec,
        stck_lwpr: dec,
        stck_sdpr: dec,
        antc_cnpr: dec,
        antc_cntg_vrss_sign: text,
        antc_cntg_vrss: dec,
        antc_cntg_prdy_ctrt: dec,
        antc_vol: int,
        stck_shrn_iscd: text,
        vi_cls_code: text,
    }
}

/// One side's level `i` (1-based): price and quantity as wire text.
pub type LevelText = (String, String);

impl AskingPriceBook {
    /// Sets level `i` (1 to 10) of both sides; other indices are ignored. Writing the 40 level fields through
    /// one match keeps callers free of field-name arithmetic.
    pub fn set_level(&mut self, i: usize, ask: LevelText, bid: LevelText) {
        let slots = match i {
            1 => (
                &mut self.askp1,
                &mut self.askp_rsqn1,
                &mut self.bidp1,
                &mut self.bidp_rsqn1,
                &mut self.askp_rsqn_icdc1,
                &mut self.bidp_rsqn_icdc1,
            ),
            2 => (
                &mut self.askp2,
                &mut self.askp_rsqn2,
                &mut self.bidp2,
                &mut self.bidp_rsqn2,
                &mut self.askp_rsqn_icdc2,
                &mut self.bidp_rsqn_icdc2,
            ),
            3 => (
                &mut self.askp3,
                &mut self.askp_rsqn3,
                &mut self.bidp3,
                &mut self.bidp_rsqn3,
                &mut self.askp_rsqn_icdc3,
                &mut self.bidp_rsqn_icdc3,
            ),
            4 => (
                &mut self.askp4,
                &mut self.askp_rsqn4,
                &mut self.bidp4,
                &mut self.bidp_rsqn4,
                &mut self.askp_rsqn_icdc4,
                &mut self.bidp_rsqn_icdc4,
            ),
            5 => (
                &mut self.askp5,
                &mut self.askp_rsqn5,
                &mut self.bidp5,
                &mut self.bidp_rsqn5,
                &mut self.askp_rsqn_icdc5,
                &mut self.bidp_rsqn_icdc5,
            ),
            6 => (
                &mut self.askp6,
                &mut self.askp_rsqn6,
                &mut self.bidp6,
                &mut self.bidp_rsqn6,
                &mut self.askp_rsqn_icdc6,
                &mut self.bidp_rsqn_icdc6,
            ),
            7 => (
                &mut self.askp7,
                &mut self.askp_rsqn7,
                &mut self.bidp7,
                &mut self.bidp_rsqn7,
                &mut self.askp_rsqn_icdc7,
                &mut self.bidp_rsqn_icdc7,
            ),
            8 => (
                &mut self.askp8,
                &mut self.askp_rsqn8,
                &mut self.bidp8,
                &mut self.bidp_rsqn8,
                &mut self.askp_rsqn_icdc8,
                &mut self.bidp_rsqn_icdc8,
            ),
            9 => (
                &mut self.askp9,
                &mut self.askp_rsqn9,
                &mut self.bidp9,
                &mut self.bidp_rsqn9,
                &mut self.askp_rsqn_icdc9,
                &mut self.bidp_rsqn_icdc9,
            ),
            10 => (
                &mut self.askp10,
                &mut self.askp_rsqn10,
                &mut self.bidp10,
                &mut self.bidp_rsqn10,
                &mut self.askp_rsqn_icdc10,
                &mut self.bidp_rsqn_icdc10,
            ),
            _ => return,
        };
        (*slots.0, *slots.1, *slots.2, *slots.3) = (ask.0, ask.1, bid.0, bid.1);
        (*slots.4, *slots.5) = ("0".to_string(), "0".to_string());
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AskingPriceBody {
    #[serde(deserialize_with = "single")]
    pub output1: AskingPriceBook,
    #[serde(deserialize_with = "single")]
    pub output2: AskingPriceExpected,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_land_in_their_fields() {
        let mut b = AskingPriceBook::default();
        b.set_level(1, ("100".into(), "5".into()), ("99".into(), "7".into()));
        b.set_level(10, ("110".into(), "1".into()), ("90".into(), "2".into()));
        b.set_level(11, ("1".into(), "1".into()), ("1".into(), "1".into()));
        assert_eq!(
            (b.askp1.as_str(), b.askp_rsqn1.as_str(), b.bidp1.as_str(), b.bidp_rsqn1.as_str()),
            ("100", "5", "99", "7")
        );
        assert_eq!((b.askp10.as_str(), b.bidp10.as_str(), b.askp_rsqn_icdc10.as_str()), ("110", "90", "0"));
        assert_eq!(b.askp2, "");
    }
}
