//! Every captured and official WebSocket sample in testdata/kis-samples, decoded field by field.

use chrono::{NaiveDate, NaiveTime};
use kis_protocol::ws::fields;
use kis_protocol::ws::{
    Control, ControlCode, CryptoError, Frame, FrameEncoder, H0gscni0, H0stasp0, H0stcni0, H0stcni0Layout, H0stcnt0,
    Hdfsasp0, Hdfscnt0, NoticeKey, NoticeKeys, NoticeMarket, Record, Records, Sign, SubscribeRequest, TrType, WsError,
    WsMessage, WsTrId, decode_message, encrypt_payload,
};
use rust_decimal_macros::dec;

fn sample(name: &str) -> String {
    let path = format!("{}/../../testdata/kis-samples/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("reading {path}: {err}"))
}

/// The single-line frame of a captured file.
fn captured_frame(name: &str) -> String {
    sample(name).trim().to_owned()
}

/// An official example's payload under the `# output…` heading `heading`, with the 80-column wrap joined.
fn official_payload(name: &str, heading: &str) -> String {
    let text = sample(name);
    let mut lines = text.lines().skip_while(|l| l.trim() != heading).skip(1);
    let mut out = String::new();
    for line in lines.by_ref() {
        if line.trim().is_empty() || line.starts_with('#') {
            break;
        }
        out.push_str(line.trim_end());
    }
    assert!(!out.is_empty(), "no payload under {heading:?} in {name}");
    out
}

/// The JSON ack at the top of an official example (everything before the first `# output`).
fn official_ack(name: &str) -> Control {
    let text = sample(name);
    let json: String = text
        .lines()
        .skip_while(|l| !l.trim_start().starts_with('{'))
        .take_while(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    Control::parse(&json).unwrap()
}

fn t(h: u32, m: u32, s: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, s).unwrap()
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn single<'a>(frame: &Frame<'a>) -> Record<'a> {
    let mut records = frame.records().unwrap();
    let record = records.next().unwrap().unwrap();
    assert!(records.next().is_none());
    record
}

fn data(text: &str) -> Frame<'_> {
    match decode_message(text).unwrap() {
        WsMessage::Data(frame) => frame,
        WsMessage::Control(c) => panic!("expected data, got {c:?}"),
    }
}

#[test]
fn h0stcnt0_captured_005930_2026() {
    let text = captured_frame("captured_ws_H0STCNT0_005930_20260724.txt");
    let frame = data(&text);
    assert_eq!((frame.is_encrypted(), frame.tr_id(), frame.count()), (false, "H0STCNT0", 1));
    assert_eq!(frame.ws_tr_id(), WsTrId::H0stcnt0);
    let tick = H0stcnt0::new(single(&frame)).unwrap();
    assert_eq!(tick.record().len(), 46);
    assert_eq!(tick.code(), "005930");
    assert_eq!(tick.hour().unwrap(), t(11, 52, 14));
    assert_eq!(tick.price().unwrap(), 250_500);
    assert_eq!(tick.sign().unwrap(), Sign::Down);
    assert_eq!(tick.change().unwrap(), -19_500);
    assert_eq!(tick.prdy_ctrt().unwrap(), dec!(-7.22));
    assert_eq!(tick.wghn_avrg_stck_prc().unwrap(), dec!(257548.62));
    assert_eq!(
        (tick.stck_oprc().unwrap(), tick.stck_hgpr().unwrap(), tick.stck_lwpr().unwrap()),
        (266_000, 266_500, 248_500)
    );
    assert_eq!((tick.askp1().unwrap(), tick.bidp1().unwrap()), (250_500, 250_000));
    assert_eq!(tick.cntg_vol().unwrap(), 2);
    assert_eq!(tick.cum_volume().unwrap(), 11_701_513);
    assert_eq!(tick.acml_tr_pbmn().unwrap(), 3_013_709_268_750);
    assert_eq!(tick.ntby_cntg_csnu().unwrap(), -10_533);
    assert_eq!(tick.cttr().unwrap(), dec!(60.51));
    assert_eq!(tick.ccld_dvsn(), "1");
    assert_eq!(tick.oprc_hour().unwrap(), Some(t(9, 0, 25)));
    assert_eq!(tick.lwpr_vrss_prpr_sign().unwrap(), Some(Sign::Up));
    assert_eq!(tick.lwpr_vrss_prpr().unwrap(), Some(2_000));
    assert_eq!(tick.bsop_date().unwrap(), d(2026, 7, 24));
    assert_eq!((tick.new_mkop_cls_code(), tick.trht_yn()), ("20", "N"));
    assert_eq!((tick.askp_rsqn1().unwrap(), tick.bidp_rsqn1().unwrap()), (8_930, 67_892));
    assert_eq!((tick.total_askp_rsqn().unwrap(), tick.total_bidp_rsqn().unwrap()), (101_158, 466_092));
    assert_eq!(tick.vol_tnrt().unwrap(), dec!(0.20));
    assert_eq!(tick.prdy_smns_hour_acml_vol_rate().unwrap(), dec!(140.44));
    assert_eq!((tick.hour_cls_code(), tick.mrkt_trtm_cls_code()), ("0", ""));
    assert_eq!(tick.vi_stnd_prc().unwrap(), Some(266_000));
}

#[test]
fn h0stcnt0_captured_066570_2024() {
    let text = captured_frame("captured_ws_H0STCNT0_066570_20241014.txt");
    let frame = Frame::parse(&text).unwrap();
    let tick = H0stcnt0::new(single(&frame)).unwrap();
    assert_eq!(tick.code(), "066570");
    assert_eq!(tick.hour().unwrap(), t(15, 5, 50));
    assert_eq!((tick.price().unwrap(), tick.sign().unwrap(), tick.change().unwrap()), (98_900, Sign::Up, 400));
    assert_eq!(tick.prdy_ctrt().unwrap(), dec!(0.41));
    assert_eq!((tick.cntg_vol().unwrap(), tick.acml_vol().unwrap()), (45, 246_334));
    assert_eq!(tick.cttr().unwrap(), dec!(53.22));
    assert_eq!(tick.ccld_dvsn(), "5");
    assert_eq!(tick.hgpr_hour().unwrap(), Some(t(9, 32, 7)));
    assert_eq!(tick.bsop_date().unwrap(), d(2024, 10, 14));
    assert_eq!(tick.vi_stnd_prc().unwrap(), Some(99_000));
}

#[test]
fn h0stcnt0_official_example_joined_from_wrapped_lines() {
    let payload = official_payload("official_ws_H0STCNT0_response_example.txt", "# output");
    let text = format!("0|H0STCNT0|001|{payload}");
    let tick = H0stcnt0::new(single(&Frame::parse(&text).unwrap())).unwrap();
    assert_eq!(tick.record().len(), 46);
    assert_eq!((tick.code(), tick.hour().unwrap()), ("005930", t(9, 33, 54)));
    assert_eq!((tick.price().unwrap(), tick.sign().unwrap(), tick.change().unwrap()), (71_900, Sign::Down, -100));
    assert_eq!(tick.prdy_ctrt().unwrap(), dec!(-0.14));
    assert_eq!((tick.cntg_vol().unwrap(), tick.acml_vol().unwrap()), (1, 3_052_507));
    assert_eq!(tick.acml_tr_pbmn().unwrap(), 219_853_241_700);
    assert_eq!(tick.cttr().unwrap(), dec!(84.90));
    assert_eq!(tick.oprc_vrss_prpr().unwrap(), Some(-200));
    assert_eq!(tick.bsop_date().unwrap(), d(2023, 6, 12));
    assert_eq!(tick.vi_stnd_prc().unwrap(), Some(72_100));
    let ack = official_ack("official_ws_H0STCNT0_response_example.txt");
    assert_eq!(ack.ack_keys(), Some((&WsTrId::H0stcnt0, "abcdefghijklmnopabcdefghijklmnop", "0123456789abcdef")));
}

fn ladder(start: i64, step: i64) -> Vec<i64> {
    (0..10).map(|i| start + step * i).collect()
}

fn book(view: &H0stasp0<'_>) -> (Vec<i64>, Vec<i64>, Vec<i64>, Vec<i64>) {
    let levels = view.levels().unwrap();
    (
        levels.iter().map(|l| l.ask).collect(),
        levels.iter().map(|l| l.bid).collect(),
        levels.iter().map(|l| l.ask_qty).collect(),
        levels.iter().map(|l| l.bid_qty).collect(),
    )
}

#[test]
fn h0stasp0_captured_2026_has_62_fields() {
    let text = captured_frame("captured_ws_H0STASP0_005930_145856.txt");
    let view = H0stasp0::new(single(&Frame::parse(&text).unwrap())).unwrap();
    assert_eq!(view.record().len(), 62);
    assert_eq!((view.code(), view.bsop_hour().unwrap(), view.hour_cls_code()), ("005930", t(14, 58, 56), "0"));
    let (asks, bids, ask_qty, bid_qty) = book(&view);
    assert_eq!(asks, ladder(358_500, 500));
    assert_eq!(bids, ladder(358_000, -500));
    assert_eq!(ask_qty, [53949, 91247, 124706, 311138, 36136, 50040, 21635, 48345, 14697, 44313]);
    assert_eq!(bid_qty, [40154, 39078, 38644, 26290, 25867, 9410, 17975, 5281, 14389, 10406]);
    assert_eq!((view.askp(10).unwrap(), view.bidp_rsqn(10).unwrap()), (363_000, 10_406));
    assert_eq!((view.total_askp_rsqn().unwrap(), view.total_bidp_rsqn().unwrap()), (796_206, 227_494));
    assert_eq!(view.antc_vol().unwrap(), 529_267);
    assert_eq!(view.antc_cntg_vrss().unwrap(), -346_500);
    assert_eq!(view.antc_cntg_vrss_sign().unwrap(), Sign::Down);
    assert_eq!(view.antc_cntg_prdy_ctrt().unwrap(), dec!(-100.00));
    assert_eq!(view.acml_vol().unwrap(), 25_970_877);
    assert_eq!((view.total_askp_rsqn_icdc().unwrap(), view.total_bidp_rsqn_icdc().unwrap()), (-979, 95));
    assert_eq!(view.kmid_prc().unwrap(), Some(358_250));
    assert_eq!((view.kmid_total_rsqn().unwrap(), view.kmid_cls_code()), (Some(4), "1"));
    assert!(view.askp(0).is_err() && view.bidp(11).is_err());
}

#[test]
fn h0stasp0_captured_2026_later() {
    let text = captured_frame("captured_ws_H0STASP0_005930_145907.txt");
    let view = H0stasp0::new(single(&Frame::parse(&text).unwrap())).unwrap();
    assert_eq!(view.bsop_hour().unwrap(), t(14, 59, 7));
    let (_, _, ask_qty, bid_qty) = book(&view);
    assert_eq!(ask_qty, [48592, 94055, 124087, 314258, 36374, 50074, 21772, 48161, 14902, 44404]);
    assert_eq!(bid_qty, [43438, 53553, 24344, 26312, 25770, 9477, 17840, 5279, 14374, 10121]);
    assert_eq!(view.acml_vol().unwrap(), 25_983_370);
    assert_eq!(
        (view.kmid_prc().unwrap(), view.kmid_total_rsqn().unwrap(), view.kmid_cls_code()),
        (Some(358_250), Some(0), "0")
    );
}

#[test]
fn h0stasp0_captured_2024_has_59_fields() {
    let text = captured_frame("captured_ws_H0STASP0_066570_121523.txt");
    let view = H0stasp0::new(single(&Frame::parse(&text).unwrap())).unwrap();
    assert_eq!(view.record().len(), 59);
    assert_eq!((view.code(), view.bsop_hour().unwrap()), ("066570", t(12, 15, 23)));
    let (asks, bids, ask_qty, bid_qty) = book(&view);
    assert_eq!(asks, ladder(99_100, 100));
    assert_eq!(bids, ladder(98_900, -100));
    assert_eq!(ask_qty, [1244, 1096, 775, 2090, 3584, 2831, 4081, 4526, 5637, 7314]);
    assert_eq!(bid_qty, [1108, 4129, 4670, 2050, 1665, 995, 3837, 678, 1288, 4068]);
    assert_eq!((view.total_askp_rsqn().unwrap(), view.total_bidp_rsqn().unwrap()), (33_178, 24_488));
    assert_eq!((view.antc_vol().unwrap(), view.antc_cntg_vrss().unwrap()), (6_134, -97_200));
    assert_eq!((view.acml_vol().unwrap(), view.total_bidp_rsqn_icdc().unwrap()), (354_177, 3_930));
    assert_eq!((view.kmid_prc().unwrap(), view.kmid_cls_code()), (None, ""));
}

#[test]
fn h0stasp0_official_example() {
    let payload = official_payload("official_ws_H0STASP0_response_example.txt", "# output");
    let text = format!("0|H0STASP0|001|{payload}");
    let view = H0stasp0::new(single(&Frame::parse(&text).unwrap())).unwrap();
    assert_eq!(view.record().len(), 59);
    let (asks, bids, ask_qty, bid_qty) = book(&view);
    assert_eq!(asks, ladder(71_900, 100));
    assert_eq!(bids, ladder(71_800, -100));
    assert_eq!(ask_qty, [91918, 117942, 92673, 79708, 106729, 141988, 176192, 113906, 134077, 104229]);
    assert_eq!(bid_qty, [95221, 159371, 220746, 284657, 212742, 195370, 182710, 209747, 376432, 158171]);
    assert_eq!((view.total_askp_rsqn().unwrap(), view.total_bidp_rsqn().unwrap()), (1_159_362, 2_095_167));
    assert_eq!(view.acml_vol().unwrap(), 3_159_115);
    assert_eq!(view.total_bidp_rsqn_icdc().unwrap(), 8);
}

#[test]
fn hdfscnt0_captured_aapl() {
    let text = captured_frame("captured_ws_HDFSCNT0_DNASAAPL_20241227.txt");
    let frame = Frame::parse(&text).unwrap();
    let tick = Hdfscnt0::new(single(&frame)).unwrap();
    assert_eq!(tick.record().len(), 26);
    assert_eq!((tick.rsym(), tick.symb(), tick.zdiv().unwrap()), ("DNASAAPL", "AAPL", 4));
    assert_eq!(
        (tick.tymd().unwrap(), tick.xhms().unwrap(), tick.khms().unwrap()),
        (d(2024, 12, 27), t(7, 2, 29), t(21, 2, 29))
    );
    assert_eq!(tick.open().unwrap(), dec!(258.6000));
    assert_eq!((tick.high().unwrap(), tick.low().unwrap()), (dec!(259.0200), dec!(258.4000)));
    assert_eq!(tick.last().unwrap(), dec!(259.0200));
    assert_eq!(tick.last().unwrap().scale(), 4);
    assert_eq!((tick.sign().unwrap(), tick.diff().unwrap(), tick.rate().unwrap()), (Sign::Unchanged, dec!(0), dec!(0)));
    assert_eq!((tick.pbid().unwrap(), tick.pask().unwrap()), (dec!(258.96), dec!(259.22)));
    assert_eq!((tick.vbid().unwrap(), tick.vask().unwrap()), (200, 20));
    assert_eq!((tick.evol().unwrap(), tick.tvol().unwrap()), (10, 4_629));
    assert_eq!(tick.tamt().unwrap(), dec!(1198097));
    assert_eq!((tick.bivl().unwrap(), tick.asvl().unwrap()), (2_222, 680));
    assert_eq!((tick.strn().unwrap(), tick.mtyp()), (dec!(30.60), "1"));
}

#[test]
fn hdfsasp0_official_us_book_and_asia_width() {
    let text = official_payload("official_ws_HDFSASP0_response_example.txt", "# output");
    let frame = Frame::parse(&text).unwrap();
    assert_eq!(frame.tr_id(), "HDFSASP0");
    let view = Hdfsasp0::new(single(&frame)).unwrap();
    assert_eq!(view.record().len(), 71);
    assert_eq!(view.level_count(), 10);
    assert_eq!((view.rsym(), view.symb(), view.zdiv().unwrap()), ("RBAQAAPL", "AAPL", 4));
    assert_eq!((view.xymd().unwrap(), view.xhms().unwrap()), (d(2024, 5, 6), t(20, 22, 23)));
    assert_eq!((view.kymd().unwrap(), view.khms().unwrap()), (d(2024, 5, 7), t(9, 22, 23)));
    assert_eq!(
        (view.bvol().unwrap(), view.avol().unwrap(), view.bdvl().unwrap(), view.advl().unwrap()),
        (1482, 381, 0, -10)
    );
    let l1 = view.level(1).unwrap();
    assert_eq!(
        (l1.bid, l1.ask, l1.bid_qty, l1.ask_qty, l1.bid_qty_change, l1.ask_qty_change),
        (dec!(182.85), dec!(182.87), 350, 57, 0, -10)
    );
    let l2 = view.level(2).unwrap();
    assert_eq!((l2.bid, l2.ask, l2.bid_qty, l2.ask_qty), (dec!(182.84), dec!(182.90), 1, 10));
    let l10 = view.level(10).unwrap();
    assert_eq!((l10.bid, l10.ask, l10.bid_qty, l10.ask_qty), (dec!(182.63), dec!(183.01), 201, 98));
    assert_eq!(view.pbid10().unwrap(), Some(dec!(182.6300)));
    assert!(view.level(11).is_err() && view.level(0).is_err());

    // An Asian book sends only level 1: the first 17 fields.
    let asia: Vec<&str> = view.record().fields().take(17).collect();
    let asia_text = FrameEncoder::new().fields("HDFSASP0", &[&asia]).unwrap().to_owned();
    let asia_view = Hdfsasp0::new(single(&Frame::parse(&asia_text).unwrap())).unwrap();
    assert_eq!(asia_view.level_count(), 1);
    assert_eq!(asia_view.level(1).unwrap(), l1);
    assert!(asia_view.level(2).is_err());
    assert_eq!(asia_view.pbid2().unwrap(), None);
}

const KEY: &str = "abcdefghijklmnopabcdefghijklmnop";
const IV: &str = "0123456789abcdef";

#[test]
fn h0stcni0_official_old_layout_receipt_and_fill() {
    let name = "official_ws_H0STCNI0_response_example.txt";
    let receipt_text = official_payload(name, "# output - 주문·정정·취소·거부 접수 통보");
    let receipt = H0stcni0::parse("H0STCNI0", &receipt_text).unwrap();
    assert_eq!(receipt.record().len(), 23);
    assert_eq!(receipt.layout(), H0stcni0Layout::Old23);
    assert_eq!(
        (receipt.cust_id(), receipt.acnt_no(), receipt.oder_no(), receipt.ooder_no()),
        ("HTS ID", "1234567801", "0000002891", "")
    );
    assert_eq!(
        (receipt.seln_byov_cls(), receipt.rctf_cls(), receipt.oder_kind(), receipt.oder_cond()),
        ("02", "0", "01", "0")
    );
    assert_eq!(receipt.stck_shrn_iscd(), "136480");
    assert_eq!((receipt.qty().unwrap(), receipt.price().unwrap()), (1, 0));
    assert_eq!(receipt.stck_cntg_hour().unwrap(), t(9, 49, 41));
    assert_eq!((receipt.rfus_yn(), receipt.cntg_yn(), receipt.acpt_yn(), receipt.brnc_no()), ("0", "1", "1", "06010"));
    assert!(!receipt.is_fill() && !receipt.is_rejected());
    assert_eq!(receipt.oder_qty().unwrap(), 1);
    assert_eq!((receipt.acnt_name(), receipt.cntg_isnm()), ("김한투", Some("하림")));
    assert_eq!((receipt.crdt_cls(), receipt.crdt_loan_date(), receipt.cntg_isnm40()), ("10", "", "하림"));
    assert_eq!(receipt.oder_prc().unwrap(), None);
    assert_eq!((receipt.ord_exg_gb(), receipt.ord_cond_prc()), ("", ""));

    let fill_text = official_payload(name, "# output - 체결 통보");
    let fill = H0stcni0::parse("H0STCNI0", &fill_text).unwrap();
    assert!(fill.is_fill());
    assert_eq!((fill.oder_kind(), fill.acpt_yn()), ("00", "2"));
    assert_eq!((fill.qty().unwrap(), fill.price().unwrap()), (1, 3_190));
    assert_eq!(fill.oder_prc().unwrap(), Some(0));

    // Encrypted round trip with the placeholder key/iv the official ack carries.
    let mut keys = NoticeKeys::new();
    assert!(keys.update_from(&official_ack(name)).unwrap());
    let frame_text = format!("1|H0STCNI0|001|{}", encrypt_payload(KEY, IV, &fill_text).unwrap());
    let frame = data(&frame_text);
    assert!(frame.is_encrypted());
    assert!(matches!(frame.records(), Err(WsError::Encrypted { .. })));
    let plain = keys.decrypt(&frame.ws_tr_id(), frame.payload()).unwrap();
    assert_eq!(plain, fill_text);
    let mut records = Records::new(frame.tr_id(), frame.count(), &plain).unwrap();
    let decrypted = H0stcni0::new(records.next().unwrap().unwrap()).unwrap();
    assert_eq!((decrypted.price().unwrap(), decrypted.cntg_isnm40()), (3_190, "하림"));

    // The old layout converts into the current one and encodes as 26 fields.
    let owned = fill.to_owned_record().unwrap();
    assert_eq!((owned.cntg_unpr, owned.cntg_isnm40.as_str(), owned.oder_prc), (3_190, "하림", Some(0)));
    let key = NoticeKey::new(KEY, IV).unwrap();
    let encoded = FrameEncoder::new().typed_encrypted(std::slice::from_ref(&owned), &key).unwrap().to_owned();
    let frame = Frame::parse(&encoded).unwrap();
    let plain = frame.plaintext(&key).unwrap();
    let back = H0stcni0::parse("H0STCNI0", &plain).unwrap();
    assert_eq!(back.layout(), H0stcni0Layout::New26);
    assert_eq!(back.cntg_qty_text_for_test(), "0000000001");
    assert_eq!(back.to_owned_record().unwrap(), owned);
}

trait PaddedQty {
    fn cntg_qty_text_for_test(&self) -> &str;
}

impl PaddedQty for H0stcni0<'_> {
    fn cntg_qty_text_for_test(&self) -> &str {
        self.record().field(9).unwrap_or_default()
    }
}

/// The overseas notice printout of the official example, values in field order (24 fields).
fn h0gscni0_official_values() -> Vec<String> {
    let text = sample("official_ws_H0GSCNI0_response_example.txt");
    text.lines()
        .skip_while(|l| !l.contains("(복호화 후)"))
        .filter_map(|l| {
            let open = l.find('[')?;
            let close = l.rfind(']')?;
            l.get(open + 1..close).map(str::to_owned)
        })
        .collect()
}

#[test]
fn h0gscni0_official_receipt_with_implied_decimals() {
    let values = h0gscni0_official_values();
    assert_eq!(values.len(), 24);
    let text = values.join("^");
    let notice = H0gscni0::parse("H0GSCNI0", &text).unwrap();
    assert_eq!((notice.cust_id(), notice.acnt_no(), notice.oder_no()), ("abcd1234", "12345678", "3567"));
    assert_eq!((notice.seln_byov_cls(), notice.oder_kind2(), notice.stck_shrn_iscd()), ("02", "1", "7203"));
    assert_eq!(notice.qty().unwrap(), 100);
    assert_eq!(notice.cntg_unpr().unwrap(), 32_200);
    assert_eq!(notice.market().unwrap(), NoticeMarket::Tokyo);
    assert_eq!(notice.price().unwrap(), dec!(3220.0));
    assert_eq!(notice.stck_cntg_hour().unwrap(), None);
    assert_eq!(notice.oder_qty().unwrap(), None);
    assert!(!notice.is_fill());
    assert_eq!((notice.cntg_isnm(), notice.debt_gb(), notice.cntg_unpr12()), ("도요타자동차", "10", ""));

    // A US fill: `001480100` with 4 implied decimals.
    let mut us = values.clone();
    us[7] = "AAPL".into();
    us[9] = "001480100".into();
    us[10] = "223015".into();
    us[12] = "2".into();
    us[18] = "6".into();
    let us_text = us.join("^");
    let fill = H0gscni0::parse("H0GSCNI0", &us_text).unwrap();
    assert_eq!(fill.price().unwrap(), dec!(148.0100));
    assert_eq!(fill.stck_cntg_hour().unwrap(), Some(t(22, 30, 15)));
    assert!(fill.is_fill());

    // Encrypted with the official ack's placeholder key; the truncated cipher printout fails cleanly.
    let mut keys = NoticeKeys::new();
    assert!(keys.update_from(&official_ack("official_ws_H0GSCNI0_response_example.txt")).unwrap());
    let refs: Vec<&str> = us.iter().map(String::as_str).collect();
    let key = keys.get(&WsTrId::H0gscni0).unwrap().clone();
    let frame_text = FrameEncoder::new().fields_encrypted("H0GSCNI0", &[&refs], &key).unwrap().to_owned();
    let plain = keys.decrypt(&WsTrId::H0gscni0, Frame::parse(&frame_text).unwrap().payload()).unwrap();
    assert_eq!(plain, us_text);
    let truncated = sample("official_ws_H0GSCNI0_response_example.txt")
        .lines()
        .find(|l| l.starts_with("1|H0GSCNI0|"))
        .unwrap()
        .to_owned();
    let frame = Frame::parse(&truncated).unwrap();
    assert!(matches!(keys.decrypt(&frame.ws_tr_id(), frame.payload()), Err(CryptoError::Base64 { .. })));
}

#[test]
fn captured_acks_carry_keys() {
    let cases = [
        (
            "captured_ws_subscribe_ack_H0STASP0_005930.json",
            WsTrId::H0stasp0,
            "005930",
            "4060f9fcb7b4e2ef",
            "tesnaipyhhcpfrnupdybjhvuabognuch",
        ),
        (
            "captured_ws_subscribe_ack_H0STASP0_066570.json",
            WsTrId::H0stasp0,
            "066570",
            "ca513e8bf725c575",
            "uvbpznjqabrxhowcftgehxghhhsxtwro",
        ),
        (
            "captured_ws_subscribe_ack_H0STCNT0_005930.json",
            WsTrId::H0stcnt0,
            "005930",
            "55ce3d099479ce11",
            "tvldhmfplvgcovaqrspclzhdotfzzequ",
        ),
        (
            "captured_ws_subscribe_ack_H0STCNT0_005930_b.json",
            WsTrId::H0stcnt0,
            "005930",
            "4509de06db7218b5",
            "aodbeofjbfqbecrhgknoobaflnzgdabd",
        ),
    ];
    for (file, tr_id, tr_key, iv, key) in cases {
        let text = sample(file);
        let WsMessage::Control(control) = decode_message(&text).unwrap() else { panic!("{file}: not control") };
        assert_eq!(control.kind(), "subscribe_ack", "{file}");
        let Control::Reply(reply) = &control else { panic!("{file}: not a reply") };
        assert_eq!(
            (reply.rt_cd.as_str(), reply.code, reply.msg1.as_str()),
            ("0", ControlCode::SubscribeSuccess, "SUBSCRIBE SUCCESS")
        );
        assert_eq!((reply.tr_key.as_deref(), reply.encrypt.as_deref()), (Some(tr_key), Some("N")));
        assert_eq!(control.ack_keys(), Some((&tr_id, key, iv)), "{file}");
        // Encoding the ack reproduces the compact captured text.
        let rebuilt = Control::subscribe_ack(tr_id.clone(), tr_key, iv, key);
        assert_eq!(rebuilt, control);
        if text.trim().contains('\n') {
            let parsed = |t: &str| serde_json::from_str::<serde_json::Value>(t).unwrap();
            assert_eq!(parsed(&rebuilt.to_json()), parsed(&text), "{file}");
        } else {
            assert_eq!(rebuilt.to_json(), text.trim(), "{file}");
        }
    }
}

#[test]
fn pingpong_is_recognised_and_re_encoded_exactly() {
    let text = sample("captured_ws_pingpong_20241011121818.json");
    let control = Control::parse(&text).unwrap();
    assert_eq!(control, Control::pingpong("20241011121818"));
    assert_eq!(control.kind(), "pingpong");
    assert_eq!(control.to_json(), text.trim());
}

#[test]
fn subscribe_request_matches_the_official_shape() {
    let text = sample("official_ws_subscribe_request_H0STCNT0.json");
    let request = SubscribeRequest::from_json(&text).unwrap();
    assert_eq!(
        request,
        SubscribeRequest::register("35xxxxxa-bxxa-4xxb-87xxx-f56xxxxxxxxxx", WsTrId::H0stcnt0, "005930")
    );
    let compact: String = text.split_whitespace().collect();
    assert_eq!(request.to_json(), compact);
    let off = SubscribeRequest::deregister("k", WsTrId::H0stcni0, "HTSID");
    assert!(off.to_json().contains(r#""tr_type":"2""#));
    assert_eq!(SubscribeRequest::from_json(&off.to_json()).unwrap(), off);
    let legacy = off.to_json().replace(r#""tr_type":"2""#, r#""tr_type":"0""#);
    assert_eq!(SubscribeRequest::from_json(&legacy).unwrap().header.tr_type, TrType::Deregister);
    assert!(matches!(SubscribeRequest::from_json(r#"{"header":{}}"#), Err(WsError::SubscribeJson { .. })));
}

/// Payloads (after `0|TR|001|`) of the three H0STCNT0 samples.
fn h0stcnt0_payloads() -> Vec<String> {
    let strip = |s: String| s.splitn(4, '|').nth(3).unwrap().to_owned();
    vec![
        strip(captured_frame("captured_ws_H0STCNT0_005930_20260724.txt")),
        strip(captured_frame("captured_ws_H0STCNT0_066570_20241014.txt")),
        official_payload("official_ws_H0STCNT0_response_example.txt", "# output"),
    ]
}

#[test]
fn multi_record_frame_of_captured_records() {
    let payloads = h0stcnt0_payloads();
    let text = format!("0|H0STCNT0|004|{}^{}^{}^{}", payloads[0], payloads[1], payloads[2], payloads[0]);
    let frame = Frame::parse(&text).unwrap();
    assert_eq!(frame.count(), 4);
    let records = frame.records().unwrap();
    assert_eq!(records.width(), Some(46));
    let ticks: Vec<(String, i64, i64)> = H0stcnt0::records(&frame)
        .unwrap()
        .map(|r| r.map(|t| (t.code().to_owned(), t.price().unwrap(), t.volume().unwrap())))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        ticks,
        [
            ("005930".into(), 250_500, 2),
            ("066570".into(), 98_900, 45),
            ("005930".into(), 71_900, 1),
            ("005930".into(), 250_500, 2)
        ]
    );

    // Typed owned records re-encode to the same frame.
    let owned: Vec<_> = H0stcnt0::records(&frame).unwrap().map(|r| r.unwrap().to_owned_record().unwrap()).collect();
    let mut encoder = FrameEncoder::new();
    assert_eq!(encoder.typed(&owned).unwrap(), text);
    // The same from field slices.
    let fields: Vec<Vec<&str>> = frame.records().unwrap().map(|r| r.unwrap().fields().collect()).collect();
    let slices: Vec<&[&str]> = fields.iter().map(Vec::as_slice).collect();
    assert_eq!(encoder.fields("H0STCNT0", &slices).unwrap(), text);

    // Record-count mismatches are errors naming the TR.
    let uneven = format!("0|H0STCNT0|003|{}^{}", payloads[0], payloads[1]);
    assert_eq!(
        Frame::parse(&uneven).unwrap().records().unwrap_err(),
        WsError::UnevenRecords { tr_id: "H0STCNT0".into(), fields: 92, records: 3 }
    );
}

#[test]
fn too_few_fields_and_unknown_tr() {
    let frame = Frame::parse("0|H0STCNT0|001|005930^115214^250500").unwrap();
    assert_eq!(
        H0stcnt0::new(single(&frame)).unwrap_err(),
        WsError::TooFewFields { tr_id: "H0STCNT0".into(), expected: 46, got: 3 }
    );
    let err = H0stasp0::new(single(&Frame::parse("0|H0STASP0|001|a^b").unwrap())).unwrap_err();
    assert_eq!(err.to_string(), "H0STASP0: record has 2 fields, expected at least 59");
    // Trailing extra fields are fine.
    let extra = format!("0|H0STCNT0|001|{}^EXTRA", h0stcnt0_payloads()[0]);
    let tick = H0stcnt0::new(single(&Frame::parse(&extra).unwrap())).unwrap();
    assert_eq!((tick.record().len(), tick.record().field(46), tick.price().unwrap()), (47, Some("EXTRA"), 250_500));
    // An unmodelled TR still decodes as raw fields.
    let other = Frame::parse("0|H0UNCNT0|002|a^b^c^d").unwrap();
    assert_eq!(other.ws_tr_id(), WsTrId::Other("H0UNCNT0".into()));
    let raw: Vec<Vec<&str>> = other.records().unwrap().map(|r| r.unwrap().fields().collect()).collect();
    assert_eq!(raw, [["a", "b"], ["c", "d"]]);
    assert_eq!(fields::names_for("H0UNCNT0", 2), None);
    // A bad field is an error naming TR, field and value.
    let bad = h0stcnt0_payloads()[0].replacen("250500", "25O500", 1);
    let bad_text = format!("0|H0STCNT0|001|{bad}");
    let tick = H0stcnt0::new(single(&Frame::parse(&bad_text).unwrap())).unwrap();
    assert_eq!(tick.price().unwrap_err().to_string(), r#"H0STCNT0 field STCK_PRPR: "25O500" is not an integer"#);
}
