//! The US charts over loopback (minute `inquire-time-itemchartprice`, daily `dailyprice`): what they serve is
//! the tape so far, as a client warming up from them and then following the live feed needs.

mod common;

use common::*;

/// The US minute chart serves the tape so far: newest first, never a bar after now, `NMIN` buckets from the
/// session open, and a next page (`NEXT "1"`, `KEYB` one bar before the oldest) strictly older than the last.
#[actix_rt::test]
async fn us_minute_chart_pages_back_through_the_tape_so_far() {
    bounded(30, async {
        let mut c = config(US_OPEN);
        c.env = kis_model::Environment::Real;
        c.speed = 600;
        let sim = start(c).await;
        wait_open(&sim, kis_model::Market::Us).await;
        let symbol = {
            let ex = kis_sim::exchange::lock(sim.state());
            ex.feeds.iter().map(|f| f.symbol).find(|s| matches!(s, kis_model::Symbol::Us(..))).unwrap()
        };
        let kis_model::Symbol::Us(exchange, ticker) = symbol else { unreachable!() };
        for _ in 0..300 {
            if kis_sim::exchange::lock(sim.state()).market.minute_bars(&symbol).is_some_and(|b| b.len() >= 25) {
                break;
            }
            actix_rt::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let tok = token(&sim, KEY, SECRET).await;
        let chart = |nmin: &'static str, nrec: &'static str, next: &'static str, keyb: String| {
            let (sim, tok) = (&sim, tok.clone());
            async move {
                let params = [
                    ("AUTH", ""),
                    ("EXCD", exchange.quote_code()),
                    ("SYMB", ticker.as_str()),
                    ("NMIN", nmin),
                    ("PINC", "1"),
                    ("NEXT", next),
                    ("NREC", nrec),
                    ("FILL", ""),
                    ("KEYB", keyb.as_str()),
                ];
                let path = "/uapi/overseas-price/v1/quotations/inquire-time-itemchartprice";
                uapi(sim, &tok, "GET", path, "HHDFS76950200", &params, "").await.2
            }
        };
        let stamp =
            |row: &serde_json::Value| format!("{}{}", row["xymd"].as_str().unwrap(), row["xhms"].as_str().unwrap());
        let first = chart("1", "10", "", String::new()).await;
        let now = sim.virtual_now().with_timezone(&chrono_tz::America::New_York);
        let rows = first["output2"].as_array().unwrap().clone();
        assert_eq!(rows.len(), 10, "{first}");
        assert_eq!(first["output1"]["next"], "1", "older bars remain");
        let stamps: Vec<String> = rows.iter().map(stamp).collect();
        assert!(stamps.windows(2).all(|w| w[0] > w[1]), "newest first: {stamps:?}");
        assert!(stamps[0] <= now.format("%Y%m%d%H%M%S").to_string(), "no bar after now: {stamps:?} at {now}");
        // The next page starts one bar before the oldest received.
        let oldest = chrono::NaiveDateTime::parse_from_str(&stamps[9], "%Y%m%d%H%M%S").unwrap();
        let key = (oldest - chrono::Duration::minutes(1)).format("%Y%m%d%H%M%S").to_string();
        let second = chart("1", "10", "1", key).await;
        let older: Vec<String> = second["output2"].as_array().unwrap().iter().map(stamp).collect();
        assert!(!older.is_empty() && older.iter().all(|s| *s < stamps[9]), "{older:?} after {stamps:?}");
        // Five-minute bars start on the five-minute grid from 09:30 and hold every minute's volume.
        let ones = chart("1", "120", "", String::new()).await;
        let five = chart("5", "120", "", String::new()).await;
        let fives = five["output2"].as_array().unwrap();
        assert!(fives.len() >= 5, "{five}");
        assert!(fives.iter().all(|r| r["xhms"].as_str().unwrap()[2..4].parse::<u32>().unwrap() % 5 == 0), "{five}");
        let minute_volume: i64 = ones["output2"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["evol"].as_str().unwrap().parse::<i64>().unwrap())
            .sum();
        let five_volume: i64 = fives.iter().map(|r| r["evol"].as_str().unwrap().parse::<i64>().unwrap()).sum();
        assert!(five_volume >= minute_volume, "buckets hold every minute ({five_volume} < {minute_volume})");
        sim.stop().await.unwrap();
    })
    .await;
}

/// After the close the day just traded is the newest completed day of the daily chart, listed once.
#[actix_rt::test]
async fn us_daily_chart_lists_a_closed_day_once() {
    bounded(30, async {
        // 15:59 New York: a minute of trading, then the close.
        let mut c = config("2026-03-04T20:59:00Z");
        c.env = kis_model::Environment::Real;
        c.speed = 1_000;
        let sim = start(c).await;
        wait_open(&sim, kis_model::Market::Us).await;
        for _ in 0..300 {
            if !sim.is_open(kis_model::Market::Us) {
                break;
            }
            actix_rt::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(!sim.is_open(kis_model::Market::Us), "the NYSE closed");
        let tok = token(&sim, KEY, SECRET).await;
        let symbol = {
            let ex = kis_sim::exchange::lock(sim.state());
            ex.feeds.iter().map(|f| f.symbol).find(|s| matches!(s, kis_model::Symbol::Us(..))).unwrap()
        };
        let kis_model::Symbol::Us(exchange, ticker) = symbol else { unreachable!() };
        let params = [
            ("AUTH", ""),
            ("EXCD", exchange.quote_code()),
            ("SYMB", ticker.as_str()),
            ("GUBN", "0"),
            ("BYMD", ""),
            ("MODP", "0"),
            ("KEYB", ""),
        ];
        let (_, _, dp) =
            uapi(&sim, &tok, "GET", "/uapi/overseas-price/v1/quotations/dailyprice", "HHDFS76240000", &params, "")
                .await;
        let dates: Vec<&str> = dp["output2"].as_array().unwrap().iter().map(|r| r["xymd"].as_str().unwrap()).collect();
        assert_eq!(dates.first(), Some(&"20260304"), "{dates:?}");
        assert_eq!(dates.iter().filter(|d| **d == "20260304").count(), 1, "{dates:?}");
        assert!(dates.windows(2).all(|w| w[0] > w[1]), "newest first, each day once: {dates:?}");
        sim.stop().await.unwrap();
    })
    .await;
}
