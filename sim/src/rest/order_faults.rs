//! The order boundary: which REST calls are order POSTs, and how a connection is dropped under one so that
//! the client sees a transport failure — the case where it cannot know whether KIS executed the order.
//!
//! Dropping is done on the socket itself: at accept time [`on_connect`] keeps a duplicate of each
//! connection's file descriptor in the connection's data, and [`drop_connection`] shuts the socket down in
//! both directions. Called before the handler's response exists, no byte of a reply is ever written (the
//! client reads end-of-stream in place of a status line; `a_dropped_order_post_gets_no_reply_byte` in
//! `sim/tests/order_faults.rs` holds it to that). Where no duplicate is available (a non-Unix build), the
//! response is cut instead: [`cut_response`] fails its body right after the head, and the server aborts the
//! connection. actix-http 3.20 still holds the head in its write buffer at that point, so nothing is sent
//! either, but only the shutdown guarantees it; at worst the client gets the head and then an error.

use std::any::Any;

use actix_web::dev::Extensions;
use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use kis_protocol::rest::{domestic_order as dord, overseas_order as oo};

/// The paths where KIS takes orders (new, modify, cancel), domestic and overseas.
const ORDER_PATHS: [&str; 4] =
    [dord::ORDER_CASH_PATH, dord::ORDER_RVSECNCL_PATH, oo::ORDER_PATH, oo::ORDER_RVSECNCL_PATH];

/// Whether `req` is an order POST, the only calls order faults apply to.
pub fn is_order_post(req: &HttpRequest) -> bool {
    req.method() == Method::POST && ORDER_PATHS.contains(&req.path())
}

/// A duplicate of the connection's socket, kept in the connection data.
struct ConnSocket(std::net::TcpStream);

/// `HttpServer::on_connect` hook: remembers each plain-TCP connection's socket.
pub fn on_connect(io: &dyn Any, ext: &mut Extensions) {
    #[cfg(unix)]
    if let Some(tcp) = io.downcast_ref::<actix_web::rt::net::TcpStream>() {
        use std::os::fd::AsFd;
        match tcp.as_fd().try_clone_to_owned() {
            Ok(fd) => {
                ext.insert(ConnSocket(std::net::TcpStream::from(fd)));
            }
            Err(e) => tracing::warn!(error = %e, "cannot keep a connection's socket; order faults will cut replies"),
        }
    }
    #[cfg(not(unix))]
    let _ = (io, ext);
}

/// Shuts the request's connection down in both directions; false when it could not (see the module docs).
pub fn drop_connection(req: &HttpRequest) -> bool {
    match req.conn_data::<ConnSocket>() {
        Some(ConnSocket(socket)) => match socket.shutdown(std::net::Shutdown::Both) {
            Ok(()) => true,
            // Already gone (the client hung up first): there is nothing left to drop.
            Err(e) if e.kind() == std::io::ErrorKind::NotConnected => true,
            Err(e) => {
                tracing::warn!(error = %e, "cannot shut a connection down; cutting the reply instead");
                false
            }
        },
        None => false,
    }
}

/// A reply whose body fails after the head: the server aborts the connection mid-response. Returned after
/// every drop, so that a connection [`drop_connection`] could not shut still ends without a usable reply.
pub fn cut_response() -> HttpResponse {
    let failing = futures_util::stream::once(async {
        Err::<bytes::Bytes, _>(std::io::Error::other("connection dropped by an injected order fault"))
    });
    HttpResponse::Ok().content_type("application/json; charset=utf-8").streaming(failing)
}

/// Reads at most the first chunk of the body, then drops the connection: the order is never decoded.
pub async fn drop_mid_body(req: &HttpRequest, mut payload: web::Payload) -> HttpResponse {
    let _ = payload.next().await;
    drop_connection(req);
    cut_response()
}
