//! Requests: wire names and order, case-insensitive decoding (simulator side), path/method/TR id.

use kis_model::Side;
use kis_protocol::rest::domestic_account::{BalanceRequest, CcldWindow, DailyCcld, DailyCcldQuery};
use kis_protocol::rest::domestic_order::{OrderCash, OrderCashBody, OrderRvsecnclBody};
use kis_protocol::rest::domestic_quote::InquirePriceRequest;
use kis_protocol::rest::domestic_rank::{FluctuationRankRequest, VolumeRankRequest};
use kis_protocol::rest::endpoint::{Method, RestRequest};
use kis_protocol::rest::overseas_order::{UsDaytimeOrder, UsModifyCancelBody, UsOrder, UsOrderBody};
use kis_protocol::rest::pagination::{Continuation, PagedRequest, is_next_page_request};
use kis_protocol::rest::wire::RequestError;
use kis_protocol::tr_id::{Environment, Op};
use serde_json::Value;

fn sample_value(name: &str) -> Value {
    let path = format!("{}/../../testdata/kis-samples/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read sample {path}: {e}"));
    serde_json::from_slice(&bytes).expect("sample is JSON")
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn kr_order_body() -> OrderCashBody {
    OrderCashBody {
        cano: "810XXXXX".into(),
        acnt_prdt_cd: "01".into(),
        pdno: "009150".into(),
        ord_dvsn: "00".into(),
        ord_qty: "3".into(),
        ord_unpr: "150000".into(),
        sll_type: None,
        cndt_pric: None,
        excg_id_dvsn_cd: None,
    }
}

#[test]
fn order_cash_serializes_to_the_documented_body() {
    let expected = sample_value("official_rest_kr_order_cash_request.json");
    let order = OrderCash { side: Side::Buy, body: kr_order_body() };
    let sent: Value = serde_json::from_str(&order.json_body()).unwrap();
    assert_eq!(sent, expected);
    // The serde path gives the same object (the simulator may use either).
    assert_eq!(serde_json::to_value(&order.body).unwrap(), expected);
    assert_eq!(OrderCash::PATH, "/uapi/domestic-stock/v1/trading/order-cash");
    assert_eq!(OrderCash::METHOD, Method::Post);
    assert_eq!(order.tr_id(Environment::Real), Some("TTTC0012U"));
    assert_eq!(order.tr_id(Environment::Paper), Some("VTTC0012U"));
    let sell = OrderCash { side: Side::Sell, ..order };
    assert_eq!(sell.tr_id(Environment::Real), Some("TTTC0011U"));
    assert_eq!(sell.tr_id(Environment::Paper), Some("VTTC0011U"));
}

#[test]
fn optional_order_fields_are_sent_only_when_set() {
    let mut body = kr_order_body();
    body.ord_dvsn = "22".into();
    body.cndt_pric = Some("149000".into());
    body.excg_id_dvsn_cd = Some("KRX".into());
    let sent: Value = serde_json::from_str(&body.to_json()).unwrap();
    assert_eq!(sent["CNDT_PRIC"], "149000");
    assert_eq!(sent["EXCG_ID_DVSN_CD"], "KRX");
    assert!(sent.get("SLL_TYPE").is_none());
    assert_eq!(OrderCashBody::from_json(body.to_json().as_bytes()).unwrap(), body);
}

#[test]
fn post_bodies_decode_case_insensitively_and_require_strings() {
    let lower =
        br#"{"cano":"810XXXXX","acnt_prdt_cd":"01","pdno":"009150","ord_dvsn":"00","ord_qty":"3","ord_unpr":"150000"}"#;
    assert_eq!(OrderCashBody::from_json(lower).unwrap(), kr_order_body());

    let numeric =
        br#"{"CANO":"810XXXXX","ACNT_PRDT_CD":"01","PDNO":"009150","ORD_DVSN":"00","ORD_QTY":3,"ORD_UNPR":"0"}"#;
    assert_eq!(OrderCashBody::from_json(numeric), Err(RequestError::NotAString("ORD_QTY".into())));

    let missing = br#"{"CANO":"810XXXXX","ACNT_PRDT_CD":"01","PDNO":"009150","ORD_DVSN":"00","ORD_QTY":"3"}"#;
    assert_eq!(OrderCashBody::from_json(missing), Err(RequestError::Missing("ORD_UNPR")));

    assert!(matches!(OrderCashBody::from_json(b"[1,2]"), Err(RequestError::NotAnObject(_))));
    assert!(matches!(OrderCashBody::from_json(b"{\"CANO\":"), Err(RequestError::NotAnObject(_))));
}

#[test]
fn get_query_pairs_in_documented_order_and_back() {
    let request = InquirePriceRequest { fid_cond_mrkt_div_code: "J".into(), fid_input_iscd: "005930".into() };
    assert_eq!(
        request.params(),
        vec![("FID_COND_MRKT_DIV_CODE", "J".to_string()), ("FID_INPUT_ISCD", "005930".to_string())]
    );
    assert_eq!(InquirePriceRequest::METHOD, Method::Get);
    assert_eq!(request.tr_id(Environment::Paper), Some("FHKST01010100"));
    let received = pairs(&[("fid_input_iscd", "005930"), ("Fid_Cond_Mrkt_Div_Code", "J"), ("extra", "x")]);
    assert_eq!(InquirePriceRequest::from_pairs(&received).unwrap(), request);
    assert_eq!(
        InquirePriceRequest::from_pairs(&pairs(&[("FID_INPUT_ISCD", "005930")])),
        Err(RequestError::Missing("FID_COND_MRKT_DIV_CODE"))
    );
}

#[test]
fn lowercase_spec_params_accept_uppercase() {
    let mut received: Vec<(String, String)> =
        FluctuationRankRequest::WIRE_NAMES.iter().map(|n| (n.to_ascii_uppercase(), "0".to_string())).collect();
    received[0].1 = "J".into();
    let request = FluctuationRankRequest::from_pairs(&received).unwrap();
    assert_eq!(request.fid_cond_mrkt_div_code, "J");
    assert_eq!(request.params()[0], ("fid_cond_mrkt_div_code", "J".to_string()));
    assert_eq!(request.tr_id(Environment::Real), Some("FHPST01700000"));
    assert_eq!(request.tr_id(Environment::Paper), None, "real-only screener");
    assert_eq!(VolumeRankRequest::default().tr_id(Environment::Paper), None);
}

#[test]
fn paged_request_carries_the_cursor_verbatim() {
    let mut request = BalanceRequest::default();
    let cursor = Continuation { fk: format!("81055689^01^N^N^01^01^N^{}", " ".repeat(76)), nk: " ".repeat(100) };
    request.set_continuation(cursor.clone());
    assert_eq!(request.continuation(), cursor);
    let sent = request.params();
    assert!(sent.contains(&("CTX_AREA_FK100", cursor.fk.clone())));
    assert!(sent.contains(&("CTX_AREA_NK100", cursor.nk.clone())));
    assert!(is_next_page_request(Some("N")));
    assert!(!is_next_page_request(Some("")));
    assert!(!is_next_page_request(None));
}

#[test]
fn daily_ccld_window_selects_the_tr() {
    let recent = DailyCcld { window: CcldWindow::Recent, query: DailyCcldQuery::default() };
    let old = DailyCcld { window: CcldWindow::Old, query: DailyCcldQuery::default() };
    assert_eq!(recent.tr_id(Environment::Real), Some("TTTC0081R"));
    assert_eq!(recent.tr_id(Environment::Paper), Some("VTTC0081R"));
    assert_eq!(old.tr_id(Environment::Real), Some("CTSC9215R"));
    assert_eq!(old.tr_id(Environment::Paper), Some("VTSC9215R"));
    assert_eq!(DailyCcld::OPS, &[Op::DomesticDailyCcldRecent, Op::DomesticDailyCcldOld]);
}

#[test]
fn us_orders_select_trs_by_side() {
    let body = UsOrderBody::default();
    let buy = UsOrder { side: Side::Buy, body: body.clone() };
    let sell = UsOrder { side: Side::Sell, body: body.clone() };
    assert_eq!(buy.tr_id(Environment::Real), Some("TTTT1002U"));
    assert_eq!(buy.tr_id(Environment::Paper), Some("VTTT1002U"));
    assert_eq!(sell.tr_id(Environment::Real), Some("TTTT1006U"));
    assert_eq!(sell.tr_id(Environment::Paper), Some("VTTT1001U"));
    let daytime = UsDaytimeOrder { side: Side::Sell, body };
    assert_eq!(daytime.tr_id(Environment::Real), Some("TTTS6037U"));
    assert_eq!(daytime.tr_id(Environment::Paper), None);
    assert_eq!(UsModifyCancelBody::default().tr_id(Environment::Paper), Some("VTTT1004U"));
    assert_eq!(OrderRvsecnclBody::default().tr_id(Environment::Paper), Some("VTTC0013U"));
}
