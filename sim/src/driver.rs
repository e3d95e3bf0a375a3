//! The market driver: every `tick_ms` of real time it moves the virtual clock, advances the tape, feeds the
//! prints and books to every account's engine (fills → notices), encodes the subscribed data frames once per
//! symbol and fans them out, keeps sessions alive with PINGPONG, and hands each session one batch. While a
//! `backpressure` session has no room, the market does not advance (see `config::SlowConsumer`).

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use kis_model::{Market, MarketEvent};
use kis_protocol::ws::{FrameEncoder, H0stcnt0Owned, Hdfscnt0Owned};
use kis_synth::MarketSource;

use crate::exchange::{Exchange, Shared, Tape, lock};
use crate::faults::{Fault, ScheduledFault};
use crate::feed::{self, hms};
use crate::ws::hub::Channel;
use kis_model::kst::kst_of;

/// Driver-owned scratch, so a step allocates nothing once warm.
pub struct Driver {
    events: Vec<MarketEvent>,
    encoder: FrameEncoder,
    krx_group: Vec<H0stcnt0Owned>,
    us_group: Vec<Hdfscnt0Owned>,
    group_of: Option<usize>,
    scheduled: Vec<ScheduledFault>,
    last_save: Instant,
    /// Since when both markets are closed (virtual time), for `skip_closed`.
    both_closed_since: Option<DateTime<Utc>>,
}

/// With `skip_closed`: how long both markets stay closed before the clock jumps (virtual time). Long enough
/// for a daemon's end of day after each close: KRX closes 15:30 KST and a day ends at 15:40 by default, the
/// NYSE at 16:00 New York time and the US bot's day at 16:30.
pub const SKIP_AFTER_CLOSE: chrono::TimeDelta = chrono::TimeDelta::minutes(45);

/// With `skip_closed`: where the jump lands, before the next open (virtual time), so that a daemon reads its
/// account and subscribes before the session starts.
pub const SKIP_BEFORE_OPEN: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// Most real time one step may catch up on (see `step`).
const MAX_STEP: Duration = Duration::from_millis(50);

/// KIS caps a frame at 999 records.
const MAX_GROUP: usize = 999;

impl Driver {
    pub fn new(mut scheduled: Vec<ScheduledFault>) -> Driver {
        scheduled.sort_by_key(|f| std::cmp::Reverse(f.after_ms));
        Driver {
            events: Vec::with_capacity(4096),
            encoder: FrameEncoder::new(),
            krx_group: Vec::new(),
            us_group: Vec::new(),
            group_of: None,
            scheduled,
            last_save: Instant::now(),
            both_closed_since: None,
        }
    }

    /// Runs until `stop` fires. Lives on the caller's actix-rt arbiter.
    pub async fn run(mut self, shared: Shared, mut stop: tokio::sync::watch::Receiver<bool>) {
        let tick = Duration::from_millis(lock(&shared).cfg.tick_ms);
        let mut interval = tokio::time::interval(tick);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = interval.tick() => {}
                _ = stop.changed() => break,
            }
            let mut ex = lock(&shared);
            self.step(&mut ex);
        }
        let ex = lock(&shared);
        if let Err(e) = ex.save_state() {
            tracing::error!(error = %e, "state not saved");
        }
    }

    /// One step to the virtual time that corresponds to now.
    pub fn step(&mut self, ex: &mut Exchange) {
        let real_now = Instant::now();
        let elapsed = real_now.saturating_duration_since(ex.started);
        while self.scheduled.last().is_some_and(|f| Duration::from_millis(f.after_ms) <= elapsed) {
            if let Some(f) = self.scheduled.pop() {
                ex.apply_fault(&f.fault);
            }
        }
        if ex.ws.must_hold() {
            // A backpressure reader is full: virtual time waits (re-anchored at where the market stands, so
            // it resumes from here rather than jumping ahead), and only what is already queued moves.
            ex.clock = ex.clock.rebased(elapsed, ex.now);
            ex.clock_view.publish(ex.clock);
            ex.ws.held_steps += 1;
        } else {
            // A step covers at most MAX_STEP of market time (in real time at speed): a driver that falls
            // behind (more events per second than it can encode and send, e.g. 2,000 symbols at 1,000×)
            // slows virtual time instead of taking ever larger steps, each longer than the last, until
            // memory runs out. Generous enough that an occasional slow step is caught up, not lost.
            let span = MAX_STEP.max(Duration::from_millis(ex.cfg.tick_ms * 2));
            let most = ex.now + ex.clock.virtual_at(span).signed_duration_since(ex.clock.virtual_at(Duration::ZERO));
            let target = ex.clock.virtual_at(elapsed);
            if target > most {
                ex.clock = ex.clock.rebased(elapsed, most);
                ex.clock_view.publish(ex.clock);
                ex.ws.held_steps += 1;
            }
            self.advance(ex, target.min(most));
            self.skip_closed_hours(ex, elapsed);
        }
        let stalled = ex.faults.stalled(real_now);
        if stalled {
            ex.ws.discard_pending();
        } else {
            let cfg = ex.cfg.clone();
            let stamp = kst_of(ex.now).format("%Y%m%d%H%M%S").to_string();
            let dead = ex.ws.keepalive(
                real_now,
                Duration::from_millis(cfg.ws.ping_interval_ms),
                Duration::from_millis(cfg.ws.ping_timeout_ms),
                &stamp,
            );
            for id in dead {
                tracing::info!(session = id, "dropping a WebSocket session that did not answer PINGPONG");
                ex.ws.close(id);
                ex.stats.sessions_dropped += 1;
            }
            let (_, bytes, dropped) = ex.ws.flush();
            ex.stats.bytes_sent += bytes;
            ex.stats.sessions_dropped += dropped.len() as u64;
        }
        if ex.cfg.state_file.is_some() && self.last_save.elapsed() >= Duration::from_secs(ex.cfg.state_save_secs) {
            self.last_save = Instant::now();
            if let Err(e) = ex.save_state() {
                tracing::error!(error = %e, "state not saved");
            }
        }
    }

    /// `skip_closed`: over the hours when both markets are closed, the clock jumps to shortly before the next
    /// open (the tape is advanced over them, so nothing of it is lost, and each market's close and open are
    /// processed as usual).
    fn skip_closed_hours(&mut self, ex: &mut Exchange, elapsed: Duration) {
        if ex.any_open() {
            self.both_closed_since = None;
            return;
        }
        let since = *self.both_closed_since.get_or_insert(ex.now);
        if !ex.cfg.skip_closed || ex.now < since + SKIP_AFTER_CLOSE {
            return;
        }
        let Some(next_open) = ex.next_open() else { return };
        let to = next_open - SKIP_BEFORE_OPEN;
        if to <= ex.now {
            return;
        }
        let from = ex.now;
        self.advance(ex, to);
        ex.clock = ex.clock.rebased(elapsed, to);
        ex.clock_view.publish(ex.clock);
        self.both_closed_since = None;
        tracing::info!(
            from = %kst_of(from).format("%Y-%m-%d %H:%M KST"),
            to = %kst_of(to).format("%Y-%m-%d %H:%M KST"),
            "both markets closed: the clock skips to shortly before the next open"
        );
    }

    /// Advances the tape to `target` and processes what it produced.
    pub fn advance(&mut self, ex: &mut Exchange, target: DateTime<Utc>) {
        self.events.clear();
        let events = &mut self.events;
        let result = match &mut ex.tape {
            Tape::Synthetic => ex.market.advance_to(target, &mut |e| events.push(*e)).map_err(|e| e.to_string()),
            Tape::Replay(r) => r.advance_to(target, &mut |e| events.push(*e)).map_err(|e| e.to_string()),
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "market tape stopped");
        }
        ex.now = ex.now.max(target);
        let closing = ex.update_sessions();
        let events = std::mem::take(&mut self.events);
        for event in &events {
            self.process(ex, event);
        }
        self.flush_group(ex);
        self.events = events;
        for market in closing {
            ex.on_close(market);
        }
    }

    fn process(&mut self, ex: &mut Exchange, event: &MarketEvent) {
        let Some(&index) = ex.feed_index.get(&event.symbol()) else { return };
        match event {
            MarketEvent::Trade(t) => {
                ex.stats.trades += 1;
                let kst = kst_of(t.ts);
                let time = hms(kst.time());
                let f = &mut ex.feeds[index];
                let qty = f.on_trade(t, time);
                ex.feed_engines(event);
                if ex.ws.subscribers(Channel::Trade, index).is_empty() {
                    return;
                }
                if self.group_of != Some(index) || self.krx_group.len() + self.us_group.len() >= MAX_GROUP {
                    self.flush_group(ex);
                }
                self.group_of = Some(index);
                let f = &ex.feeds[index];
                let buy = !matches!(t.aggressor, Some(kis_model::Side::Sell));
                match t.symbol.market() {
                    Market::Krx => self.krx_group.push(f.h0stcnt0(qty, buy, time, kst.date_naive())),
                    Market::Us => {
                        let local = t.ts.with_timezone(&chrono_tz::America::New_York);
                        self.us_group.push(f.hdfscnt0(qty, local, kst));
                    }
                }
            }
            MarketEvent::Book(b) => {
                ex.stats.books += 1;
                ex.feeds[index].on_book(b);
                ex.feed_engines(event);
                if ex.ws.subscribers(Channel::Book, index).is_empty() {
                    return;
                }
                self.flush_group(ex);
                let f = &ex.feeds[index];
                let kst = kst_of(b.ts);
                let frame = match b.symbol.market() {
                    Market::Krx => self.encoder.typed(&[feed::h0stasp0(f, b, hms(kst.time()))]),
                    Market::Us => {
                        let local = b.ts.with_timezone(&chrono_tz::America::New_York);
                        self.encoder.typed(&[feed::hdfsasp0(f, b, local, kst)])
                    }
                };
                if let Ok(text) = frame {
                    let ids = ex.ws.subscribers(Channel::Book, index).to_vec();
                    ex.stats.frames_sent += ex.ws.fan_out(&ids, text.as_bytes());
                }
            }
            MarketEvent::Bar(_) => {}
        }
    }

    /// Sends the pending run of same-symbol prints as one frame (`NNN` = number of prints).
    fn flush_group(&mut self, ex: &mut Exchange) {
        let Some(index) = self.group_of.take() else { return };
        let frame = if !self.krx_group.is_empty() {
            self.encoder.typed(&self.krx_group)
        } else if !self.us_group.is_empty() {
            self.encoder.typed(&self.us_group)
        } else {
            return;
        };
        match frame {
            Ok(text) => {
                let ids = ex.ws.subscribers(Channel::Trade, index).to_vec();
                ex.stats.frames_sent += ex.ws.fan_out(&ids, text.as_bytes());
            }
            Err(e) => tracing::error!(error = %e, "cannot encode a trade frame"),
        }
        self.krx_group.clear();
        self.us_group.clear();
    }
}

/// Applies a fault now (admin endpoint and scheduled faults).
pub fn inject(shared: &Shared, fault: &Fault) {
    let mut ex = lock(shared);
    ex.apply_fault(fault);
}
