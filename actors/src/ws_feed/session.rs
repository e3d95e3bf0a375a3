//! One WebSocket session (one app key): approve, connect, register what the table says, then read until the
//! connection dies or goes silent, and start again after a backoff delay — for as long as the feed lives.
//!
//! It runs as a local task on the feed's arbiter (awc is `!Send`) and talks to the actor through a command
//! channel ("the table changed", "stop"); the actor is dropped → the channel closes → the task ends. Decoded
//! events go straight to the cache and the subscribers from here, not through the actor's mailbox: the feed
//! is the daemon's hottest path and one hop fewer is one copy and one wake-up fewer per frame.

use std::cell::Cell;
use std::collections::HashSet;
use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use kis_auth::TokenManager;
use kis_client::{WsConnection, WsEvent};
use kis_model::{MarketEvent, Secret};
use kis_protocol::ws::{
    Control, ControlCode, Frame, NoticeKeys, Records, SubscribeRequest, TrType, WsMessage, WsTrId, decode_message,
    market_events,
};
use tokio::sync::mpsc::UnboundedReceiver;
use tracing::{debug, info, warn};

use super::failure_log::FailureLog;
use super::notice::{self, NoticeError};
use super::subscriptions::Registration;
use super::{SharedSubscriptions, WsFeedConfig};
use crate::market_cache::UpdateBatch;
use crate::messages::{MarketBatch, Notice};
use crate::supervisor::{Backoff, RestartDecision};
use crate::venue_clock::VenueClock;
use kis_model::kst::kst_date;

/// How long a polite close may take before the socket is simply dropped.
const CLOSE_GRACE: Duration = Duration::from_millis(250);

/// What the actor tells a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Command {
    /// The table changed: register and deregister the difference.
    Sync,
    Stop,
}

/// Counters a session shares with the actor (same thread) for [`crate::messages::FeedStatus`].
#[derive(Debug, Default)]
pub(crate) struct SessionStats {
    pub connected: Cell<bool>,
    pub confirmed: Cell<usize>,
    pub reconnects: Cell<u64>,
    pub frames: Cell<u64>,
    pub bad_frames: Cell<u64>,
    pub notices: Cell<u64>,
}

fn bump(cell: &Cell<u64>) {
    cell.set(cell.get().saturating_add(1));
}

/// Where a session's output goes.
#[derive(Clone)]
pub(crate) struct Outputs {
    pub cache: Recipient<UpdateBatch>,
    pub notices: Recipient<Notice>,
    pub clock: VenueClock,
}

pub(crate) struct Session {
    pub index: usize,
    pub auth: TokenManager,
    pub config: Rc<WsFeedConfig>,
    pub table: SharedSubscriptions,
    pub out: Outputs,
    pub stats: Rc<SessionStats>,
    pub backoff: Backoff,
    pub failures: FailureLog,
    /// When the connection was lost, until everything is registered again (for the recovery log line).
    pub down_since: Option<Instant>,
}

/// Why a connection ended.
enum Ended {
    Stopped,
    Failed { reason: String, reapprove: bool },
}

fn failed(reason: impl Into<String>) -> Ended {
    Ended::Failed { reason: reason.into(), reapprove: false }
}

/// One connection's state. Everything here is void after a reconnect: KIS forgets registrations and issues
/// new notice keys.
struct Live {
    conn: WsConnection,
    approval: Secret,
    /// Registrations sent on this connection (and not deregistered since).
    sent: HashSet<Registration>,
    /// Registrations KIS acknowledged.
    confirmed: HashSet<Registration>,
    notice_keys: NoticeKeys,
    last_rx: Instant,
    /// Last data frame (not control), `None` until the first on this connection.
    last_data: Option<Instant>,
}

/// Runs `fut` unless the feed stops first (`None`). "The table changed" is ignored here: whoever waits
/// synchronises with the table after waiting anyway.
async fn until_stopped<F: Future>(commands: &mut UnboundedReceiver<Command>, fut: F) -> Option<F::Output> {
    tokio::pin!(fut);
    loop {
        tokio::select! {
            out = &mut fut => return Some(out),
            command = commands.recv() => match command {
                Some(Command::Sync) => {}
                Some(Command::Stop) | None => return None,
            },
        }
    }
}

impl Session {
    pub(crate) async fn run(mut self, mut commands: UnboundedReceiver<Command>) {
        let mut first = true;
        loop {
            let up_at = Instant::now();
            let ended = self.serve(&mut commands, first).await;
            self.stats.connected.set(false);
            self.stats.confirmed.set(0);
            first = false;
            let (reason, reapprove) = match ended {
                Ended::Stopped => {
                    info!(session = self.index, "WebSocket session stopped");
                    return;
                }
                Ended::Failed { reason, reapprove } => (reason, reapprove),
            };
            let now = Instant::now();
            self.down_since.get_or_insert(now);
            if reapprove && until_stopped(&mut commands, self.auth.forget_approval_key()).await.is_none() {
                return;
            }
            let delay = match self.backoff.on_failure(now) {
                RestartDecision::Retry(delay) => delay,
                // The feed never gives up; it only slows down to the cap.
                RestartDecision::Escalate { .. } => self.backoff.policy().max,
            };
            warn!(
                session = self.index,
                after_s = format_args!("{:.1}", now.saturating_duration_since(up_at).as_secs_f64()),
                retry_in_ms = delay.as_millis(),
                reapprove,
                "WebSocket session lost: {reason}"
            );
            if until_stopped(&mut commands, actix_rt::time::sleep(delay)).await.is_none() {
                return;
            }
        }
    }

    async fn serve(&mut self, commands: &mut UnboundedReceiver<Command>, first: bool) -> Ended {
        let started = Instant::now();
        let approval = match until_stopped(commands, self.auth.approval_key()).await {
            None => return Ended::Stopped,
            Some(Err(e)) => return failed(format!("no approval key: {e}")),
            Some(Ok(key)) => key,
        };
        let connect = WsConnection::connect(&self.config.ws_url, self.config.connect_timeout);
        let conn = match until_stopped(commands, connect).await {
            None => return Ended::Stopped,
            Some(Err(e)) => return failed(e.to_string()),
            Some(Ok(conn)) => conn,
        };
        if !first {
            bump(&self.stats.reconnects);
        }
        self.stats.connected.set(true);
        info!(
            session = self.index,
            connect_ms = started.elapsed().as_millis(),
            reconnect = !first,
            "WebSocket connected"
        );
        let mut live = Live {
            conn,
            approval,
            sent: HashSet::new(),
            confirmed: HashSet::new(),
            notice_keys: NoticeKeys::new(),
            last_rx: Instant::now(),
            last_data: None,
        };
        if let Err(ended) = self.sync(&mut live, commands).await {
            return ended;
        }
        self.check_recovered(&live);
        loop {
            let any_deadline = live.last_rx + self.config.silence_timeout;
            let data_deadline = self.config.data_silence_timeout.zip(live.last_data).map(|(d, at)| at + d);
            let deadline = data_deadline.map_or(any_deadline, |d| d.min(any_deadline));
            tokio::select! {
                event = live.conn.next_event() => match event {
                    Ok(WsEvent::Text(text)) => {
                        live.last_rx = Instant::now();
                        if matches!(text.as_bytes().first(), Some(b'0' | b'1')) {
                            live.last_data = Some(live.last_rx);
                        }
                        if let Err(ended) = self.on_text(&mut live, &text).await {
                            close(&mut live).await;
                            return ended;
                        }
                    }
                    Ok(WsEvent::Closed(reason)) => return failed(format!("closed by the server ({reason:?})")),
                    Err(e @ kis_client::WsError::NotUtf8) => {
                        live.last_rx = Instant::now();
                        self.bad("not_utf8", &e);
                    }
                    Err(e) => return failed(e.to_string()),
                },
                command = commands.recv() => match command {
                    Some(Command::Sync) => {
                        if let Err(ended) = self.sync(&mut live, commands).await {
                            return ended;
                        }
                    }
                    Some(Command::Stop) | None => {
                        close(&mut live).await;
                        return Ended::Stopped;
                    }
                },
                () = actix_rt::time::sleep_until(deadline.into()) => {
                    close(&mut live).await;
                    if data_deadline.is_some_and(|d| d < any_deadline) {
                        let silent = self.config.data_silence_timeout.unwrap_or_default().as_secs_f64();
                        return failed(format!("market data stopped for {silent:.1}s after flowing"));
                    }
                    let silent = self.config.silence_timeout.as_secs_f64();
                    return failed(format!("nothing received for {silent:.1}s (no data, no PINGPONG)"));
                }
            }
        }
    }

    /// Registers and deregisters until this connection carries exactly what the table says. Repeats until a
    /// pass finds nothing to do, so a change made while it was sending is not missed.
    async fn sync(&mut self, live: &mut Live, commands: &mut UnboundedReceiver<Command>) -> Result<(), Ended> {
        loop {
            let desired = self.table.lock().registrations(self.index);
            let stale: Vec<Registration> = live.sent.iter().filter(|r| !desired.contains(r)).copied().collect();
            let fresh: Vec<Registration> = desired.into_iter().filter(|r| !live.sent.contains(r)).collect();
            if stale.is_empty() && fresh.is_empty() {
                return Ok(());
            }
            let requests = stale.into_iter().map(|r| (TrType::Deregister, r));
            for (tr_type, registration) in requests.chain(fresh.into_iter().map(|r| (TrType::Register, r))) {
                self.send(live, tr_type, registration).await?;
                match tr_type {
                    TrType::Register => live.sent.insert(registration),
                    TrType::Deregister => live.sent.remove(&registration),
                };
                let pacing = self.config.subscribe_pacing;
                if !pacing.is_zero() && until_stopped(commands, actix_rt::time::sleep(pacing)).await.is_none() {
                    return Err(Ended::Stopped);
                }
            }
        }
    }

    async fn send(&self, live: &mut Live, tr_type: TrType, registration: Registration) -> Result<(), Ended> {
        let tr_key = match registration {
            Registration::Trades(s) | Registration::Book(s) => s.ws_tr_key(),
            Registration::Notices(_) => match &self.config.hts_id {
                Some(id) => id.expose().to_owned(),
                None => return Ok(()),
            },
        };
        let tr_id = registration.tr_id(self.config.env);
        let request = SubscribeRequest::new(live.approval.expose(), tr_type, tr_id, tr_key);
        live.conn.send_text(&request.to_json()).await.map_err(|e| failed(e.to_string()))
    }

    async fn on_text(&mut self, live: &mut Live, text: &str) -> Result<(), Ended> {
        match decode_message(text) {
            Ok(WsMessage::Data(frame)) => {
                bump(&self.stats.frames);
                self.on_data(live, &frame);
                Ok(())
            }
            Ok(WsMessage::Control(Control::PingPong { .. })) => {
                live.conn.send_text(text).await.map_err(|e| failed(format!("PINGPONG echo: {e}")))
            }
            Ok(WsMessage::Control(control @ Control::Reply(_))) => self.on_reply(live, &control),
            Ok(WsMessage::Control(Control::Unknown(unknown))) => {
                if let Some(n) = self.failures.note("unknown_control", Instant::now()) {
                    let code = unknown.msg_cd.as_deref().unwrap_or("-");
                    debug!(session = self.index, count = n, code, "unclassified control message ignored");
                }
                Ok(())
            }
            Err(e) => {
                self.bad(e.kind(), &e);
                Ok(())
            }
        }
    }

    fn on_reply(&mut self, live: &mut Live, control: &Control) -> Result<(), Ended> {
        let Control::Reply(reply) = control else { return Ok(()) };
        let registration = Registration::from_reply(&reply.tr_id, reply.tr_key.as_deref().unwrap_or_default());
        match reply.code {
            ControlCode::SubscribeSuccess | ControlCode::AlreadySubscribed => {
                if reply.tr_id.is_notice()
                    && let Err(e) = live.notice_keys.update_from(control)
                {
                    self.bad("notice_key", &e);
                }
                if let Some(r) = registration.filter(|r| live.sent.contains(r)) {
                    live.confirmed.insert(r);
                }
            }
            ControlCode::UnsubscribeSuccess | ControlCode::NotSubscribed => {
                if let Some(r) = registration {
                    live.confirmed.remove(&r);
                }
            }
            ControlCode::InvalidAppKey => {
                return Err(Ended::Failed { reason: "approval key refused (OPSP0011)".into(), reapprove: true });
            }
            ControlCode::AppKeyInUse => {
                return Err(failed("app key already in use by another session (OPSP8996)"));
            }
            ControlCode::MaxSubscribeOver | ControlCode::InternalError => {
                if let Some(n) = self.failures.note(reply.code.kind(), Instant::now()) {
                    // The registration names the symbol, never a notice key (the HTS ID).
                    warn!(session = self.index, code = reply.code.as_str(), tr_id = %reply.tr_id, ?registration,
                        count = n, "KIS refused a registration");
                }
            }
        }
        self.stats.confirmed.set(live.confirmed.len());
        self.check_recovered(live);
        Ok(())
    }

    /// Once every registration is acknowledged again after a drop (a successful resubscribe, approval key
    /// included), logs how long the repair took and lets the next drop be retried after the first delay
    /// again. Only acknowledgements count: a server that accepts the connection and drops it before
    /// answering keeps the delay doubling.
    fn check_recovered(&mut self, live: &Live) {
        if let Some(since) = self.down_since
            && live.confirmed.len() >= live.sent.len()
        {
            self.down_since = None;
            let backoff_reset = self.backoff.on_recovered(Instant::now());
            info!(
                session = self.index,
                registrations = live.confirmed.len(),
                recovered_ms = since.elapsed().as_millis(),
                backoff_reset,
                "WebSocket session reconnected and resubscribed"
            );
        }
    }

    fn on_data(&mut self, live: &mut Live, frame: &Frame<'_>) {
        let tr = frame.ws_tr_id();
        if tr.is_notice() {
            self.on_notice(live, frame, &tr);
            return;
        }
        let mut events = Vec::with_capacity(frame.count().min(64));
        let clock = &self.out.clock;
        match market_events(frame, &mut || kst_date(clock.now()), &mut events) {
            Ok(true) => {}
            Ok(false) => {
                if let Some(n) = self.failures.note("unexpected_tr", Instant::now()) {
                    debug!(session = self.index, tr_id = %tr, count = n, "data frame of a channel we do not read");
                }
            }
            Err(e) => self.bad(e.kind(), &e),
        }
        if live.confirmed.len() < live.sent.len() {
            self.confirm_by_data(live, &events);
        }
        self.dispatch(events);
    }

    /// Data for a registration proves it, when its ack was lost (e.g. discarded by a stalled server).
    fn confirm_by_data(&mut self, live: &mut Live, events: &[MarketEvent]) {
        for event in events {
            let registration = match event {
                MarketEvent::Trade(t) => Registration::Trades(t.symbol),
                MarketEvent::Book(b) => Registration::Book(b.symbol),
                MarketEvent::Bar(_) => continue,
            };
            if live.sent.contains(&registration) {
                live.confirmed.insert(registration);
            }
        }
        self.stats.confirmed.set(live.confirmed.len());
        self.check_recovered(live);
    }

    /// One batch to the cache, and each symbol's events (usually all of the frame: KIS frames hold one
    /// symbol) as one shared slice to every subscriber of that symbol.
    fn dispatch(&self, events: Vec<MarketEvent>) {
        let Some(first) = events.first().map(MarketEvent::symbol) else { return };
        {
            let table = self.table.lock();
            if events.iter().all(|e| e.symbol() == first) {
                let batch: Arc<[MarketEvent]> = Arc::from(events.as_slice());
                for to in table.recipients(&first) {
                    to.do_send(MarketBatch(batch.clone()));
                }
            } else {
                let mut seen = Vec::new();
                for symbol in events.iter().map(MarketEvent::symbol) {
                    if seen.contains(&symbol) {
                        continue;
                    }
                    seen.push(symbol);
                    let batch: Arc<[MarketEvent]> = events.iter().filter(|e| e.symbol() == symbol).copied().collect();
                    for to in table.recipients(&symbol) {
                        to.do_send(MarketBatch(batch.clone()));
                    }
                }
            }
        }
        self.out.cache.do_send(UpdateBatch(events));
    }

    fn on_notice(&mut self, live: &Live, frame: &Frame<'_>, tr: &WsTrId) {
        let plain = if frame.is_encrypted() {
            match live.notice_keys.decrypt(tr, frame.payload()) {
                Ok(plain) => plain,
                Err(e) => return self.bad("notice_crypto", &e),
            }
        } else {
            frame.payload().to_owned()
        };
        let records = match Records::new(frame.tr_id(), frame.count(), &plain) {
            Ok(records) => records,
            Err(e) => return self.bad("notice_record", &NoticeError::from(e)),
        };
        let now = self.out.clock.now();
        for record in records {
            let parsed = record.map_err(NoticeError::from).and_then(|record| match tr {
                WsTrId::H0stcni0 | WsTrId::H0stcni9 => notice::domestic(record, kst_date(now)),
                _ => notice::overseas(record, now),
            });
            match parsed {
                Ok(n) => {
                    bump(&self.stats.notices);
                    self.out.notices.do_send(Notice(n));
                }
                Err(e) => self.bad(e.kind(), &e),
            }
        }
    }

    /// Counts a message that could not be read; logs the first of each kind, then one a minute.
    fn bad(&mut self, kind: &'static str, error: &dyn std::fmt::Display) {
        bump(&self.stats.bad_frames);
        if let Some(n) = self.failures.note(kind, Instant::now()) {
            warn!(session = self.index, kind, count = n, "unreadable WebSocket message skipped: {error}");
        }
    }
}

async fn close(live: &mut Live) {
    let _ = actix_rt::time::timeout(CLOSE_GRACE, live.conn.close()).await;
}
