//! The admin endpoint (loopback only): inject faults and read the simulator's counters.
//! `POST /sim-admin/fault` with a [`Fault`] as JSON (`{"kind":"stall_ws","ms":500}`); `GET /sim-admin/status` (counters, clock, listings).

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::exchange::{Shared, lock};
use crate::faults::Fault;

fn loopback(req: &HttpRequest) -> bool {
    req.peer_addr().is_some_and(|a| a.ip().is_loopback())
}

pub async fn fault(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    if !loopback(&req) {
        return HttpResponse::Forbidden().body("the admin endpoint answers loopback clients only");
    }
    let fault: Fault = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => return HttpResponse::BadRequest().body(format!("not a fault: {e}")),
    };
    let mut ex = lock(&shared);
    ex.apply_fault(&fault);
    let _ = ex.ws.flush();
    HttpResponse::Ok().json(json!({ "applied": fault }))
}

pub async fn status(req: HttpRequest, shared: web::Data<Shared>) -> HttpResponse {
    if !loopback(&req) {
        return HttpResponse::Forbidden().body("the admin endpoint answers loopback clients only");
    }
    let ex = lock(&shared);
    HttpResponse::Ok().json(json!({
        "env": ex.env(),
        "virtual_time": ex.now.to_rfc3339(),
        // The clock itself (ex.now is the last market step's time): what a daemon outside this process
        // follows, with the speed to extrapolate between readings (`[sim] external = true`).
        "clock": ex.clock.virtual_at(ex.started.elapsed()).to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
        "speed": ex.cfg.speed,
        "krx_open": ex.is_open(kis_model::Market::Krx),
        "us_open": ex.is_open(kis_model::Market::Us),
        "accounts": ex.accounts.len(),
        "ws_sessions": ex.ws.len(),
        "stats": ex.stats,
        "faults_injected": ex.faults.injected,
        // Symbols a client can quote and trade (`005930`, `NASDAQ:AAPL`): clients driven from outside (the
        // python-kis conformance run) learn the synthetic universe here.
        "listings": ex.feeds.iter().map(|f| f.symbol.to_string()).collect::<Vec<_>>(),
    }))
}
