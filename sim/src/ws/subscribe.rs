//! Subscribe and unsubscribe requests: approval-key check, one session per appkey, the registration cap,
//! and acks carrying a fresh key/iv (the notice channels' encryption key).

use kis_model::{Environment, Market, Symbol};
use kis_protocol::ws::{Control, ControlCode, NoticeKey, SubscribeRequest, TrType, WsTrId};

use crate::exchange::Exchange;
use crate::ws::hub::{Channel, NoticeSub, RegOutcome};

/// The feed a market-data registration refers to; `None` for notices and unknown keys.
fn feed_of(ex: &Exchange, tr: &WsTrId, key: &str) -> Option<(Channel, usize)> {
    let channel = match tr {
        WsTrId::H0stcnt0 | WsTrId::Hdfscnt0 => Channel::Trade,
        WsTrId::H0stasp0 | WsTrId::Hdfsasp0 => Channel::Book,
        _ => return None,
    };
    let symbol = Symbol::from_ws_tr_key(key).ok()?;
    let want = match tr {
        WsTrId::H0stcnt0 | WsTrId::H0stasp0 => Market::Krx,
        _ => Market::Us,
    };
    if symbol.market() != want {
        return None;
    }
    ex.feed_index.get(&symbol).map(|&i| (channel, i))
}

/// Whether the emulated environment serves `tr` (notice TRs differ between real and paper).
fn served(env: Environment, tr: &WsTrId) -> bool {
    match tr {
        WsTrId::H0stcnt0 | WsTrId::H0stasp0 | WsTrId::Hdfscnt0 | WsTrId::Hdfsasp0 => true,
        WsTrId::H0stcni0 | WsTrId::H0gscni0 => env == Environment::Real,
        WsTrId::H0stcni9 | WsTrId::H0gscni9 => env == Environment::Paper,
        WsTrId::Other(_) => false,
    }
}

pub fn handle(ex: &mut Exchange, id: u64, text: &str) {
    let req = match SubscribeRequest::from_json(text) {
        Ok(req) => req,
        Err(_) => {
            ex.ws.reply(id, ControlCode::InternalError, WsTrId::Other("(null)".into()), "");
            return;
        }
    };
    let tr = req.body.input.tr_id.clone();
    let key = req.body.input.tr_key.clone();
    let Some(account) = ex.approval_account(req.header.approval_key.expose()) else {
        ex.ws.reply(id, ControlCode::InvalidAppKey, tr, &key);
        return;
    };
    let bound = ex.ws.session(id).and_then(|s| s.account);
    match bound {
        Some(a) if a != account => {
            ex.ws.reply(id, ControlCode::AppKeyInUse, tr, &key);
            return;
        }
        Some(_) => {}
        None => {
            if ex.cfg.ws.one_session_per_appkey && ex.ws.account_in_use(account, id) {
                ex.ws.reply(id, ControlCode::AppKeyInUse, tr, &key);
                return;
            }
            if let Some(s) = ex.ws.session_mut(id) {
                s.account = Some(account);
            }
        }
    }
    if !served(ex.env(), &tr) {
        ex.ws.reply(id, ControlCode::InternalError, tr, &key);
        return;
    }
    let feed = feed_of(ex, &tr, &key);
    match req.header.tr_type {
        TrType::Register => {
            let cap = ex.cfg.ws.max_registrations;
            match ex.ws.register(id, tr.as_str(), &key, feed, cap) {
                RegOutcome::Registered => {
                    let k = ex.random_letters(32);
                    let iv = ex.random_hex(16);
                    if tr.is_notice()
                        && let (Ok(nk), Some(s)) = (NoticeKey::new(&k, &iv), ex.ws.session_mut(id))
                    {
                        s.notices.push(NoticeSub { tr: tr.clone(), tr_key: key.clone(), key: nk });
                    }
                    ex.ws.send_control(id, &Control::subscribe_ack(tr, key, iv, k));
                }
                RegOutcome::Already => ex.ws.reply(id, ControlCode::AlreadySubscribed, tr, &key),
                RegOutcome::CapReached => ex.ws.reply(id, ControlCode::MaxSubscribeOver, tr, &key),
            }
        }
        TrType::Deregister => {
            let code = if ex.ws.deregister(id, tr.as_str(), &key, feed) {
                ControlCode::UnsubscribeSuccess
            } else {
                ControlCode::NotSubscribed
            };
            ex.ws.reply(id, code, tr, &key);
        }
    }
}
