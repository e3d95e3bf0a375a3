//! When each traded market's day ends, and when the daemon stops: pure, times passed in. A daemon started
//! at 09:00 KST with both markets ends the KRX day at 15:40 KST and the US day at 16:30 New York time (06:30
//! KST the next morning), then stops; one started at the NYSE open ends the US night first and the KRX day
//! after it. A market without an end time keeps the daemon running until it is signalled.

use chrono::{DateTime, Days, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use kis_model::Market;
use kis_strategy::KstTime;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayPlan {
    ends: Vec<MarketEnd>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarketEnd {
    pub market: Market,
    /// `None`: no end time configured for this market.
    pub at: Option<DateTime<Utc>>,
    pub ended: bool,
}

impl DayPlan {
    /// The first end of each market's day strictly after `now`: KRX at `krx_end` (KST), the US at `us_end`
    /// (New York local time, so the same setting holds across daylight-saving changes).
    pub fn new(markets: &[Market], krx_end: Option<KstTime>, us_end: Option<NaiveTime>, now: DateTime<Utc>) -> DayPlan {
        let mut ends: Vec<MarketEnd> = Vec::new();
        for &market in markets {
            if ends.iter().any(|e| e.market == market) {
                continue;
            }
            let at = match market {
                Market::Krx => krx_end.and_then(|t| {
                    let secs = t.seconds_of_day();
                    NaiveTime::from_num_seconds_from_midnight_opt(secs % 86_400, 0)
                        .map(|time| (time, secs >= 86_400))
                        .and_then(|(time, next_day)| next_local(now, chrono_tz::Asia::Seoul, time, next_day))
                }),
                Market::Us => us_end.and_then(|t| next_local(now, chrono_tz::America::New_York, t, false)),
            };
            ends.push(MarketEnd { market, at, ended: false });
        }
        DayPlan { ends }
    }

    /// The plan of a daemon with this config: its traded markets and `[daemon]`'s end times.
    pub fn for_config(config: &kis_config::DaemonConfig, now: DateTime<Utc>) -> DayPlan {
        DayPlan::new(&super::traded_markets(config), config.daemon.shutdown_at, config.daemon.us_shutdown_at, now)
    }

    pub fn ends(&self) -> &[MarketEnd] {
        &self.ends
    }

    /// Markets whose day ended at or before `now` and were not reported yet; each is reported once.
    pub fn due(&mut self, now: DateTime<Utc>) -> Vec<Market> {
        let mut out = Vec::new();
        for e in &mut self.ends {
            if !e.ended && e.at.is_some_and(|at| at <= now) {
                e.ended = true;
                out.push(e.market);
            }
        }
        out
    }

    /// Every traded market's day is over (never, while one has no end time, or with no market at all).
    pub fn finished(&self) -> bool {
        !self.ends.is_empty() && self.ends.iter().all(|e| e.ended)
    }

    /// The last end, when every market has one: the instant the daemon will stop.
    pub fn stops_at(&self) -> Option<DateTime<Utc>> {
        self.ends.iter().map(|e| e.at).collect::<Option<Vec<_>>>()?.into_iter().max()
    }
}

/// The first instant after `now` at which the local clock of `tz` reads `time` (`24:00` is given as
/// midnight with `next_day`). A time skipped by a daylight-saving jump falls on the first instant after it.
fn next_local(now: DateTime<Utc>, tz: Tz, time: NaiveTime, next_day: bool) -> Option<DateTime<Utc>> {
    let today = now.with_timezone(&tz).date_naive();
    (0..=8u64).find_map(|d| {
        let date = today.checked_add_days(Days::new(d + u64::from(next_day)))?;
        let local = date.and_time(time);
        let at = tz
            .from_local_datetime(&local)
            .earliest()
            .or_else(|| tz.from_local_datetime(&(local + chrono::TimeDelta::hours(1))).earliest())?
            .with_timezone(&Utc);
        (at > now).then_some(at)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn ny(h: u32, m: u32) -> Option<NaiveTime> {
        NaiveTime::from_hms_opt(h, m, 0)
    }

    #[test]
    fn both_markets_from_the_krx_morning_end_the_krx_day_then_the_us_night() {
        // 2026-03-04 09:00 KST.
        let mut plan =
            DayPlan::new(&[Market::Krx, Market::Us], Some(KstTime::hm(15, 40)), ny(16, 30), t("2026-03-04T00:00:00Z"));
        let krx = plan.ends()[0].at.unwrap();
        let us = plan.ends()[1].at.unwrap();
        assert_eq!(krx, t("2026-03-04T06:40:00Z"), "15:40 KST");
        assert_eq!(us, t("2026-03-04T21:30:00Z"), "16:30 EST = 06:30 KST the next morning");
        assert_eq!(plan.stops_at(), Some(us));
        assert!(plan.due(t("2026-03-04T06:39:59Z")).is_empty());
        assert_eq!(plan.due(krx), vec![Market::Krx]);
        assert!(plan.due(krx).is_empty(), "reported once");
        assert!(!plan.finished());
        assert_eq!(plan.due(us), vec![Market::Us]);
        assert!(plan.finished());
    }

    #[test]
    fn started_at_the_nyse_open_the_us_day_ends_first() {
        // 2026-03-04 09:30 EST = 23:30 KST.
        let plan =
            DayPlan::new(&[Market::Krx, Market::Us], Some(KstTime::hm(15, 40)), ny(16, 30), t("2026-03-04T14:30:00Z"));
        assert_eq!(plan.ends()[1].at, Some(t("2026-03-04T21:30:00Z")));
        assert_eq!(plan.ends()[0].at, Some(t("2026-03-05T06:40:00Z")), "the next KRX day");
    }

    #[test]
    fn the_us_end_follows_new_york_daylight_saving() {
        // 2026-07-01 (EDT, UTC−4): 16:30 New York is 20:30 UTC.
        let plan = DayPlan::new(&[Market::Us], None, ny(16, 30), t("2026-07-01T13:30:00Z"));
        assert_eq!(plan.ends()[0].at, Some(t("2026-07-01T20:30:00Z")));
    }

    #[test]
    fn a_market_without_an_end_time_keeps_the_daemon_running() {
        let mut plan =
            DayPlan::new(&[Market::Krx, Market::Us], Some(KstTime::hm(15, 40)), None, t("2026-03-04T00:00:00Z"));
        assert_eq!(plan.stops_at(), None);
        assert_eq!(plan.due(t("2026-03-10T00:00:00Z")), vec![Market::Krx]);
        assert!(!plan.finished());
        assert!(!DayPlan::new(&[], None, None, t("2026-03-04T00:00:00Z")).finished());
    }

    #[test]
    fn an_end_exactly_now_is_the_next_day() {
        let plan = DayPlan::new(&[Market::Krx], Some(KstTime::hm(15, 40)), None, t("2026-03-04T06:40:00Z"));
        assert_eq!(plan.ends()[0].at, Some(t("2026-03-05T06:40:00Z")));
        let midnight = DayPlan::new(&[Market::Krx], Some(KstTime::hm(24, 0)), None, t("2026-03-04T06:40:00Z"));
        assert_eq!(midnight.ends()[0].at, Some(t("2026-03-04T15:00:00Z")), "24:00 KST is the next midnight");
    }
}
