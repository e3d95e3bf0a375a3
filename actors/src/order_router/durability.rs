//! The journal's fsyncs, off the router's event loop.
//!
//! The router writes each journal line to the operating system at once (so a killed process loses nothing)
//! but forces it to the disk here, on a thread of its own: a slow disk (one fsync took 11 s while CI was
//! linking) then delays only the orders waiting for it, never the feed, the notices or the other actors that
//! share the router's arbiter. Requests are grouped: one fsync answers every request that arrived while the
//! previous one ran. An order is sent only after the sync that covers its `Sent` line has answered.

use std::sync::mpsc;
use std::thread;

use kis_journal::SyncHandle;
use tokio::sync::oneshot;

/// What a sync answers: `Err` carries the I/O error's text (the journal is then unusable for sending).
pub type SyncResult = Result<(), String>;

/// Handle on the sync thread; dropping every clone stops the thread after its current sync.
#[derive(Debug, Clone)]
pub struct Syncer {
    requests: mpsc::Sender<oneshot::Sender<SyncResult>>,
}

impl Syncer {
    /// Starts the thread that owns `handle`.
    pub fn start(handle: SyncHandle) -> std::io::Result<Syncer> {
        let (requests, queue) = mpsc::channel::<oneshot::Sender<SyncResult>>();
        thread::Builder::new().name("journal-sync".into()).spawn(move || {
            while let Ok(first) = queue.recv() {
                let mut waiting = vec![first];
                waiting.extend(queue.try_iter());
                let result = handle.sync().map_err(|e| e.to_string());
                for waiter in waiting {
                    let _ = waiter.send(result.clone());
                }
            }
        })?;
        Ok(Syncer { requests })
    }

    /// A sync of everything written before this call; the receiver answers once it is on disk.
    pub fn sync(&self) -> oneshot::Receiver<SyncResult> {
        let (tx, rx) = oneshot::channel();
        if let Err(mpsc::SendError(tx)) = self.requests.send(tx) {
            let _ = tx.send(Err("the journal's sync thread has stopped".into()));
        }
        rx
    }

    /// A sync nobody waits for (fills, acks: already safe from a killed process, soon safe from a crash).
    pub fn nudge(&self) {
        drop(self.sync());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kis_journal::{Event, IntentRecord, Journal, OrderKind, Origin, StrategyId, SyncPolicy};
    use kis_model::{OrdDvsn, Price, Qty, Side};

    #[actix_rt::test]
    async fn grouped_syncs_answer_every_waiter_and_lines_are_readable_before_the_sync() {
        let path = std::env::temp_dir().join(format!("kis-durability-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let (mut journal, _) = Journal::open(&path).unwrap();
        let syncer = Syncer::start(journal.sync_handle().unwrap()).unwrap();
        journal.set_sync_policy(SyncPolicy::Deferred);
        assert_eq!(journal.policy(), SyncPolicy::Deferred);
        let record = IntentRecord {
            symbol: "005930".parse().unwrap(),
            side: Side::Buy,
            kind: OrderKind::Krx(OrdDvsn::Limit),
            qty: Qty::new(1),
            price: Some(Price::from_won(70_000)),
            strategy: StrategyId::new("t"),
            origin: Origin::Daemon,
        };
        let now = chrono::Utc::now();
        let id = journal.record_intent(now, record).unwrap();
        journal.record_event(now, id, Event::Sent).unwrap();
        // Written to the OS already: a process killed now would leave both lines.
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        let waiters: Vec<_> = (0..5).map(|_| syncer.sync()).collect();
        for w in waiters {
            assert_eq!(w.await.unwrap(), Ok(()));
        }
        let _ = std::fs::remove_file(&path);
    }
}
