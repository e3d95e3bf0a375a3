//! The KIS Open API client: what actually talks to KIS (or to our simulator) over sockets.
//!
//! Everything protocol-shaped lives in `kis-protocol`; this crate adds only I/O: an awc HTTP client that sends
//! any [`kis_protocol::rest::RestRequest`] with KIS's headers through one shared [`RateLimiter`], and a WebSocket
//! connection that answers the transport-level pings and closes awc leaves to us.
//!
//! awc is `!Send`, so a client lives on one actix-rt arbiter; the limiter is shared by cloning the client.

pub mod endpoints;
pub mod error;
pub mod rate_limit;
pub mod rest_client;
pub mod ws_client;

pub use endpoints::{Credentials, Endpoints};
pub use error::ClientError;
pub use rate_limit::{Priority, RateLimiter, SlidingWindow};
pub use rest_client::{RestClient, RestResponse};
pub use ws_client::{WsConnection, WsError, WsEvent};
