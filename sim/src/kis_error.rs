//! Every refusal the simulator sends, with the KIS `msg_cd`/`msg1` and HTTP status it uses: ONE table, so a
//! code KIS turns out to spell differently is changed in one line. Codes marked *unconfirmed* follow
//! kis-protocol.md §11/§13 (no authoritative source); the others were seen from the live service.

use kis_engine::RejectReason;
use kis_model::{Market, Symbol};

/// A KIS error reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KisError {
    pub http_status: u16,
    pub rt_cd: &'static str,
    pub msg_cd: &'static str,
    pub msg1: &'static str,
}

const fn gateway(msg_cd: &'static str, msg1: &'static str) -> KisError {
    // The status of gateway errors is configurable (RestConfig::gateway_error_status); 500 is the default.
    KisError { http_status: 500, rt_cd: "1", msg_cd, msg1 }
}

const fn business(msg_cd: &'static str, msg1: &'static str) -> KisError {
    KisError { http_status: 200, rt_cd: "1", msg_cd, msg1 }
}

pub const TOKEN_EXPIRED: KisError = gateway("EGW00123", "기간이 만료된 token 입니다.");
pub const TOKEN_INVALID: KisError = gateway("EGW00121", "유효하지 않은 token 입니다.");
pub const TOKEN_TOO_SOON: KisError = KisError {
    http_status: 403,
    rt_cd: "1",
    msg_cd: "EGW00133",
    msg1: "접근토큰발급 잠시후 다시 시도하세요(1분당 1회)",
};
pub const RATE_LIMITED: KisError = gateway("EGW00201", "초당 거래건수를 초과하였습니다.");
/// Unconfirmed code: an appkey the simulator does not know (listed-accounts mode).
pub const BAD_APPKEY: KisError = gateway("EGW00103", "유효하지 않은 AppKey입니다.");
/// Unconfirmed code: the appsecret does not belong to the appkey.
pub const BAD_APPSECRET: KisError = gateway("EGW00105", "유효하지 않은 AppSecret입니다.");
/// Unconfirmed code: a `tr_id` header missing, unknown, or not served at the path.
pub const BAD_TR_ID: KisError = gateway("EGW00202", "GW라우팅 중 오류가 발생했습니다.");
/// Unconfirmed code: a real-only TR called on paper (or a paper `V…` id on the real service).
pub const NOT_ON_THIS_ENV: KisError = business("OPSQ0002", "모의투자에서는 해당업무가 제공되지 않습니다.");
/// Unconfirmed code: a request whose parameters cannot be decoded.
pub const BAD_REQUEST: KisError = business("OPSQ2001", "필수항목 누락 또는 입력값 오류입니다.");
/// Unconfirmed code: the CANO/ACNT_PRDT_CD does not match the appkey's account (listed-accounts mode).
pub const BAD_ACCOUNT: KisError = business("OPSQ0011", "계좌번호가 유효하지 않습니다.");
pub const UNKNOWN_SYMBOL_QUOTE: KisError = business("MCA05918", "종목코드 오류입니다.");
/// Unconfirmed text.
/// *unconfirmed* code; `rt_cd` 7 is KIS's "no data" (python-kis tries the next product type on it).
pub const NO_DATA: KisError =
    KisError { http_status: 200, rt_cd: "7", msg_cd: "KIOK0560", msg1: "조회할 내용이 없습니다" };
pub const UNKNOWN_SYMBOL_ORDER: KisError = business("APBK0656", "해당종목정보가 없습니다.");
/// Unconfirmed text.
pub const KRX_CLOSED: KisError = business("APBK0919", "장운영시간이 아닙니다.");
/// Unconfirmed text.
pub const US_CLOSED: KisError = business("APBK1664", "해외주식 주문가능시간이 아닙니다.");
/// Unconfirmed code (text seen in community logs).
pub const INSUFFICIENT_CASH: KisError = business("APBK0952", "주문가능금액을 초과 했습니다");
/// Unconfirmed code.
pub const INSUFFICIENT_HOLDINGS: KisError = business("APBK0400", "주문가능수량을 초과하였습니다.");
/// Unconfirmed code.
pub const OFF_TICK: KisError = business("APBK0506", "호가단위가 올바르지 않습니다.");
/// Unconfirmed code.
pub const OUTSIDE_LIMITS: KisError = business("APBK0507", "상하한가 범위를 벗어난 주문입니다.");
/// Unconfirmed code: quantity zero or not a number.
pub const BAD_QTY: KisError = business("APBK0404", "주문수량을 확인하여 주십시오.");
/// Unconfirmed code: an ORD_DVSN the market (or paper, or the simulator) does not take.
pub const BAD_ORD_DVSN: KisError = business("APBK0508", "주문구분이 올바르지 않습니다.");
/// Unconfirmed code: modify/cancel of an order that is unknown or no longer open.
pub const NO_SUCH_ORDER: KisError = business("APBK0344", "정정취소 가능한 주문이 없습니다.");
/// Unconfirmed code.
pub const BAD_MODIFY: KisError = business("APBK0345", "정정취소 수량을 확인하여 주십시오.");

/// The KIS answer to an engine refusal.
pub fn for_reject(reason: &RejectReason) -> KisError {
    match reason {
        RejectReason::ZeroQty => BAD_QTY,
        RejectReason::UnknownSymbol(_) => UNKNOWN_SYMBOL_ORDER,
        RejectReason::MarketClosed(symbol) => closed(symbol),
        RejectReason::UsMarketOrder(_) | RejectReason::CodeMarketMismatch { .. } => BAD_ORD_DVSN,
        RejectReason::OffTick { .. } => OFF_TICK,
        RejectReason::OutsideDailyLimits { .. } => OUTSIDE_LIMITS,
        RejectReason::InsufficientCash { .. } => INSUFFICIENT_CASH,
        RejectReason::InsufficientHoldings { .. } => INSUFFICIENT_HOLDINGS,
        RejectReason::AmountOverflow { .. } => BAD_QTY,
        RejectReason::UnknownOrder(_) | RejectReason::OrderFinal(_) => NO_SUCH_ORDER,
        RejectReason::NothingToModify(_) | RejectReason::ModifyBelowFilled { .. } => BAD_MODIFY,
        RejectReason::OrderNumbersExhausted => business("APBK0999", "주문번호가 소진되었습니다."),
    }
}

pub fn closed(symbol: &Symbol) -> KisError {
    match symbol.market() {
        Market::Krx => KRX_CLOSED,
        Market::Us => US_CLOSED,
    }
}

impl KisError {
    /// The JSON body KIS sends.
    pub fn body(&self) -> String {
        serde_json::json!({"rt_cd": self.rt_cd, "msg_cd": self.msg_cd, "msg1": self.msg1}).to_string()
    }

    pub fn is_gateway(&self) -> bool {
        self.msg_cd.starts_with("EGW")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kis_model::{Price, Qty};

    #[test]
    fn every_reject_reason_has_a_code() {
        let s = Symbol::parse("005930").unwrap();
        let us = Symbol::parse("NASDAQ:AAPL").unwrap();
        assert_eq!(for_reject(&RejectReason::MarketClosed(s)).msg_cd, "APBK0919");
        assert_eq!(for_reject(&RejectReason::MarketClosed(us)).msg_cd, "APBK1664");
        let off = RejectReason::OffTick { price: Price::from_won(70_050), tick: 100.into() };
        assert_eq!(for_reject(&off).msg_cd, "APBK0506");
        let over = RejectReason::AmountOverflow { price: Price::from_won(1), qty: Qty::new(1) };
        assert_eq!(for_reject(&over).msg_cd, "APBK0404");
        assert!(TOKEN_EXPIRED.is_gateway() && !INSUFFICIENT_CASH.is_gateway());
        let body: serde_json::Value = serde_json::from_str(&RATE_LIMITED.body()).unwrap();
        assert_eq!(body["msg_cd"], "EGW00201");
    }
}
