//! Broker history for a warm-up, the I/O part: the KIS chart calls a [`HistorySource`] names, through the
//! daemon's REST service (its rate limiter, at quote priority, and its token). The rows are turned into bars
//! by the pure functions of `history.rs`.

use chrono::{DateTime, Utc};
use kis_calendar::{NyseCalendar, TradingCalendar};
use kis_client::Priority;
use kis_model::Symbol;
use kis_protocol::rest::overseas_quote::{UsDailyPriceRequest, UsMinuteCandlesRequest};

use super::history::{ParsedHistory, daily_bars, forming_day, minute_bars, minute_page_key};
use crate::kis_api::{ApiCallError, KisApi};

/// Minute-chart pages asked for at most (120 bars each): KIS keeps about a month, a warm-up needs far less.
pub const MAX_MINUTE_PAGES: usize = 10;

/// Rows KIS sends per minute-chart page at most.
const MINUTE_PAGE: usize = 120;

/// The `ticker` and `EXCD` of a US symbol; `None` for others.
fn quote_key(symbol: Symbol) -> Option<(String, &'static str)> {
    match symbol {
        Symbol::Us(exchange, ticker) => Some((ticker.as_str().to_string(), exchange.quote_code())),
        Symbol::Krx(_) => None,
    }
}

/// The last 100 days of `symbol` (one `dailyprice` page), completed days only.
pub async fn us_daily(api: &KisApi, symbol: Symbol, now: DateTime<Utc>) -> Result<ParsedHistory, ApiCallError> {
    let Some((ticker, excd)) = quote_key(symbol) else { return Ok(ParsedHistory::default()) };
    let request = UsDailyPriceRequest {
        auth: String::new(),
        excd: excd.to_string(),
        symb: ticker,
        gubn: "0".into(),
        bymd: String::new(),
        // Adjusted prices: a split must not read as a crash to RSI, and today's live price is on that scale.
        modp: "1".into(),
        keyb: None,
    };
    let body = api.call(&request, Priority::Quote).await?.reply.body;
    let today = now.with_timezone(&chrono_tz::America::New_York).date_naive();
    // A calendar that fails to load leaves today out (see `forming_day`).
    let session = NyseCalendar::shipped().and_then(|cal| cal.session(today));
    Ok(daily_bars(symbol, &body.output2, now, forming_day(now, session)))
}

/// Up to `wanted` completed `nmin`-minute bars of `symbol`, paging back from now.
pub async fn us_minutes(
    api: &KisApi,
    symbol: Symbol,
    nmin: u32,
    wanted: usize,
    now: DateTime<Utc>,
) -> Result<ParsedHistory, ApiCallError> {
    let Some((ticker, excd)) = quote_key(symbol) else { return Ok(ParsedHistory::default()) };
    let mut all = ParsedHistory::default();
    let mut keyb = String::new();
    for page in 0..MAX_MINUTE_PAGES {
        let request = UsMinuteCandlesRequest {
            auth: String::new(),
            excd: excd.to_string(),
            symb: ticker.clone(),
            nmin: nmin.to_string(),
            pinc: "1".into(),
            next: if page == 0 { String::new() } else { "1".into() },
            nrec: MINUTE_PAGE.to_string(),
            fill: String::new(),
            keyb: keyb.clone(),
        };
        let reply = api.call(&request, Priority::Quote).await?.reply.body;
        let rows = reply.output2.len();
        let parsed = minute_bars(symbol, &reply.output2, nmin, now);
        let oldest = parsed.bars.first().map(|b| b.ts);
        all.forming += parsed.forming;
        all.skipped.extend(parsed.skipped);
        let before = all.bars.len();
        all.bars.extend(parsed.bars);
        all.bars.sort_by_key(|b| b.ts);
        all.bars.dedup_by_key(|b| b.ts);
        let more = reply.output1.next.trim() == "1";
        // Stop when KIS has no more, a page brought nothing new (a server ignoring the key), or enough.
        match oldest {
            Some(oldest) if more && rows > 0 && all.bars.len() > before && all.bars.len() < wanted => {
                keyb = minute_page_key(oldest, nmin);
            }
            _ => break,
        }
    }
    let surplus = all.bars.len().saturating_sub(wanted);
    all.bars.drain(..surplus);
    Ok(all)
}
