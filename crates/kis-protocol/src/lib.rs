//! The KIS Open API wire protocol, with no sockets and no clocks: what goes over the wire and what it means.
//!
//! - [`rest`]: request/response types of every REST endpoint we use, the `rt_cd`/`msg_cd`/`msg1` envelope,
//!   pagination, and [`error_class`] which tells a caller what to do about a failure.
//! - [`tr_id`]: the one table of transaction ids per environment (real/paper, new and old ids).
//! - [`ws`]: WebSocket control messages and the `E|TR_ID|NNN|payload` data frame codec (decode and encode),
//!   including AES-256-CBC for execution notices.
//! - [`master`]: KIS's stock master files (`kospi_code.mst`, `kosdaq_code.mst`), the fixed-width list of every
//!   KRX listing KIS publishes.

pub mod error_class;
pub mod master;
pub mod rest;
pub mod tr_id;
pub mod ws;
