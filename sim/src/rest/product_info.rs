//! `search-info` (CTPF1604R): the product master of a listing, from the synthetic universe's names.

use kis_model::{Symbol, UsExchange};
use kis_protocol::rest::product_info::*;

use crate::exchange::Exchange;
use crate::kis_error::{self as kis};
use crate::rest::{Call, Handled, decode, inquiry};

/// The listing a `PDNO` + `PRDT_TYPE_CD` pair names, if the product type is one the simulator lists.
fn listing(pdno: &str, prdt_type_cd: &str) -> Option<Symbol> {
    let pdno = pdno.trim();
    match prdt_type_cd.trim() {
        PRDT_TYPE_KRX_STOCK => Symbol::krx(pdno).ok(),
        PRDT_TYPE_NASDAQ => Symbol::us(UsExchange::Nasdaq, pdno).ok(),
        PRDT_TYPE_NYSE => Symbol::us(UsExchange::Nyse, pdno).ok(),
        PRDT_TYPE_AMEX => Symbol::us(UsExchange::Amex, pdno).ok(),
        _ => None,
    }
}

/// An ISIN with a valid check digit (ISO 6166: letters as two digits, Luhn over the digit string).
pub fn isin(prefix_and_body: &str) -> String {
    let digits: String = prefix_and_body
        .chars()
        .map(|c| if c.is_ascii_digit() { c.to_string() } else { (c.to_ascii_uppercase() as u32 - 55).to_string() })
        .collect();
    let sum: u32 = digits
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).unwrap_or(0);
            if i % 2 == 0 {
                let x = d * 2;
                x / 10 + x % 10
            } else {
                d
            }
        })
        .sum();
    format!("{prefix_and_body}{}", (10 - sum % 10) % 10)
}

pub fn search_info(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let req = decode(call.params, SearchInfoRequest::from_pairs)?;
    if req.pdno.trim().is_empty() || req.prdt_type_cd.trim().is_empty() {
        return Err(kis::BAD_REQUEST);
    }
    let symbol = listing(&req.pdno, &req.prdt_type_cd).filter(|s| ex.feed_of(s).is_some()).ok_or(kis::NO_DATA)?;
    let name = ex.names.get(&symbol).cloned().unwrap_or_else(|| symbol.code().to_string());
    let (std_pdno, clsf_cd, clsf_name, eng) = match symbol {
        Symbol::Krx(_) => {
            (isin(&format!("KR7{}00", symbol.code())), "101210", "주권", format!("{} Co., Ltd.", symbol.code()))
        }
        Symbol::Us(..) => (isin(&format!("US{:0>9}", symbol.code())), "101210", "해외주식", name.clone()),
    };
    let output = SearchInfoOutput {
        pdno: format!("{:0>12}", symbol.code()),
        prdt_type_cd: req.prdt_type_cd.trim().to_string(),
        prdt_name: name.clone(),
        prdt_name120: name.clone(),
        prdt_abrv_name: name,
        prdt_eng_name: eng.clone(),
        prdt_eng_name120: eng.clone(),
        prdt_eng_abrv_name: eng,
        std_pdno,
        shtn_pdno: symbol.code().to_string(),
        prdt_sale_stat_cd: "".into(),
        prdt_risk_grad_cd: "".into(),
        prdt_clsf_cd: clsf_cd.into(),
        prdt_clsf_name: clsf_name.into(),
        sale_strt_dt: "".into(),
        sale_end_dt: "".into(),
        wrap_asst_type_cd: "".into(),
        ivst_prdt_type_cd: "".into(),
        ivst_prdt_type_cd_name: "".into(),
        frst_erlm_dt: "20000101".into(),
    };
    inquiry(SearchInfoBody { output })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isin_check_digits_match_real_ones() {
        assert_eq!(isin("KR700593000"), "KR7005930003");
        assert_eq!(isin("US037833100"), "US0378331005");
    }

    #[test]
    fn product_types_name_their_listing() {
        assert_eq!(listing("005930", "300"), Symbol::krx("005930").ok());
        assert_eq!(listing("AAPL", "512"), Symbol::us(UsExchange::Nasdaq, "AAPL").ok());
        assert_eq!(listing("AAPL", "515"), None);
    }
}
