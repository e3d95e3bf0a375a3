//! The state file: every account's engine state and the access tokens still valid, so that a restart of
//! the simulator keeps what a client placed and the token it persisted. Only fingerprints of keys and tokens
//! are written: the file never holds a usable credential.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use kis_engine::{Engine, EngineState};
use kis_model::FeeModel;
use serde::{Deserialize, Serialize};

use super::{Exchange, SimError};
use crate::config::SimConfig;

/// What the state file holds: one engine state per account, keyed by a hash of the appkey (never the key),
/// and the access tokens still valid, also as hashes.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateFile {
    accounts: Vec<SavedAccount>,
    /// Absent in files written before tokens were kept.
    #[serde(default)]
    tokens: Vec<SavedToken>,
}

/// An access token that outlives a restart. KIS tokens live 24 h whatever happens to our process, and the
/// daemon reuses its persisted token instead of reissuing (one issue a minute), so a simulator restart must
/// not invalidate it. Only a fingerprint is kept: the file never holds a usable credential, at the price
/// that a `tokenP` after a restart issues a new token instead of repeating the old one (both stay valid).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SavedToken {
    pub(super) token_hash: String,
    pub(super) appkey_hash: String,
    pub(super) issued: DateTime<Utc>,
    pub(super) expires: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct SavedAccount {
    pub(super) appkey_hash: String,
    pub(super) cano: String,
    pub(super) acnt_prdt_cd: String,
    pub(super) hts_id: String,
    pub(super) engine: EngineState,
}

pub(super) use kis_model::fingerprint::fingerprint_hex as fingerprint;

pub(super) type LoadedState = (HashMap<String, SavedAccount>, HashMap<String, SavedToken>);

/// Reads the state file; a missing file is a first start, anything unreadable is an error naming the file
/// (starting empty instead would silently lose every account).
pub(super) fn load_state(cfg: &SimConfig, fees: &FeeModel) -> Result<LoadedState, SimError> {
    let Some(path) = &cfg.state_file else { return Ok(Default::default()) };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Default::default()),
        Err(e) => return Err(SimError::State { path: path.clone(), reason: e.to_string() }),
    };
    let file: StateFile = serde_json::from_str(&text)
        .map_err(|e| SimError::State { path: path.clone(), reason: format!("not a simulator state file: {e}") })?;
    // An engine state the engine refuses would otherwise surface only when its owner first logs in.
    for a in &file.accounts {
        Engine::from_state(a.engine.clone(), fees.clone())
            .map_err(|e| SimError::State { path: path.clone(), reason: format!("account {}: {e}", a.appkey_hash) })?;
    }
    let wall = Utc::now();
    let tokens = file.tokens.into_iter().filter(|t| wall < t.expires).map(|t| (t.token_hash.clone(), t)).collect();
    Ok((file.accounts.into_iter().map(|a| (a.appkey_hash.clone(), a)).collect(), tokens))
}

impl Exchange {
    /// Writes every account's engine state to the state file (if configured).
    pub fn save_state(&self) -> Result<(), SimError> {
        let Some(path) = &self.cfg.state_file else { return Ok(()) };
        let mut accounts: Vec<SavedAccount> = self
            .accounts
            .iter()
            .map(|a| SavedAccount {
                appkey_hash: fingerprint(a.appkey.expose()),
                cano: a.cano.clone(),
                acnt_prdt_cd: a.acnt_prdt_cd.clone(),
                hts_id: a.hts_id.clone(),
                engine: a.engine.state().clone(),
            })
            .collect();
        // Accounts loaded from the file but not used in this run are kept.
        for saved in self.saved.values() {
            if let Ok(text) = serde_json::to_string(saved)
                && let Ok(copy) = serde_json::from_str::<SavedAccount>(&text)
            {
                accounts.push(copy);
            }
        }
        let tokens = self.auth.to_save(&self.accounts);
        let text = serde_json::to_string(&StateFile { accounts, tokens })
            .map_err(|e| SimError::State { path: path.clone(), reason: e.to_string() })?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text).map_err(|e| SimError::State { path: path.clone(), reason: e.to_string() })?;
        std::fs::rename(&tmp, path).map_err(|e| SimError::State { path: path.clone(), reason: e.to_string() })
    }
}
