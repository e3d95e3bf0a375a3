//! Recorded market data as backtest input (`#kis-recording v1`, see docs/recording-format.md).
//!
//! A recording carries trades, books and the bars built from them. Feeding both would count every minute twice
//! (strategies treat a bar as a print), so a run takes either the ticks (trades and books) or the bars.

use std::io::BufRead;
use std::str::FromStr;

use kis_model::MarketEvent;
use kis_synth::RecordingReader;

use crate::error::{InputError, SettingsError};

/// The first line of a recording; anything else is read as a bar CSV.
pub const RECORDING_HEADER_PREFIX: &str = "#kis-recording";

/// Which records of a recording drive the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RecordingEvents {
    /// Trades and books; bar records are skipped.
    #[default]
    Ticks,
    /// Bar records only.
    Bars,
}

impl FromStr for RecordingEvents {
    type Err = SettingsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "ticks" => Ok(RecordingEvents::Ticks),
            "bars" => Ok(RecordingEvents::Bars),
            other => Err(SettingsError::bad("events", format!("{other:?} is not ticks or bars"))),
        }
    }
}

/// The recording's events of the chosen kind; the first bad line ends the iteration with its error.
pub struct RecordingInput<R: BufRead> {
    reader: RecordingReader<R>,
    events: RecordingEvents,
    failed: bool,
}

impl<R: BufRead> RecordingInput<R> {
    pub fn new(input: R, events: RecordingEvents) -> RecordingInput<R> {
        RecordingInput { reader: RecordingReader::new(input), events, failed: false }
    }
}

impl<R: BufRead> Iterator for RecordingInput<R> {
    type Item = Result<MarketEvent, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        for record in self.reader.by_ref() {
            match record {
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e.into()));
                }
                Ok(r) => {
                    let keep = matches!(
                        (&r.event, self.events),
                        (MarketEvent::Bar(_), RecordingEvents::Bars)
                            | (MarketEvent::Trade(_) | MarketEvent::Book(_), RecordingEvents::Ticks)
                    );
                    if keep {
                        return Some(Ok(r.event));
                    }
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "#kis-recording v1\n\
        T,2026-03-03T00:00:01Z,005930,70100,3,B,70000,70100,3\n\
        M,2026-03-03T00:00:00Z,005930,60,70000,70100,70000,70100,3\n\
        T,2026-03-03T00:01:01Z,005930,70200,1,,,,4\n";

    #[test]
    fn picks_ticks_or_bars() {
        let ticks: Vec<MarketEvent> =
            RecordingInput::new(TEXT.as_bytes(), RecordingEvents::Ticks).map(Result::unwrap).collect();
        assert_eq!(ticks.len(), 2);
        assert!(ticks.iter().all(|e| matches!(e, MarketEvent::Trade(_))));
        let bars: Vec<MarketEvent> =
            RecordingInput::new(TEXT.as_bytes(), RecordingEvents::Bars).map(Result::unwrap).collect();
        assert!(matches!(bars.as_slice(), [MarketEvent::Bar(_)]));
        assert_eq!(
            "minutes".parse::<RecordingEvents>().unwrap_err().to_string(),
            "events: \"minutes\" is not ticks or bars"
        );
    }

    #[test]
    fn a_bad_line_stops_with_its_number() {
        let text =
            format!("{TEXT}T,2026-03-03T00:02:00Z,005930,abc,1,,,,5\nT,2026-03-03T00:03:00Z,005930,70200,1,,,,6\n");
        let items: Vec<Result<MarketEvent, InputError>> =
            RecordingInput::new(text.as_bytes(), RecordingEvents::Ticks).collect();
        assert_eq!(items.len(), 3);
        let err = items.last().and_then(|r| r.as_ref().err()).map(ToString::to_string).unwrap_or_default();
        assert!(err.starts_with("line 5: bad price"), "{err}");
    }
}
