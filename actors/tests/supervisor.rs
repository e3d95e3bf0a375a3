//! The supervisor against real actors on the actix runtime: dead (panicked) and stuck children are detected,
//! restarted after the backoff delay, and escalated when they keep failing; health is reported.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix::prelude::*;
use kis_actors::supervisor::{
    ActorState, BackoffPolicy, Escalation, GetHealth, HeartbeatReporter, Register, Shutdown, Supervisor,
    SupervisorConfig, SupervisorError,
};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

const TEST_LIMIT: Duration = Duration::from_secs(10);

// ---------- a supervised test actor ----------

#[derive(Message)]
#[rtype(result = "u32")]
struct Ping;

#[derive(Message)]
#[rtype(result = "()")]
struct Boom;

#[derive(Message)]
#[rtype(result = "()")]
struct Freeze;

/// Blocks the whole thread (as a slow fsync would), heartbeats included.
#[derive(Message)]
#[rtype(result = "()")]
struct BlockThread(Duration);

struct Worker {
    generation: u32,
    reporter: HeartbeatReporter,
    beating: bool,
}

impl Actor for Worker {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(Duration::from_millis(20), |act, _| {
            if act.beating {
                act.reporter.beat(3);
            }
        });
    }
}

impl Handler<Ping> for Worker {
    type Result = u32;
    fn handle(&mut self, _: Ping, _: &mut Self::Context) -> u32 {
        self.reporter.touch();
        self.generation
    }
}

impl Handler<Boom> for Worker {
    type Result = ();
    fn handle(&mut self, _: Boom, _: &mut Self::Context) {
        panic!("worker generation {} blew up on purpose", self.generation);
    }
}

impl Handler<Freeze> for Worker {
    type Result = ();
    fn handle(&mut self, _: Freeze, _: &mut Self::Context) {
        self.beating = false;
    }
}

impl Handler<BlockThread> for Worker {
    type Result = ();
    fn handle(&mut self, msg: BlockThread, _: &mut Self::Context) {
        std::thread::sleep(msg.0);
    }
}

impl Handler<Shutdown> for Worker {
    type Result = ();
    fn handle(&mut self, _: Shutdown, ctx: &mut Self::Context) {
        ctx.stop();
    }
}

/// What the factory has started so far; the test reaches the current instance through it.
#[derive(Clone, Default)]
struct Spawned {
    count: Arc<AtomicU32>,
    latest: Arc<Mutex<Option<Addr<Worker>>>>,
    started_at: Arc<Mutex<Vec<Instant>>>,
}

impl Spawned {
    fn current(&self) -> Addr<Worker> {
        self.latest.lock().unwrap().clone().expect("factory ran")
    }

    fn count(&self) -> u32 {
        self.count.load(Ordering::SeqCst)
    }
}

fn register(sup: &Addr<Supervisor>, name: &str, spawned: &Spawned) -> Register {
    let sup = sup.clone();
    let spawned = spawned.clone();
    let worker_name = name.to_string();
    Register {
        name: name.to_string(),
        factory: Box::new(move || {
            let generation = spawned.count.fetch_add(1, Ordering::SeqCst) + 1;
            let reporter = HeartbeatReporter::new(worker_name.clone(), sup.clone().recipient());
            let addr = Worker { generation, reporter, beating: true }.start();
            *spawned.latest.lock().unwrap() = Some(addr.clone());
            spawned.started_at.lock().unwrap().push(Instant::now());
            addr.recipient()
        }),
    }
}

fn config(stuck_after_ms: u64, max_restarts: u32) -> SupervisorConfig {
    SupervisorConfig {
        check_interval: Duration::from_millis(10),
        report_interval: Duration::from_millis(50),
        stuck_after: Duration::from_millis(stuck_after_ms),
        backoff: BackoffPolicy {
            initial: Duration::from_millis(150),
            max: Duration::from_secs(1),
            jitter: 0.5,
            stable_after: Duration::from_secs(60),
            max_restarts,
            window: Duration::from_secs(60),
            max_resets: 0,
        },
        seed: 11,
    }
}

async fn health_of(sup: &Addr<Supervisor>, name: &str) -> kis_actors::supervisor::ActorHealth {
    let all = sup.send(GetHealth).await.unwrap();
    all.into_iter().find(|(n, _)| n == name).map(|(_, h)| h).expect("registered")
}

async fn wait_for_state(sup: &Addr<Supervisor>, name: &str, want: ActorState, restarts: u32) {
    loop {
        let h = health_of(sup, name).await;
        if h.state == want && h.restarts == restarts {
            return;
        }
        actix_rt::time::sleep(Duration::from_millis(5)).await;
    }
}

// ---------- a small tracing capture ----------

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<String>>>);

struct MessageVisitor(String);

impl Visit for MessageVisitor {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut v = MessageVisitor(String::new());
        event.record(&mut v);
        self.0.lock().unwrap().push(v.0);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

impl Capture {
    fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

// ---------- tests ----------

#[actix_rt::test]
async fn panicked_actor_is_detected_dead_and_recreated_after_backoff() {
    tokio::time::timeout(TEST_LIMIT, async {
        let sup = Supervisor::new(config(2_000, 5)).unwrap().start();
        let spawned = Spawned::default();
        sup.send(register(&sup, "worker", &spawned)).await.unwrap().unwrap();
        assert_eq!(spawned.count(), 1);
        let first = spawned.current();
        assert_eq!(first.send(Ping).await.unwrap(), 1);

        let boom_at = Instant::now();
        assert!(first.send(Boom).await.is_err(), "a panicking handler drops its reply");
        assert!(!first.connected());
        wait_for_state(&sup, "worker", ActorState::Restarting, 0).await;
        assert_eq!(spawned.count(), 1, "no restart before the backoff delay");

        wait_for_state(&sup, "worker", ActorState::Running, 1).await;
        assert_eq!(spawned.count(), 2, "exactly one replacement");
        let restarted_at = spawned.started_at.lock().unwrap()[1];
        // First delay is 150 ms minus up to 50 % jitter.
        assert!(restarted_at.duration_since(boom_at) >= Duration::from_millis(75));

        let second = spawned.current();
        assert_eq!(second.send(Ping).await.unwrap(), 2, "the new instance answers");
        assert!(!first.connected());
    })
    .await
    .expect("test finished in time");
}

#[actix_rt::test]
async fn silent_actor_is_marked_stuck_and_replaced() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    tokio::time::timeout(TEST_LIMIT, async {
        // 300 ms leaves room for a loaded machine to delay the 20 ms heartbeats.
        let sup = Supervisor::new(config(300, 5)).unwrap().start();
        let spawned = Spawned::default();
        sup.send(register(&sup, "feed", &spawned)).await.unwrap().unwrap();
        let first = spawned.current();
        // Heartbeats keep it running well past the stuck timeout.
        actix_rt::time::sleep(Duration::from_millis(600)).await;
        let before = health_of(&sup, "feed").await;
        assert_eq!((before.state, before.restarts, before.mailbox_len), (ActorState::Running, 0, 3));

        first.send(Freeze).await.unwrap();
        wait_for_state(&sup, "feed", ActorState::Running, 1).await;
        assert_eq!(spawned.count(), 2);
        assert_eq!(spawned.current().send(Ping).await.unwrap(), 2);
        // The stuck instance was asked to stop.
        assert!(!first.connected());
    })
    .await
    .expect("test finished in time");

    let lines = capture.lines();
    let changes: Vec<&String> =
        lines.iter().filter(|l| l.starts_with("actor=feed state=") && l.contains(" was=")).collect();
    assert_eq!(
        changes,
        vec![
            "actor=feed state=stuck was=running restarts=0",
            "actor=feed state=restarting was=stuck restarts=0",
            "actor=feed state=running was=restarting restarts=1",
        ]
    );
}

/// A thread blocked longer than the stuck timeout starves the supervisor's own check too: the children that
/// could not beat are excused, not replaced, and the stall is logged.
#[actix_rt::test]
async fn a_blocked_event_loop_is_not_taken_for_stuck_actors() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    tokio::time::timeout(TEST_LIMIT, async {
        let sup = Supervisor::new(config(300, 5)).unwrap().start();
        let (a, b) = (Spawned::default(), Spawned::default());
        sup.send(register(&sup, "a", &a)).await.unwrap().unwrap();
        sup.send(register(&sup, "b", &b)).await.unwrap().unwrap();
        actix_rt::time::sleep(Duration::from_millis(100)).await;
        a.current().send(BlockThread(Duration::from_millis(700))).await.unwrap();
        // Long enough for a false verdict to be acted on (backoff starts at 150 ms).
        actix_rt::time::sleep(Duration::from_millis(500)).await;
        for name in ["a", "b"] {
            let h = health_of(&sup, name).await;
            assert_eq!((h.state, h.restarts), (ActorState::Running, 0), "{name}");
        }
        assert_eq!((a.count(), b.count()), (1, 1), "nothing was restarted");
    })
    .await
    .expect("test finished in time");
    let lines = capture.lines();
    assert!(lines.iter().any(|l| l.contains("event loop was blocked")), "{lines:?}");
    assert!(!lines.iter().any(|l| l.contains("state=stuck")), "{lines:?}");
}

#[actix_rt::test]
async fn health_lines_are_logged_per_actor() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    tokio::time::timeout(TEST_LIMIT, async {
        let sup = Supervisor::new(config(2_000, 5)).unwrap().start();
        let a = Spawned::default();
        let b = Spawned::default();
        sup.send(register(&sup, "ws_feed", &a)).await.unwrap().unwrap();
        sup.send(register(&sup, "market_cache", &b)).await.unwrap().unwrap();
        assert_eq!(a.current().send(Ping).await.unwrap(), 1);
        actix_rt::time::sleep(Duration::from_millis(200)).await;

        let health = sup.send(GetHealth).await.unwrap();
        let names: Vec<&str> = health.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, vec!["market_cache", "ws_feed"]);
        assert!(health.iter().all(|(_, h)| h.state == ActorState::Running && h.mailbox_len == 3));
        assert!(health[1].1.last_msg_at.is_some(), "ws_feed reported its ping");
        assert_eq!(health[0].1.last_msg_at, None, "market_cache handled nothing");
    })
    .await
    .expect("test finished in time");

    let lines = capture.lines();
    let feed: Vec<&String> =
        lines.iter().filter(|l| l.starts_with("actor=ws_feed state=running restarts=0 mailbox=3 last_msg=")).collect();
    assert!(!feed.is_empty(), "no health line for ws_feed in {lines:#?}");
    for l in &feed {
        let age = l.trim_start_matches("actor=ws_feed state=running restarts=0 mailbox=3 last_msg=");
        let secs: f64 = age.strip_suffix('s').expect("ends in s").parse().expect("seconds");
        assert!((0.0..1.0).contains(&secs), "{l}");
    }
    assert!(lines.iter().any(|l| l == "actor=market_cache state=running restarts=0 mailbox=3 last_msg=none"));
}

#[derive(Default)]
struct EscalationSink(Arc<Mutex<Vec<Escalation>>>);

impl Actor for EscalationSink {
    type Context = Context<Self>;
}

impl Handler<Escalation> for EscalationSink {
    type Result = ();
    fn handle(&mut self, msg: Escalation, _: &mut Self::Context) {
        self.0.lock().unwrap().push(msg);
    }
}

#[actix_rt::test]
async fn repeated_failures_escalate_and_stop_restarting() {
    tokio::time::timeout(TEST_LIMIT, async {
        let received = Arc::new(Mutex::new(Vec::new()));
        let sink = EscalationSink(received.clone()).start();
        let sup = Supervisor::new(config(2_000, 1)).unwrap().with_escalation(sink.recipient()).start();
        let spawned = Spawned::default();
        sup.send(register(&sup, "signal:005930", &spawned)).await.unwrap().unwrap();

        let _ = spawned.current().send(Boom).await;
        wait_for_state(&sup, "signal:005930", ActorState::Running, 1).await;
        let _ = spawned.current().send(Boom).await;
        wait_for_state(&sup, "signal:005930", ActorState::Escalated, 1).await;
        while received.lock().unwrap().is_empty() {
            actix_rt::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(
            *received.lock().unwrap(),
            vec![Escalation { name: "signal:005930".into(), restarts: 1, restarts_in_window: 1 }]
        );
        // Left down: no further instance appears.
        actix_rt::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(spawned.count(), 2);
        assert_eq!(health_of(&sup, "signal:005930").await.state, ActorState::Escalated);
    })
    .await
    .expect("test finished in time");
}

#[actix_rt::test]
async fn refuses_duplicate_names_and_bad_config() {
    tokio::time::timeout(TEST_LIMIT, async {
        let sup = Supervisor::new(config(2_000, 5)).unwrap().start();
        let spawned = Spawned::default();
        sup.send(register(&sup, "risk", &spawned)).await.unwrap().unwrap();
        let err = sup.send(register(&sup, "risk", &spawned)).await.unwrap().unwrap_err();
        assert_eq!(err, SupervisorError::DuplicateName("risk".into()));
        assert_eq!(err.to_string(), "an actor named \"risk\" is already registered");
        assert_eq!(spawned.count(), 1, "the duplicate's factory never ran");
    })
    .await
    .expect("test finished in time");

    let bad = |c: SupervisorConfig| Supervisor::new(c).err().expect("refused");
    assert_eq!(
        bad(SupervisorConfig { check_interval: Duration::ZERO, ..config(1, 1) }),
        SupervisorError::ZeroCheckInterval
    );
    assert_eq!(
        bad(SupervisorConfig { report_interval: Duration::ZERO, ..config(1, 1) }),
        SupervisorError::ZeroReportInterval
    );
    assert_eq!(bad(config(0, 1)), SupervisorError::ZeroStuckTimeout);
    let mut c = config(1, 1);
    c.backoff.jitter = -0.1;
    assert_eq!(bad(c).to_string(), "backoff jitter must be within 0.0..=1.0, got -0.1");
}
