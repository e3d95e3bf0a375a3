//! Runs `kis-trader decode` on real captured frames mixed with a garbage line and an encrypted notice.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use kis_protocol::ws::{Control, WsTrId, encrypt_payload};
use serde_json::Value;

const KEY: &str = "qwertyuiopasdfghjklzxcvbnmqwerty";
const IV: &str = "a1b2c3d4e5f60718";
const NOTICE: &str = "HTS ID^1234567801^0000002891^^02^0^00^0^136480^0000000001^000003190^094941^0^2^2^06010^000000001^김한투^^1^N^^10^^하림^000003190";

fn sample(name: &str) -> String {
    let path = format!("{}/testdata/kis-samples/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("reading {path}: {err}")).trim().to_owned()
}

fn decode(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kis-trader"))
        .arg("decode")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn json_lines(output: &Output) -> Vec<Value> {
    String::from_utf8(output.stdout.clone()).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn encrypted_notice() -> String {
    format!("1|H0STCNI0|001|{}", encrypt_payload(KEY, IV, NOTICE).unwrap())
}

#[test]
fn decodes_a_captured_session_and_reports_bad_lines() {
    let ack = Control::subscribe_ack(WsTrId::H0stcni0, "HTSID", IV, KEY).to_json();
    let lines = [
        sample("captured_ws_subscribe_ack_H0STCNT0_005930.json"),
        sample("captured_ws_H0STCNT0_005930_20260724.txt"),
        sample("captured_ws_H0STASP0_005930_145856.txt"),
        "this is not a frame".to_owned(),
        String::new(),
        ack,
        encrypted_notice(),
        sample("captured_ws_pingpong_20241011121818.json"),
        "0|H0STCNT0|001|005930^115214".to_owned(),
        "0|H0UNCNT0|002|a^b^c^d".to_owned(),
        sample("captured_ws_HDFSCNT0_DNASAAPL_20241227.txt"),
    ];
    let output = decode(&[], &(lines.join("\n") + "\n"));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    let errors: Vec<&str> = stderr.lines().collect();
    assert_eq!(errors.len(), 2, "{stderr}");
    assert!(errors[0].starts_with("line 4: control message is not a JSON object"), "{stderr}");
    assert_eq!(errors[1], "line 9: H0STCNT0: record has 2 fields, expected at least 46");

    let out = json_lines(&output);
    assert_eq!(out.len(), 9);
    assert_eq!(out[0]["kind"], "subscribe_ack");
    assert_eq!(out[0]["control"]["body"]["output"]["key"], "tvldhmfplvgcovaqrspclzhdotfzzequ");

    let tick = &out[1];
    assert_eq!((tick["tr_id"].as_str(), tick["encrypted"].as_bool()), (Some("H0STCNT0"), Some(false)));
    let f = &tick["fields"];
    assert_eq!((f["MKSC_SHRN_ISCD"].as_str(), f["STCK_CNTG_HOUR"].as_str()), (Some("005930"), Some("115214")));
    assert_eq!(
        (f["STCK_PRPR"].as_str(), f["PRDY_VRSS"].as_str(), f["CNTG_VOL"].as_str()),
        (Some("250500"), Some("-19500"), Some("2"))
    );
    assert_eq!(
        (f["CTTR"].as_str(), f["MRKT_TRTM_CLS_CODE"].as_str(), f["VI_STND_PRC"].as_str()),
        (Some("60.51"), Some(""), Some("266000"))
    );
    assert_eq!(f.as_object().unwrap().len(), 46);
    // Field order is the §9 order.
    let raw = String::from_utf8(output.stdout.clone()).unwrap();
    let first = raw.lines().nth(1).unwrap();
    assert!(first.find("\"MKSC_SHRN_ISCD\"").unwrap() < first.find("\"STCK_CNTG_HOUR\"").unwrap());
    assert!(first.find("\"HOUR_CLS_CODE\"").unwrap() < first.find("\"VI_STND_PRC\"").unwrap());

    let book = &out[2]["fields"];
    assert_eq!(
        (book["ASKP1"].as_str(), book["BIDP10"].as_str(), book["ASKP_RSQN1"].as_str()),
        (Some("358500"), Some("353500"), Some("53949"))
    );
    assert_eq!((book["KMID_PRC"].as_str(), book["KMID_CLS_CODE"].as_str()), (Some("358250"), Some("1")));

    assert_eq!(out[3]["kind"], "subscribe_ack");
    let notice = &out[4];
    assert_eq!((notice["tr_id"].as_str(), notice["encrypted"].as_bool()), (Some("H0STCNI0"), Some(true)));
    let n = &notice["fields"];
    assert_eq!(
        (n["ODER_NO"].as_str(), n["CNTG_QTY"].as_str(), n["CNTG_UNPR"].as_str()),
        (Some("0000002891"), Some("0000000001"), Some("000003190"))
    );
    assert_eq!(
        (n["CNTG_YN"].as_str(), n["ORD_EXG_GB"].as_str(), n["CNTG_ISNM40"].as_str()),
        (Some("2"), Some("1"), Some("하림"))
    );

    assert_eq!(out[5]["kind"], "pingpong");
    assert_eq!(out[5]["control"]["header"]["datetime"], "20241011121818");
    assert_eq!(out[6]["fields"]["FIELD_0"], "a");
    assert_eq!(out[7]["fields"]["FIELD_1"], "d");
    let us = &out[8]["fields"];
    assert_eq!(
        (us["RSYM"].as_str(), us["LAST"].as_str(), us["MTYP"].as_str()),
        (Some("DNASAAPL"), Some("259.0200"), Some("1"))
    );
}

#[test]
fn flags_decrypt_without_an_ack_and_clean_input_exits_zero() {
    let output = decode(&["--key", KEY, "--iv", IV], &(encrypted_notice() + "\n"));
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let out = json_lines(&output);
    assert_eq!(out[0]["fields"]["CNTG_UNPR"], "000003190");

    let output = decode(&[], &(encrypted_notice() + "\n"));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(output.stderr).unwrap().trim(),
        "line 1: no notice key known for TR H0STCNI0 (no subscribe ack seen and none given)"
    );
}
