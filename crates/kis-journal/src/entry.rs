//! What one journal line says: a state change of one order intent.
//!
//! The journal is the only thing that survives a crash, so each line is self-contained (intent id, time,
//! event) and written in a form a person can read with `jq` during an incident. Nothing here names the
//! account: a journal can be attached to a bug report.

use std::fmt;

use chrono::{DateTime, Utc};
pub use kis_model::StrategyId;
use kis_model::{ClientOrderId, OrdDvsn, OrderId, OrderNo, Price, Qty, Side, Symbol, UsOrdDvsn};
use serde::{Deserialize, Serialize};

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// When the change was recorded (for an `Intent`: when it was created; for an adopted order: the
    /// broker's order time). Passed in by the caller: this crate reads no clock.
    pub ts: DateTime<Utc>,
    pub id: ClientOrderId,
    #[serde(flatten)]
    pub event: Event,
}

/// The state changes of an order intent, in the order they normally happen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The decision, durable before anything goes on the wire.
    Intent(IntentRecord),
    /// The send is about to start. Written (and synced) before the request leaves, so an intent without it
    /// was provably never sent.
    Sent,
    /// KIS accepted the order and gave it this identity.
    Acked {
        order_id: OrderId,
    },
    /// KIS refused the order (`msg_cd`, `msg1`); nothing is working at the broker.
    Rejected {
        msg_cd: String,
        msg: String,
    },
    /// The send failed after the request may have reached KIS: only the broker's order list can tell.
    Uncertain {
        detail: String,
    },
    Fill(FillRecord),
    CancelRequested,
    /// The broker confirmed the cancellation of `qty` unfilled shares.
    Cancelled {
        qty: Qty,
    },
    /// Nothing more will happen to this intent.
    Done {
        reason: DoneReason,
    },
    /// A new limit for the working order's unfilled rest, durable before the modify request leaves (as
    /// `Sent` is for the order): after a crash an intent with this line and no answer asks the broker whether
    /// the modify took effect.
    ModifySent {
        price: Price,
    },
    /// The modify took effect (KIS's answer, or its row in the broker's list): the unfilled rest works as
    /// order `order_id` at `price`; the order it replaced keeps its fills and its number stays bound.
    Modified {
        order_id: OrderId,
        price: Price,
    },
    /// KIS refused the modify (`msg_cd`, `msg`): the order works on unchanged.
    ModifyRefused {
        msg_cd: String,
        msg: String,
    },
    /// The modify request may have reached KIS: only the broker's lists can tell whether it took effect.
    ModifyUncertain {
        detail: String,
    },
    /// The modify did not take effect, and it is known how: the order works on unchanged.
    ModifyLapsed {
        why: ModifyLapse,
    },
}

/// How a modify is known not to have taken effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModifyLapse {
    /// Not one byte of the request left (a provable local failure).
    NotSent,
    /// The broker's lists, read repeatedly past the latest time KIS could have taken it, show no modify of
    /// the order (see [`crate::unknown`]).
    NotAtBroker,
}

/// Why an intent stopped being tracked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DoneReason {
    /// Reconciliation found no trace at the broker; the strategy decides anew (never an automatic resend).
    NeverSent,
    /// Filled, cancelled or rejected and settled in the router's books.
    Closed,
}

/// Who decided the order: the daemon, or someone outside it (HTS, the KIS app) and the daemon adopted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Daemon,
    Adopted,
}

/// The order kind in the vocabulary of its market.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderKind {
    Krx(OrdDvsn),
    Us(UsOrdDvsn),
}

/// The order as decided: everything needed to recognise it in the broker's list later, since KIS has no
/// field that would carry our id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntentRecord {
    pub symbol: Symbol,
    pub side: Side,
    pub kind: OrderKind,
    pub qty: Qty,
    /// `None` for kinds without a price (market orders).
    pub price: Option<Price>,
    pub strategy: StrategyId,
    pub origin: Origin,
}

/// Identity of a fill, chosen so that the same fill reported twice gets the same id and is counted once.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FillId(pub String);

impl FillId {
    /// A fill notice has no fill number, but a repeated notice repeats order, time, quantity and price.
    pub fn from_notice(order_no: OrderNo, time_hhmmss: &str, qty: Qty, price: Price) -> FillId {
        FillId(format!("n:{order_no}:{}:{qty}:{price}", time_hhmmss.trim()))
    }

    /// The catch-up fill that brings an order to the broker's cumulative `total`; the same broker state seen
    /// twice yields the same id.
    pub fn broker_total(order_no: OrderNo, total: Qty) -> FillId {
        FillId(format!("ccld:{order_no}:{total}"))
    }
}

impl fmt::Display for FillId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FillRecord {
    pub fill_id: FillId,
    /// The broker order the shares traded on: an intent whose order was modified has fills on more than one
    /// order number. Absent in journals written before modifies existed (their intents had one order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_no: Option<OrderNo>,
    pub qty: Qty,
    pub price: Price,
    /// The broker's fill time when known (notice), else when the fill was learned.
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn lines_are_flat_readable_json_and_round_trip() {
        let entry = Entry {
            ts: "2026-03-04T00:00:01Z".parse().unwrap(),
            id: ClientOrderId(7),
            event: Event::Intent(IntentRecord {
                symbol: "005930".parse().unwrap(),
                side: Side::Buy,
                kind: OrderKind::Krx(OrdDvsn::Limit),
                qty: Qty::new(10),
                price: Some(Price::new(dec!(71500)).unwrap()),
                strategy: StrategyId::new("krx-scalping"),
                origin: Origin::Daemon,
            }),
        };
        let line = serde_json::to_string(&entry).unwrap();
        assert_eq!(
            line,
            r#"{"ts":"2026-03-04T00:00:01Z","id":7,"event":"intent","symbol":"005930","side":"buy","kind":{"krx":"00"},"qty":10,"price":"71500","strategy":"krx-scalping","origin":"daemon"}"#
        );
        assert_eq!(serde_json::from_str::<Entry>(&line).unwrap(), entry);

        let acked = Entry {
            ts: entry.ts,
            id: ClientOrderId(7),
            event: Event::Acked { order_id: OrderId::parse("06010", "1569157").unwrap() },
        };
        let line = serde_json::to_string(&acked).unwrap();
        assert_eq!(
            line,
            r#"{"ts":"2026-03-04T00:00:01Z","id":7,"event":"acked","order_id":{"branch":6010,"order_no":"0001569157"}}"#
        );
        assert_eq!(serde_json::from_str::<Entry>(&line).unwrap(), acked);
    }

    #[test]
    fn fill_ids_repeat_for_the_same_fill() {
        let no = OrderNo::new(2891);
        let p = Price::from_won(71500);
        assert_eq!(FillId::from_notice(no, "090102", Qty::new(3), p).0, "n:0000002891:090102:3:71500");
        assert_eq!(
            FillId::from_notice(no, "090102 ", Qty::new(3), p),
            FillId::from_notice(no, "090102", Qty::new(3), p)
        );
        assert_eq!(FillId::broker_total(no, Qty::new(5)).0, "ccld:0000002891:5");
    }
}
