//! REST over loopback with a real awc client: the gateway's rules (tokenP/revokeP, appkey and token
//! checks, the rate limit, tr_id checks) and their error codes.

mod common;

use common::*;
use serde_json::json;

#[actix_rt::test]
async fn token_rules_and_revoke() {
    bounded(20, async {
        let mut c = config(KRX_OPEN);
        c.auth.token_min_interval_ms = 300;
        c.auth.token_reuse_ms = 700;
        c.auth.token_lifetime_ms = 1_500;
        let sim = start(c).await;
        let url = format!("{}/oauth2/tokenP", sim.rest_url());
        let req = json!({"grant_type":"client_credentials","appkey":KEY,"appsecret":SECRET});
        let (status, first) = post(&url, req.clone()).await;
        assert_eq!(status, 200);
        let t1 = first["access_token"].as_str().unwrap().to_string();
        assert!(t1.starts_with("eyJ"));
        assert_eq!(first["token_type"], "Bearer");
        assert_eq!(first["expires_in"], 1);
        assert_eq!(first["access_token_token_expired"].as_str().unwrap().len(), 19);
        // Within the minimum interval: EGW00133.
        let (status, again) = post(&url, req.clone()).await;
        assert_eq!((status, again["msg_cd"].as_str()), (403, Some("EGW00133")), "{again}");
        // After it, within the reuse window: the same token.
        actix_rt::time::sleep(std::time::Duration::from_millis(350)).await;
        let (_, same) = post(&url, req.clone()).await;
        assert_eq!(same["access_token"].as_str().unwrap(), t1);
        // After the reuse window: a new one.
        actix_rt::time::sleep(std::time::Duration::from_millis(450)).await;
        let (_, fresh) = post(&url, req.clone()).await;
        let t2 = fresh["access_token"].as_str().unwrap().to_string();
        assert_ne!(t2, t1);
        let code = krx_code(&sim, 0);
        let (s, _, ok) = price_of(&sim, &t2, &code).await;
        assert_eq!((s, ok["rt_cd"].as_str()), (200, Some("0")));
        // Expired after its lifetime: EGW00123.
        actix_rt::time::sleep(std::time::Duration::from_millis(1_600)).await;
        let (s, _, exp) = price_of(&sim, &t2, &code).await;
        assert_eq!((s, exp["msg_cd"].as_str()), (500, Some("EGW00123")), "{exp}");
        // revokeP: success, then the revoked token is invalid (EGW00121).
        let t3 = token(&sim, KEY, SECRET).await;
        let (s, rv) =
            post(&format!("{}/oauth2/revokeP", sim.rest_url()), json!({"appkey":KEY,"appsecret":SECRET,"token":t3}))
                .await;
        assert_eq!((s, rv["code"].as_u64()), (200, Some(200)), "{rv}");
        let (s, _, inv) = price_of(&sim, &t3, &code).await;
        assert_eq!((s, inv["msg_cd"].as_str()), (500, Some("EGW00121")));
        // A wrong secret for a known key.
        let (s, bad) = post(&url, json!({"grant_type":"client_credentials","appkey":KEY,"appsecret":"nope"})).await;
        assert_eq!((s, bad["error_code"].as_str()), (500, Some("EGW00105")), "{bad}");
        // Approval key and hashkey.
        let (s, ap) = post(
            &format!("{}/oauth2/Approval", sim.rest_url()),
            json!({"grant_type":"client_credentials","appkey":KEY,"secretkey":SECRET}),
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(ap["approval_key"].as_str().unwrap().len(), 36);
        let resp = client()
            .post(format!("{}/uapi/hashkey", sim.rest_url()))
            .insert_header(("appkey", KEY))
            .insert_header(("appsecret", SECRET))
            .send_json(&json!({"CANO":"50000000"}))
            .await;
        let mut resp = resp.unwrap();
        let hk: serde_json::Value = serde_json::from_slice(&resp.body().await.unwrap()).unwrap();
        assert_eq!(hk["HASH"].as_str().unwrap().len(), 32);
        sim.stop().await.unwrap();
    })
    .await;
}

#[actix_rt::test]
async fn gateway_errors_rate_limit_and_tr_ids() {
    bounded(20, async {
        let mut c = config(KRX_OPEN);
        c.rest.paper_per_sec = 2;
        let sim = start(c).await;
        let tok = token(&sim, KEY, SECRET).await;
        let code = krx_code(&sim, 0);
        let q = [("FID_COND_MRKT_DIV_CODE", "J"), ("FID_INPUT_ISCD", code.as_str())];
        // Paper: 2 calls per second, the third in the same second is EGW00201. Align to a fresh second.
        let started = kis_sim::exchange::lock(sim.state()).started;
        let ms = started.elapsed().as_millis() as u64 % 1000;
        if ms > 600 {
            actix_rt::time::sleep(std::time::Duration::from_millis(1010 - ms)).await;
        }
        let mut codes = Vec::new();
        for _ in 0..3 {
            let (s, _, b) = uapi(&sim, &tok, "GET", PRICE, "FHKST01010100", &q, "").await;
            codes.push((s, b["msg_cd"].as_str().unwrap_or("").to_string()));
        }
        assert_eq!(codes[0], (200, "MCA00000".to_string()));
        assert_eq!(codes[2], (500, "EGW00201".to_string()), "{codes:?}");
        actix_rt::time::sleep(std::time::Duration::from_millis(1_000)).await;
        // Unknown TR id for the path.
        let (s, _, b) = uapi(&sim, &tok, "GET", PRICE, "ZZZZ0000", &q, "").await;
        assert_eq!((s, b["msg_cd"].as_str()), (500, Some("EGW00202")));
        // A real-only TR (volume-rank) on paper.
        let (s, _, b) =
            uapi(&sim, &tok, "GET", "/uapi/domestic-stock/v1/quotations/volume-rank", "FHPST01710000", &[], "").await;
        assert_eq!((s, b["msg_cd"].as_str()), (200, Some("OPSQ0002")), "{b}");
        actix_rt::time::sleep(std::time::Duration::from_millis(1_000)).await;
        // Unknown symbol; bad token.
        let (s, _, b) = price_of(&sim, &tok, "999999").await;
        assert_eq!((s, b["msg_cd"].as_str()), (200, Some("MCA05918")));
        let (s, _, b) = uapi(&sim, "not-a-token", "GET", PRICE, "FHKST01010100", &q, "").await;
        assert_eq!((s, b["msg_cd"].as_str()), (500, Some("EGW00121")));
        sim.stop().await.unwrap();
    })
    .await;
}
