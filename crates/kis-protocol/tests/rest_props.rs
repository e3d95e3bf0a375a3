//! No input, however broken, makes a REST decoder or the classifier panic.

use kis_protocol::rest::decode::{classify_reply, decode_plain, decode_reply};
use kis_protocol::rest::domestic_account::{BalanceBody, BalancePosition, BuyableBody, DailyCcldBody, ModifiableBody};
use kis_protocol::rest::domestic_holiday::HolidayBody;
use kis_protocol::rest::domestic_order::OrderCashBody;
use kis_protocol::rest::domestic_quote::{InquirePriceBody, MinuteChartBody, PeriodCandlesBody};
use kis_protocol::rest::domestic_rank::{FluctuationRankBody, FluctuationRankRequest, VolumeRankBody};
use kis_protocol::rest::oauth::{ApprovalResponse, HashkeyResponse, RevokeResponse, TokenResponse};
use kis_protocol::rest::order_ack::OrderAckBody;
use kis_protocol::rest::overseas_account::{UsBalanceBody, UsBuyableBody, UsOrderHistoryBody, UsUnfilledBody};
use kis_protocol::rest::overseas_order::{UsModifyCancelBody, UsOrderBody};
use kis_protocol::rest::overseas_quote::{UsDailyPriceBody, UsMinuteCandlesBody, UsPriceBody};
use kis_protocol::rest::wire::{parse_date, parse_decimal, parse_int, parse_opt_date, parse_time};
use proptest::prelude::*;
use serde_json::Value;

/// Feed `body` with `status` to every decoder; results are irrelevant, panics are not.
fn decode_everything(status: u16, body: &[u8]) {
    let _ = classify_reply(status, body);
    let _ = decode_reply::<OrderAckBody>(status, body);
    let _ = decode_reply::<InquirePriceBody>(status, body);
    let _ = decode_reply::<MinuteChartBody>(status, body);
    let _ = decode_reply::<PeriodCandlesBody>(status, body);
    let _ = decode_reply::<BalanceBody>(status, body);
    let _ = decode_reply::<BuyableBody>(status, body);
    let _ = decode_reply::<DailyCcldBody>(status, body);
    let _ = decode_reply::<ModifiableBody>(status, body);
    let _ = decode_reply::<VolumeRankBody>(status, body);
    let _ = decode_reply::<FluctuationRankBody>(status, body);
    let _ = decode_reply::<HolidayBody>(status, body);
    let _ = decode_reply::<UsPriceBody>(status, body);
    let _ = decode_reply::<UsMinuteCandlesBody>(status, body);
    let _ = decode_reply::<UsDailyPriceBody>(status, body);
    let _ = decode_reply::<UsBalanceBody>(status, body);
    let _ = decode_reply::<UsBuyableBody>(status, body);
    let _ = decode_reply::<UsUnfilledBody>(status, body);
    let _ = decode_reply::<UsOrderHistoryBody>(status, body);
    let _ = decode_plain::<TokenResponse>(status, body);
    let _ = decode_plain::<RevokeResponse>(status, body);
    let _ = decode_plain::<ApprovalResponse>(status, body);
    let _ = decode_plain::<HashkeyResponse>(status, body);
    let _ = OrderCashBody::from_json(body);
    let _ = UsOrderBody::from_json(body);
    let _ = UsModifyCancelBody::from_json(body);
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        "[ +-]?[0-9]{0,30}(\\.[0-9]{0,30})?".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("output".to_string()),
                    Just("output1".to_string()),
                    Just("output2".to_string()),
                    Just("ODNO".to_string()),
                    Just("stck_prpr".to_string()),
                    Just("ctx_area_fk100".to_string()),
                    "[a-zA-Z_]{1,10}",
                ],
                inner,
                0..6
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(status in any::<u16>(), body in prop::collection::vec(any::<u8>(), 0..512)) {
        decode_everything(status, &body);
    }

    #[test]
    fn arbitrary_text_never_panics(status in prop_oneof![Just(200u16), Just(403), Just(500)], body in ".{0,256}") {
        decode_everything(status, body.as_bytes());
    }

    #[test]
    fn arbitrary_envelopes_never_panic(
        status in prop_oneof![Just(200u16), Just(500)],
        rt_cd in prop_oneof![Just(Value::from("0")), Just(Value::from("7")), Just(Value::from("1")), json_value()],
        outputs in json_value(),
    ) {
        let mut document = match outputs {
            Value::Object(map) => map,
            other => [("output".to_string(), other)].into_iter().collect(),
        };
        document.insert("rt_cd".to_string(), rt_cd);
        document.insert("msg_cd".to_string(), Value::from("MCA00000"));
        let text = Value::Object(document).to_string();
        decode_everything(status, text.as_bytes());
        // Cut anywhere: a truncated body is classified, never a panic.
        let cut = text.len() / 2;
        decode_everything(status, &text.as_bytes()[..cut]);
    }

    #[test]
    fn field_parsers_never_panic(raw in ".{0,64}") {
        let _ = parse_decimal("f", &raw);
        let _ = parse_int("f", &raw);
        let _ = parse_date("f", &raw);
        let _ = parse_opt_date("f", &raw);
        let _ = parse_time("f", &raw);
    }

    #[test]
    fn numeric_looking_text_parses_or_names_the_field(raw in "[ ]?[+-]?[0-9]{0,40}(\\.[0-9]{0,40})?[ ]?") {
        let row = BalancePosition { pchs_avg_pric: raw.clone(), hldg_qty: raw.clone(), ..Default::default() };
        if let Err(e) = row.pchs_avg_pric() { prop_assert_eq!(e.field, "pchs_avg_pric"); }
        if let Err(e) = row.hldg_qty() { prop_assert_eq!(e.field, "hldg_qty"); }
    }

    #[test]
    fn query_pairs_round_trip(values in prop::collection::vec(".{0,16}", 14)) {
        let received: Vec<(String, String)> = FluctuationRankRequest::WIRE_NAMES
            .iter()
            .zip(&values)
            .map(|(name, value)| (name.to_string(), value.clone()))
            .collect();
        let request = FluctuationRankRequest::from_pairs(&received).unwrap();
        let sent: Vec<(String, String)> =
            request.pairs().into_iter().map(|(name, value)| (name.to_string(), value)).collect();
        prop_assert_eq!(sent, received);
    }
}
