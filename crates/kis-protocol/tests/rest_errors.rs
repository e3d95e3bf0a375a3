//! Classification of failed replies: every known code, with HTTP 200 and 500, plus unusable bodies.

use std::time::Duration;

use kis_protocol::error_class::{CODE_TABLE, ErrorClass, classify_code};
use kis_protocol::rest::decode::{classify_reply, decode_plain, decode_reply};
use kis_protocol::rest::domestic_account::BalanceBody;
use kis_protocol::rest::domestic_quote::InquirePriceBody;
use kis_protocol::rest::oauth::TokenResponse;
use kis_protocol::rest::order_ack::OrderAckBody;

fn body(rt_cd: &str, msg_cd: &str, msg1: &str) -> Vec<u8> {
    serde_json::json!({ "rt_cd": rt_cd, "msg_cd": msg_cd, "msg1": msg1 }).to_string().into_bytes()
}

#[test]
fn every_known_code_with_http_200_and_500() {
    let cases = [
        ("EGW00123", "기간이 만료된 token 입니다.", ErrorClass::TokenExpired),
        ("EGW00121", "유효하지 않은 token 입니다.", ErrorClass::TokenInvalid),
        ("EGW00133", "접근토큰발급 잠시후 다시 시도하세요(1분당 1회)", ErrorClass::TokenIssueTooSoon),
        ("EGW00201", "초당 거래건수를 초과하였습니다.", ErrorClass::RateLimited),
        ("EGW00215", "원장에서 허용 가능한 초당 거래건수를 초과하였습니다.", ErrorClass::RateLimited),
        ("EGW02004", "실전투자 도메인은 모의투자 앱키로 호출하실 수 없습니다.", ErrorClass::WrongDomain),
        ("APBK0919", "장운영시간이 아닙니다", ErrorClass::MarketClosed),
        ("APBK1664", "장운영시간이 아닙니다", ErrorClass::MarketClosed),
        ("MCA05918", "종목코드 오류입니다.", ErrorClass::UnknownSymbol),
        ("APBK0656", "해당종목정보가 없습니다", ErrorClass::UnknownSymbol),
        ("APBK0986", "주문가능금액을 초과 했습니다", ErrorClass::Rejected),
        ("EGW99999", "알 수 없음", ErrorClass::Unknown),
    ];
    assert_eq!(CODE_TABLE.len(), 10, "every table entry is exercised above");
    for (code, text, class) in cases {
        for status in [200u16, 500] {
            let padded = format!("{text}      ");
            let error = decode_reply::<InquirePriceBody>(status, &body("1", code, &padded)).unwrap_err();
            assert_eq!(error.class, class, "{code} at HTTP {status}");
            assert_eq!(error.msg_cd, code);
            assert_eq!(error.msg1, text, "msg1 is trimmed");
            assert_eq!(error.rt_cd, "1");
            assert_eq!(error.http_status, status);
            assert_eq!(classify_reply(status, &body("1", code, text)).map(|e| e.class), Some(class));
            let rendered = error.to_string();
            assert!(rendered.contains(code) && rendered.contains(&status.to_string()), "{rendered}");
        }
    }
}

#[test]
fn retry_policy_per_class() {
    assert!(ErrorClass::TokenExpired.is_retryable() && ErrorClass::TokenExpired.needs_new_token());
    assert!(ErrorClass::TokenInvalid.needs_new_token());
    assert_eq!(ErrorClass::TokenIssueTooSoon.retry_after(), Some(Duration::from_secs(60)));
    assert!(!ErrorClass::TokenIssueTooSoon.needs_new_token());
    assert!(ErrorClass::RateLimited.is_retryable());
    assert!(ErrorClass::RateLimited.retry_after().is_some());
    assert!(ErrorClass::Transient.is_retryable());
    for class in [
        ErrorClass::MarketClosed,
        ErrorClass::UnknownSymbol,
        ErrorClass::Rejected,
        ErrorClass::WrongDomain,
        ErrorClass::Malformed,
        ErrorClass::Unknown,
    ] {
        assert!(!class.is_retryable(), "{class}");
        assert_eq!(class.retry_after(), None, "{class}");
    }
}

#[test]
fn oauth_error_form_on_403() {
    let reply = r#"{"error_description":"접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)","error_code":"EGW00133"}"#;
    let error = decode_plain::<TokenResponse>(403, reply.as_bytes()).unwrap_err();
    assert_eq!(error.class, ErrorClass::TokenIssueTooSoon);
    assert_eq!(error.msg_cd, "EGW00133");
    assert_eq!(error.msg1, "접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)");
    assert_eq!(error.retry_after(), Some(Duration::from_secs(60)));
    // Same body with HTTP 200 is still an error, never an empty token.
    assert_eq!(decode_plain::<TokenResponse>(200, reply.as_bytes()).unwrap_err().class, ErrorClass::TokenIssueTooSoon);
    // The envelope form on a token endpoint is classified too.
    let enveloped = body("1", "EGW00133", "접근토큰발급 잠시후 다시 시도하세요(1분당 1회)");
    assert_eq!(decode_plain::<TokenResponse>(500, &enveloped).unwrap_err().class, ErrorClass::TokenIssueTooSoon);
}

#[test]
fn no_data_is_an_empty_result() {
    let reply = decode_reply::<BalanceBody>(200, &body("7", "KIER2620", "조회할 자료가 없습니다   ")).unwrap();
    assert!(reply.is_no_data());
    assert_eq!(reply.message(), "조회할 자료가 없습니다");
    assert!(reply.body.output1.is_empty());
    assert!(reply.body.output2.is_empty());
    assert_eq!(classify_reply(200, &body("7", "KIER2620", "")), None);
}

#[test]
fn uppercase_envelope_keys_are_accepted() {
    let reply = r#"{"RT_CD":"1","MSG_CD":"EGW00201","MSG1":"초당 거래건수를 초과하였습니다."}"#;
    assert_eq!(decode_reply::<OrderAckBody>(500, reply.as_bytes()).unwrap_err().class, ErrorClass::RateLimited);
}

#[test]
fn unusable_bodies() {
    let truncated = br#"{"rt_cd":"0","msg_cd":"MCA00000","output":{"stck_prpr":"1285"#;
    for status in [200u16, 500] {
        let error = decode_reply::<InquirePriceBody>(status, truncated).unwrap_err();
        assert_eq!(error.class, ErrorClass::Transient, "truncated at {status}");
        assert!(error.detail.is_some());
    }
    assert_eq!(decode_reply::<InquirePriceBody>(500, b"").unwrap_err().class, ErrorClass::Transient);
    assert_eq!(decode_reply::<InquirePriceBody>(200, b"").unwrap_err().class, ErrorClass::Transient);
    let html = b"<html><body>502 Bad Gateway</body></html>";
    assert_eq!(decode_reply::<InquirePriceBody>(502, html).unwrap_err().class, ErrorClass::Transient);
    assert_eq!(decode_reply::<InquirePriceBody>(200, html).unwrap_err().class, ErrorClass::Malformed);
    assert_eq!(decode_reply::<InquirePriceBody>(200, b"[1,2]").unwrap_err().class, ErrorClass::Malformed);
    // Complete JSON in the wrong shape: output is a number.
    let wrong = br#"{"rt_cd":"0","msg_cd":"MCA00000","msg1":"","output":{"stck_prpr":128500}}"#;
    let error = decode_reply::<InquirePriceBody>(200, wrong).unwrap_err();
    assert_eq!(error.class, ErrorClass::Malformed);
    assert!(!error.is_retryable());
    // No rt_cd at all on a /uapi reply.
    assert_eq!(decode_reply::<InquirePriceBody>(200, b"{}").unwrap_err().class, ErrorClass::Malformed);
    assert_eq!(decode_reply::<InquirePriceBody>(503, b"{}").unwrap_err().class, ErrorClass::Transient);
    // A failure without a code on a 5xx is transient; on a 2xx it is unknown.
    assert_eq!(decode_reply::<InquirePriceBody>(500, &body("1", "", "")).unwrap_err().class, ErrorClass::Transient);
    assert_eq!(decode_reply::<InquirePriceBody>(200, &body("1", "", "")).unwrap_err().class, ErrorClass::Unknown);
}

#[test]
fn code_lookup_ignores_case_and_blanks() {
    assert_eq!(classify_code(" egw00123 "), ErrorClass::TokenExpired);
    assert_eq!(classify_code("EGW00999"), ErrorClass::Unknown);
    assert_eq!(classify_code("APBK9999"), ErrorClass::Rejected);
    assert_eq!(classify_code(""), ErrorClass::Unknown);
}
