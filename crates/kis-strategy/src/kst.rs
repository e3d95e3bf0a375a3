//! KST times of day as strategies configure them (`"09:30"`). Converting instants to Korean time lives in
//! [`kis_model::kst`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid KST time {0:?}: expected HH:MM or HH:MM:SS between 00:00 and 24:00")]
pub struct KstTimeError(pub String);

/// A time of day in KST, written `"09:30"` in configs. `24:00` is accepted as the end of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KstTime(u32);

impl KstTime {
    pub const fn hm(hour: u32, minute: u32) -> KstTime {
        KstTime(hour * 3600 + minute * 60)
    }

    pub fn seconds_of_day(self) -> u32 {
        self.0
    }
}

impl FromStr for KstTime {
    type Err = KstTimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || KstTimeError(s.to_string());
        let field = |p: &str, max: u32| -> Result<u32, KstTimeError> {
            if p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            p.parse::<u32>().ok().filter(|v| *v <= max).ok_or_else(bad)
        };
        let parts: Vec<&str> = s.trim().split(':').collect();
        let (hour, minute, second) = match parts.as_slice() {
            [h, m] => (field(h, 24)?, field(m, 59)?, 0),
            [h, m, sec] => (field(h, 24)?, field(m, 59)?, field(sec, 59)?),
            _ => return Err(bad()),
        };
        let total = hour * 3600 + minute * 60 + second;
        if total > 24 * 3600 {
            return Err(bad());
        }
        Ok(KstTime(total))
    }
}

impl fmt::Display for KstTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m, s) = (self.0 / 3600, self.0 % 3600 / 60, self.0 % 60);
        if s == 0 { write!(f, "{h:02}:{m:02}") } else { write!(f, "{h:02}:{m:02}:{s:02}") }
    }
}

impl Serialize for KstTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for KstTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A half-open span `[start, end)` of KST time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KstSpan {
    pub start: KstTime,
    pub end: KstTime,
}

impl KstSpan {
    pub const fn new(start: KstTime, end: KstTime) -> KstSpan {
        KstSpan { start, end }
    }

    pub fn contains(&self, seconds_of_day: u32) -> bool {
        self.start.0 <= seconds_of_day && seconds_of_day < self.end.0
    }

    pub fn is_valid(&self) -> bool {
        self.start < self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_and_refuse() {
        assert_eq!("09:30".parse::<KstTime>().unwrap(), KstTime::hm(9, 30));
        assert_eq!("14:30:15".parse::<KstTime>().unwrap().seconds_of_day(), 14 * 3600 + 30 * 60 + 15);
        assert_eq!("24:00".parse::<KstTime>().unwrap().seconds_of_day(), 86_400);
        assert_eq!(KstTime::hm(9, 5).to_string(), "09:05");
        for bad in ["9:30", "09:60", "24:01", "09", "09:30:00:00", "ab:cd", ""] {
            assert_eq!(bad.parse::<KstTime>(), Err(KstTimeError(bad.to_string())), "{bad}");
        }
        let span = KstSpan::new(KstTime::hm(9, 0), KstTime::hm(9, 30));
        assert!(span.contains(9 * 3600) && !span.contains(9 * 3600 + 1800) && span.is_valid());
    }
}
