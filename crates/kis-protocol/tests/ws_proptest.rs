//! Property tests: no input panics the decoders, and encode → decode is the identity.

use chrono::NaiveTime;
use kis_protocol::ws::{
    Control, ControlCode, Frame, FrameEncoder, H0gscni0, H0stasp0, H0stcni0, H0stcnt0, Hdfsasp0, Hdfscnt0, NoticeKey,
    Record, Records, Sign, WsMessage, WsTrId, decode_message, decrypt_payload,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

const CAPTURED: &str = "005930^115214^250500^5^-19500^-7.22^257548.62^266000^266500^248500^250500^250000^2^11701513^3013709268750^113664^103131^-10533^60.51^7129195^4313943^1^0.37^73.08^090025^5^-15500^090025^5^-16000^114825^2^2000^20260724^20^N^8930^67892^101158^466092^0.20^8331745^140.44^0^^266000";

/// Calls every accessor of every view on a record; results are ignored, only panics matter.
fn touch_everything(record: Record<'_>) {
    if let Ok(v) = H0stcnt0::new(record) {
        let _ = (v.to_owned_record(), v.hour(), v.price(), v.sign(), v.volume());
    }
    if let Ok(v) = H0stasp0::new(record) {
        let _ = (v.to_owned_record(), v.levels());
        for level in 0..12 {
            let _ = (v.level(level), v.askp(level), v.bidp_rsqn(level));
        }
    }
    if let Ok(v) = H0stcni0::new(record) {
        let _ = (v.to_owned_record(), v.cntg_isnm(), v.layout(), v.price(), v.qty(), v.is_fill());
    }
    if let Ok(v) = Hdfscnt0::new(record) {
        let _ = v.to_owned_record();
    }
    if let Ok(v) = Hdfsasp0::new(record) {
        let _ = v.to_owned_record();
        for level in 0..12 {
            let _ = v.level(level);
        }
    }
    if let Ok(v) = H0gscni0::new(record) {
        let _ = (v.to_owned_record(), v.price(), v.market());
    }
    for i in 0..record.len() + 2 {
        let _ = record.field(i);
    }
}

/// Text made mostly of frame syntax so the decoder's paths are actually reached.
fn frame_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("^".to_owned()),
        Just("|".to_owned()),
        Just("0|H0STCNT0|001|".to_owned()),
        Just("0|H0STASP0|002|".to_owned()),
        Just("0|HDFSASP0|001|".to_owned()),
        Just("0|H0GSCNI0|001|".to_owned()),
        "[0-9]{1,6}",
        "-?[0-9]{1,4}\\.[0-9]{1,4}",
        "\\PC{0,4}",
    ];
    prop::collection::vec(piece, 0..120).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn decoders_never_panic(text in prop_oneof![frame_like(), "\\PC{0,300}", "[01]\\|[A-Z0-9]{0,8}\\|[0-9]{1,3}\\|[\\^0-9a-z.-]{0,400}"]) {
        if let Ok(WsMessage::Data(frame)) = decode_message(&text)
            && let Ok(records) = frame.records()
        {
            for record in records.flatten() {
                touch_everything(record);
            }
        }
        let _ = Record::parse("H0STCNT0", &text).map(touch_everything);
        let _ = Control::parse(&text);
    }

    #[test]
    fn byte_input_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(frame) = Frame::parse_bytes(&bytes) {
            let _ = frame.records().map(|r| r.count());
        }
    }

    #[test]
    fn decryptor_never_panics(key in "\\PC{0,40}", iv in "\\PC{0,20}", b64 in "[A-Za-z0-9+/=]{0,200}|\\PC{0,50}") {
        let _ = decrypt_payload(&key, &iv, &b64);
        let _ = decrypt_payload("abcdefghijklmnopabcdefghijklmnop", "0123456789abcdef", &b64);
    }

    #[test]
    fn control_replies_round_trip(
        code in prop::sample::select(ControlCode::ALL.to_vec()),
        tr in prop::sample::select(WsTrId::KNOWN.to_vec()),
        tr_key in "[A-Z0-9]{1,12}",
        iv in "[0-9a-f]{16}",
        key in "[a-z]{32}",
        datetime in "[0-9]{14}",
    ) {
        let ack = Control::subscribe_ack(tr.clone(), tr_key.clone(), iv, key);
        prop_assert_eq!(Control::parse(&ack.to_json()).unwrap(), ack);
        let reply = Control::reply(code, tr, tr_key);
        prop_assert_eq!(Control::parse(&reply.to_json()).unwrap(), reply);
        let ping = Control::pingpong(datetime);
        prop_assert_eq!(Control::parse(&ping.to_json()).unwrap(), ping);
    }

    #[test]
    fn h0stcnt0_records_round_trip(
        ticks in prop::collection::vec(
            ("[0-9]{6}", 0u32..24, 0u32..60, 0u32..60, 1i64..10_000_000, 1u8..6, 0i64..1_000_000_000, -99_999i64..99_999, 0u32..4),
            1..6,
        ),
    ) {
        let records: Vec<_> = ticks
            .iter()
            .map(|(code, h, m, s, price, sign, volume, cttr, scale)| {
                let base = H0stcnt0::new(Record::parse("H0STCNT0", CAPTURED).unwrap()).unwrap();
                let mut owned = base.to_owned_record().unwrap();
                owned.mksc_shrn_iscd = code.clone();
                owned.stck_cntg_hour = NaiveTime::from_hms_opt(*h, *m, *s).unwrap();
                owned.stck_prpr = *price;
                owned.prdy_vrss_sign = Sign::from_code(&sign.to_string()).unwrap();
                owned.cntg_vol = *volume;
                owned.cttr = Decimal::new(*cttr, *scale);
                owned.vi_stnd_prc = None;
                owned
            })
            .collect();
        let mut encoder = FrameEncoder::new();
        let text = encoder.typed(&records).unwrap().to_owned();
        let frame = Frame::parse(&text).unwrap();
        prop_assert_eq!(frame.count(), records.len());
        let decoded: Vec<_> = H0stcnt0::records(&frame)
            .unwrap()
            .map(|r| r.unwrap().to_owned_record().unwrap())
            .collect();
        prop_assert_eq!(decoded, records);
    }

    #[test]
    fn encrypted_field_slices_round_trip(
        key in "[a-z]{32}",
        iv in "[0-9a-f]{16}",
        rows in prop::collection::vec(prop::collection::vec("[^\\^\\n]{0,12}", 26), 1..4),
    ) {
        let key = NoticeKey::new(&key, &iv).unwrap();
        let slices: Vec<Vec<&str>> = rows.iter().map(|r| r.iter().map(String::as_str).collect()).collect();
        let refs: Vec<&[&str]> = slices.iter().map(Vec::as_slice).collect();
        let text = FrameEncoder::new().fields_encrypted("H0STCNI0", &refs, &key).unwrap().to_owned();
        let frame = Frame::parse(&text).unwrap();
        prop_assert!(frame.is_encrypted());
        let plain = frame.plaintext(&key).unwrap();
        let decoded: Vec<Vec<String>> = Records::new(frame.tr_id(), frame.count(), &plain)
            .unwrap()
            .map(|r| r.unwrap().fields().map(str::to_owned).collect())
            .collect();
        prop_assert_eq!(decoded, rows);
    }
}
