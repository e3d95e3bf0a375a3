//! REST request/response types of every KIS endpoint kis-trader uses, shared by the client and the
//! simulator.
//!
//! - Requests ([`wire`]'s `wire_request!` records) give `(name, value)` pairs in KIS's order (`pairs()`) —
//!   the query string of a GET or the JSON body of a POST — and decode back case-insensitively
//!   (`from_pairs()`, `from_json()`), because KIS's documents spell parameter names in both cases.
//!   [`endpoint::RestRequest`] adds path, method and TR id.
//! - Responses keep KIS's wire strings and offer typed accessors (`row.stck_prpr` is the text,
//!   `row.stck_prpr()` the `Decimal`). Missing fields default to empty, unknown ones are ignored.
//! - [`decode::decode_reply`] turns (HTTP status, body) into a [`envelope::Reply`] or a classified
//!   [`crate::error_class::ApiError`]; it lowercases keys first, so UPPERCASE order replies and typos like
//!   `excg_id_dvsn_Cd` decode too.
//! - [`pagination`] drives `tr_cont` + `ctx_area_*` continuation.

pub mod asking_price;
pub mod decode;
pub mod domestic_account;
pub mod domestic_holiday;
pub mod domestic_order;
pub mod domestic_quote;
pub mod domestic_rank;
pub mod endpoint;
pub mod envelope;
pub mod oauth;
pub mod order_ack;
pub mod order_builder;
pub mod overseas_account;
pub mod overseas_detail;
pub mod overseas_order;
pub mod overseas_present_balance;
pub mod overseas_quote;
pub mod pagination;
pub mod product_info;
pub mod wire;

pub use decode::{classify_reply, decode_plain, decode_reply};
pub use endpoint::{Method, RestRequest};
pub use envelope::Reply;
pub use order_builder::OrderBuildError;
pub use pagination::{Continuation, NextPage, PagedBody, PagedRequest, TrCont, next_page};
pub use wire::{FieldError, RequestError};
