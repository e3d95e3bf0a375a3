//! A KIS-compatible exchange simulator on loopback: the KIS REST and WebSocket wire protocol
//! (kis-protocol.md) over real sockets, on the pure engine (kis-engine) and the synthetic market
//! (kis-synth), so that the daemon runs without credentials or internet and every integration test drives
//! the real client code.
//!
//! [`Simulator::start`] binds the REST and WebSocket servers (port 0 → OS-assigned), starts the market
//! driver on its own arbiter of the caller's actix-rt System, and returns a [`SimHandle`] with the URLs.

pub mod admin;
pub mod clock_view;
pub mod config;
pub mod driver;
pub mod exchange;
pub mod faults;
pub mod feed;
pub mod header_case;
pub mod inspect;
pub mod kis_error;
pub mod listing_facts;
pub mod notice;
pub mod rest;
#[cfg(feature = "testing")]
pub mod testing;
pub mod wire_shapes;
pub mod ws;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use actix_service::{ServiceFactoryExt as _, map_config};
use actix_web::dev::{AppConfig, Extensions, Server, fn_service};
use actix_web::rt::net::TcpStream;
use actix_web::{App, HttpServer, web};

use header_case::KisHeaderCase;

pub use clock_view::ClockView;
pub use config::{AccountConfig, SimConfig, StartAt};
pub use exchange::{Exchange, Shared, SimError, Stats};
pub use faults::{Fault, ScheduledFault};

/// A running simulator.
pub struct SimHandle {
    pub rest_addr: SocketAddr,
    pub ws_addr: SocketAddr,
    shared: Shared,
    rest: actix_web::dev::ServerHandle,
    ws: actix_web::dev::ServerHandle,
    stop_driver: tokio::sync::watch::Sender<bool>,
    driver: actix_rt::Arbiter,
}

impl SimHandle {
    /// `http://127.0.0.1:P` — the REST base URL (KIS's `https://openapi…:9443`).
    pub fn rest_url(&self) -> String {
        format!("http://{}", self.rest_addr)
    }

    /// `ws://127.0.0.1:P` — the WebSocket URL (KIS's `ws://ops…:21000`); any path is accepted.
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.ws_addr)
    }

    /// The admin endpoint (fault injection, status), on the REST server.
    pub fn admin_url(&self) -> String {
        format!("http://{}/sim-admin", self.rest_addr)
    }

    /// The shared state, for in-process inspection (tests, the daemon's status page).
    pub fn state(&self) -> &Shared {
        &self.shared
    }

    pub fn stats(&self) -> Stats {
        exchange::lock(&self.shared).stats
    }

    /// Injects a fault now (same as the admin endpoint).
    pub fn inject(&self, fault: &Fault) {
        driver::inject(&self.shared, fault);
    }

    /// Stops the servers and the driver, and saves the state file.
    pub async fn stop(self) -> Result<(), SimError> {
        let _ = self.stop_driver.send(true);
        self.rest.stop(true).await;
        self.ws.stop(false).await;
        self.driver.stop();
        exchange::lock(&self.shared).save_state()
    }
}

pub struct Simulator;

impl Simulator {
    /// Builds the exchange and binds both servers; must run inside an actix-rt System.
    pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
        let bind = config.bind;
        let (rest_port, ws_port) = (config.rest_port, config.ws_port);
        let faults = config.faults.clone();
        let exchange = Exchange::new(config)?;
        let shared: Shared = std::sync::Arc::new(std::sync::Mutex::new(exchange));
        let data = web::Data::new(shared.clone());

        let (rest, rest_addr) = rest_server(data.clone(), bind, rest_port)?;
        let rest_handle = rest.handle();
        actix_rt::spawn(rest);

        let ws_data = data.clone();
        let ws = HttpServer::new(move || App::new().app_data(ws_data.clone()).default_service(web::to(ws::upgrade)))
            .workers(1)
            .disable_signals()
            .bind((bind, ws_port))
            .map_err(|source| SimError::Bind { what: "WebSocket", addr: format!("{bind}:{ws_port}"), source })?;
        let ws_addr = ws.addrs().first().copied().ok_or_else(|| SimError::Bind {
            what: "WebSocket",
            addr: format!("{bind}:{ws_port}"),
            source: std::io::Error::other("no address bound"),
        })?;
        let ws = ws.run();
        let ws_handle = ws.handle();
        actix_rt::spawn(ws);

        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let arbiter = actix_rt::Arbiter::new();
        let driver_shared = shared.clone();
        arbiter.spawn(driver::Driver::new(faults).run(driver_shared, stop_rx));
        tracing::info!(rest = %rest_addr, ws = %ws_addr, "KIS simulator listening");
        Ok(SimHandle {
            rest_addr,
            ws_addr,
            shared,
            rest: rest_handle,
            ws: ws_handle,
            stop_driver: stop_tx,
            driver: arbiter,
        })
    }
}

/// The REST server: the KIS routes and the admin routes over actix-http's HTTP/1.1 service, on sockets
/// wrapped in [`KisHeaderCase`] so that header names are spelled as KIS spells them (see that module for
/// why this cannot be done inside actix-web). `HttpServer` offers no way to wrap the socket, so this
/// assembles what it would (one worker, no signal handling, graceful stop ending keep-alive connections,
/// its timeouts) from `actix_server` and `actix_http` directly.
fn rest_server(data: web::Data<Shared>, bind: IpAddr, port: u16) -> Result<(Server, SocketAddr), SimError> {
    let bind_error = |source| SimError::Bind { what: "REST", addr: format!("{bind}:{port}"), source };
    let listener = std::net::TcpListener::bind((bind, port)).map_err(bind_error)?;
    let addr = listener.local_addr().map_err(bind_error)?;
    let builder = Server::build();
    let shutdown = builder.graceful_shutdown_signal();
    let server = builder
        .workers(1)
        .disable_signals()
        .listen("kis-sim-rest", listener, move || {
            let shutdown = shutdown.clone();
            let app = App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(1 << 20))
                .route("/sim-admin/fault", web::post().to(admin::fault))
                .route("/sim-admin/status", web::get().to(admin::status))
                .default_service(web::to(rest::entry))
                // KIS's gateway writes `Content-Type`, `Content-Length`, `Date` capitalised; the socket
                // wrapper then lower-cases KIS's own `tr_id`, `tr_cont`, `gt_uid` (header_case).
                .wrap_fn(|req, srv| {
                    use actix_web::dev::Service;
                    let fut = srv.call(req);
                    async move {
                        let mut res = fut.await?;
                        res.response_mut().head_mut().set_camel_case_headers(true);
                        Ok(res)
                    }
                })
                // The gateway accepts `//uapi/...` (base URL + "/" + "/uapi..." in many clients).
                .wrap(actix_web::middleware::NormalizePath::new(actix_web::middleware::TrailingSlash::MergeOnly));
            let h1 = actix_http::HttpService::build()
                .graceful_shutdown_signal(move || {
                    let shutdown = shutdown.clone();
                    async move { shutdown.notified().await }
                })
                // `HttpServer`'s default; actix-http's own is none.
                .client_disconnect_timeout(Duration::from_secs(1))
                .local_addr(addr)
                .on_connect_ext(|io: &KisHeaderCase<TcpStream>, ext: &mut Extensions| {
                    rest::order_faults::on_connect(io.get_ref(), ext)
                })
                .h1(map_config(app, |_| AppConfig::default()));
            fn_service(|io: TcpStream| {
                let peer = io.peer_addr().ok();
                std::future::ready(Ok((KisHeaderCase::new(io), peer)))
            })
            .and_then(h1)
        })
        .map_err(bind_error)?
        .run();
    Ok((server, addr))
}
