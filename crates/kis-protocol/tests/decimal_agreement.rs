//! The REST types, the WebSocket codec and `kis_model`'s money types read a wire decimal with one function
//! (`kis_model::parse_wire_decimal`): for any text they accept the same inputs and give the same value, and a
//! refusal carries the same reason.

use kis_model::{Price, WireDecimalError, parse_wire_decimal, parse_wire_unsigned};
use kis_protocol::rest::domestic_account::BalancePosition;
use kis_protocol::rest::wire::parse_decimal as rest_decimal;
use kis_protocol::ws::num::parse_decimal as ws_decimal;
use kis_protocol::ws::{Frame, H0stcnt0, WsFieldErrorKind};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// The captured H0STCNT0 trade (kis-samples) with `PRDY_CTRT` (field 5, a signed rate) left as `{}`.
const TEMPLATE: &str = "0|H0STCNT0|001|005930^115214^250500^5^-19500^{}^257548.62^266000^266500^248500^250500^250000^2^11701513^3013709268750^113664^103131^-10533^60.51^7129195^4313943^1^0.37^73.08^090025^5^-15500^090025^5^-16000^114825^2^2000^20260724^20^N^8930^67892^101158^466092^0.20^8331745^140.44^0^^266000";

/// What the WebSocket view reads from `text` in a `dec` field, in the one function's terms.
fn ws_view_decimal(text: &str) -> Result<Decimal, WireDecimalError> {
    let frame_text = TEMPLATE.replace("{}", text);
    let frame = Frame::parse(&frame_text).expect("template frame");
    let record = frame.records().expect("records").next().expect("one record").expect("record");
    let view = H0stcnt0::new(record).expect("view");
    view.prdy_ctrt().map_err(|e| match e.kind {
        // The view refuses an empty field before parsing; the one function says the same thing.
        WsFieldErrorKind::Empty => WireDecimalError::Empty,
        WsFieldErrorKind::NotDecimal(why) => why,
        other => panic!("unexpected kind {other:?} for {text:?}"),
    })
}

/// Numeric-looking text (signs, padding, dots, exponents, separators) mixed with arbitrary text.
fn wire_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ ]{0,2}[+-]{0,2}[0-9]{0,32}([._eE][0-9]{0,8})?([.][0-9]{0,4})?[ ]{0,2}",
        "(NaN|inf|-inf|\\+|-|\\.|[0-9]+\\.|\\.[0-9]+|1 0|0x1f)",
        ".{0,48}",
    ]
}

proptest! {
    #[test]
    fn rest_ws_and_model_agree(text in wire_text()) {
        let one = parse_wire_decimal(&text);

        let rest = rest_decimal("f", &text);
        prop_assert_eq!(rest.as_ref().ok(), one.as_ref().ok());
        if let (Err(field), Err(why)) = (&rest, one) {
            prop_assert_eq!(field.problem, why.reason());
        }
        let row = BalancePosition { evlu_pfls_amt: text.clone(), ..Default::default() };
        prop_assert_eq!(row.evlu_pfls_amt().ok(), one.ok());

        prop_assert_eq!(ws_decimal(&text), one);
        // A `^` or `|` would change the frame's shape, not the field.
        if !text.contains(['^', '|']) {
            prop_assert_eq!(ws_view_decimal(&text), one);
        }

        // Prices: the unsigned reader, normalised; a sign is refused even where the signed reader accepts it.
        let price = text.parse::<Price>().ok();
        prop_assert_eq!(price, parse_wire_unsigned(&text).ok().map(|d| Price::new(d).expect("non-negative")));
        if let Some(p) = price {
            prop_assert_eq!(one.map(|d| d.normalize()), Ok(p.value()));
        }
    }
}

#[test]
fn the_samples_shapes_read_alike_everywhere() {
    for (text, expect) in [
        ("-7.22", "-7.22"),
        ("+5.61", "5.61"),
        (" 0.00", "0.00"),
        ("1091.2600", "1091.2600"),
        ("00000070000", "70000"),
        ("-100.00000000", "-100.00000000"),
    ] {
        let one = parse_wire_decimal(text).unwrap();
        assert_eq!(rest_decimal("f", text).unwrap(), one);
        assert_eq!(ws_decimal(text).unwrap(), one);
        assert_eq!(ws_view_decimal(text).unwrap(), one);
        assert_eq!(one.to_string(), expect);
    }
    for text in ["", "1_000", "1e5", "NaN", "1.2.3", "1 0"] {
        assert!(rest_decimal("f", text).is_err(), "{text:?}");
        assert!(ws_decimal(text).is_err(), "{text:?}");
        assert!(ws_view_decimal(text).is_err(), "{text:?}");
    }
}
