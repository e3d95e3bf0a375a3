//! Who may call: appkey/appsecret checks (opening an account on first use when allowed), access tokens
//! (tokenP's reuse window and one-a-minute rule, revokeP, tokens kept across a restart as fingerprints),
//! WebSocket approval keys, the per-appkey rate limit, and the count of calls served per operation.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use kis_model::Secret;

use super::persistence::{SavedToken, fingerprint};
use super::{Account, Exchange};
use crate::kis_error::{self as kis, KisError};

#[derive(Debug, Clone)]
struct Token {
    account: usize,
    issued: Instant,
    issued_wall: DateTime<Utc>,
    expires: Instant,
    expires_wall: DateTime<Utc>,
}

/// The credentials the exchange has handed out, and what each account's calls used up.
#[derive(Debug, Default)]
pub(super) struct Auth {
    tokens: HashMap<String, Token>,
    last_token: HashMap<usize, String>,
    /// Tokens issued before the last restart, by token fingerprint.
    restored_tokens: HashMap<String, SavedToken>,
    approvals: HashMap<String, usize>,
    rate: HashMap<usize, (u64, u32)>,
    /// Calls served per (account, operation), whatever their answer: what a test asks of who asked for what.
    served: HashMap<(usize, kis_protocol::tr_id::Op), u64>,
}

impl Auth {
    /// Starts with the tokens a previous run left in the state file.
    pub(super) fn restored(restored_tokens: HashMap<String, SavedToken>) -> Auth {
        Auth { restored_tokens, ..Auth::default() }
    }

    /// The tokens still valid, as fingerprints, for the state file: this run's and the restored ones.
    pub(super) fn to_save(&self, accounts: &[Account]) -> Vec<SavedToken> {
        let wall = Utc::now();
        let now = Instant::now();
        let mut tokens: Vec<SavedToken> = self
            .tokens
            .iter()
            .filter(|(_, t)| now < t.expires)
            .filter_map(|(token, t)| {
                let account = accounts.get(t.account)?;
                Some(SavedToken {
                    token_hash: fingerprint(token),
                    appkey_hash: fingerprint(account.appkey.expose()),
                    issued: t.issued_wall,
                    expires: t.expires_wall,
                })
            })
            .collect();
        tokens.extend(self.restored_tokens.values().filter(|t| wall < t.expires).cloned());
        tokens
    }
}

impl Exchange {
    /// Counts a call of `op` by `account` that passed the header checks.
    pub fn count_served(&mut self, account: usize, op: kis_protocol::tr_id::Op) {
        *self.auth.served.entry((account, op)).or_insert(0) += 1;
    }

    /// Calls of `op` made with `appkey` that passed the header checks (0 for an unknown key).
    pub fn served(&self, appkey: &str, op: kis_protocol::tr_id::Op) -> u64 {
        self.by_appkey.get(appkey).and_then(|a| self.auth.served.get(&(*a, op))).copied().unwrap_or(0)
    }

    /// The account of an appkey/appsecret pair, opening one on first use when allowed.
    pub fn account_for(&mut self, appkey: &str, appsecret: &str) -> Result<usize, KisError> {
        if appkey.trim().is_empty() {
            return Err(kis::BAD_APPKEY);
        }
        if let Some(&i) = self.by_appkey.get(appkey) {
            if self.accounts[i].appsecret.expose() != appsecret {
                return Err(kis::BAD_APPSECRET);
            }
            return Ok(i);
        }
        if !self.cfg.open_accounts {
            return Err(kis::BAD_APPKEY);
        }
        if appsecret.trim().is_empty() {
            return Err(kis::BAD_APPSECRET);
        }
        let hash = fingerprint(appkey);
        let (cano, prdt, hts) = match self.saved.get(&hash) {
            Some(s) => (s.cano.clone(), s.acnt_prdt_cd.clone(), s.hts_id.clone()),
            None => {
                let digits = u64::from_str_radix(&hash[..12], 16).unwrap_or(0) % 100_000_000;
                (format!("{digits:08}"), "01".to_string(), format!("sim{}", &hash[..6]))
            }
        };
        let (krw, usd) = (self.cfg.starting_cash_krw, self.cfg.starting_cash_usd);
        self.add_account(Secret::from(appkey), Secret::from(appsecret), cano, prdt, hts, krw, usd, false).map_err(|e| {
            tracing::error!(error = %e, "cannot open account");
            kis::BAD_APPKEY
        })
    }

    /// tokenP: the same token within the reuse window, `EGW00133` within the minimum interval.
    pub fn issue_token(&mut self, appkey: &str, appsecret: &str) -> Result<(String, DateTime<Utc>, u64), KisError> {
        let account = self.account_for(appkey, appsecret)?;
        let now = Instant::now();
        let auth = self.cfg.auth.clone();
        let last =
            self.auth.last_token.get(&account).and_then(|k| self.auth.tokens.get(k).map(|t| (k.clone(), t.clone())));
        if let Some((key, tok)) = last {
            let age = now.duration_since(tok.issued);
            if age < Duration::from_millis(auth.token_min_interval_ms) {
                return Err(kis::TOKEN_TOO_SOON);
            }
            if age < Duration::from_millis(auth.token_reuse_ms) && now < tok.expires {
                let left = tok.expires.saturating_duration_since(now).as_secs();
                return Ok((key, tok.expires_wall, left));
            }
        } else {
            // The one-a-minute rule holds across our restarts as it does at KIS.
            let appkey_hash = fingerprint(appkey);
            let min = chrono::TimeDelta::from_std(Duration::from_millis(auth.token_min_interval_ms))
                .unwrap_or(chrono::TimeDelta::MAX);
            let wall = Utc::now();
            if self.auth.restored_tokens.values().any(|t| t.appkey_hash == appkey_hash && wall - t.issued < min) {
                return Err(kis::TOKEN_TOO_SOON);
            }
        }
        let lifetime = Duration::from_millis(auth.token_lifetime_ms);
        let token =
            format!("eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzUxMiJ9.{}.{}", self.random_letters(120), self.random_hex(43));
        let expires_wall = Utc::now() + chrono::TimeDelta::from_std(lifetime).unwrap_or(chrono::TimeDelta::zero());
        let token_record =
            Token { account, issued: now, issued_wall: Utc::now(), expires: now + lifetime, expires_wall };
        self.auth.tokens.insert(token.clone(), token_record);
        self.auth.last_token.insert(account, token.clone());
        Ok((token, expires_wall, lifetime.as_secs()))
    }

    pub fn revoke_token(&mut self, appkey: &str, appsecret: &str, token: &str) -> Result<(), KisError> {
        let account = self.account_for(appkey, appsecret)?;
        let auth = &mut self.auth;
        match auth.tokens.get(token) {
            Some(t) if t.account == account => {
                auth.tokens.remove(token);
                auth.last_token.retain(|_, k| k != token);
                Ok(())
            }
            Some(_) => Err(kis::TOKEN_INVALID),
            None => {
                let hash = fingerprint(token);
                match auth.restored_tokens.get(&hash) {
                    Some(t) if t.appkey_hash == fingerprint(appkey) => {
                        auth.restored_tokens.remove(&hash);
                        Ok(())
                    }
                    _ => Err(kis::TOKEN_INVALID),
                }
            }
        }
    }

    pub fn revoke_all_tokens(&mut self) {
        self.auth.tokens.clear();
        self.auth.last_token.clear();
        self.auth.restored_tokens.clear();
    }

    pub fn issue_approval(&mut self, appkey: &str, secretkey: &str) -> Result<String, KisError> {
        let account = self.account_for(appkey, secretkey)?;
        let key = format!(
            "{}-{}-{}-{}-{}",
            self.random_hex(8),
            self.random_hex(4),
            self.random_hex(4),
            self.random_hex(4),
            self.random_hex(12)
        );
        self.auth.approvals.insert(key.clone(), account);
        Ok(key)
    }

    pub fn approval_account(&self, key: &str) -> Option<usize> {
        self.auth.approvals.get(key).copied()
    }

    /// Header checks of a `/uapi` call: appkey/appsecret, bearer token, then the per-appkey rate limit.
    pub fn authorize(&mut self, appkey: &str, appsecret: &str, authorization: &str) -> Result<usize, KisError> {
        let account = self.account_for(appkey, appsecret)?;
        let token = authorization.trim();
        let token = token.strip_prefix("Bearer ").or_else(|| token.strip_prefix("bearer ")).unwrap_or(token).trim();
        let expired = match self.auth.tokens.get(token) {
            Some(t) if t.account == account => Instant::now() >= t.expires,
            Some(_) => return Err(kis::TOKEN_INVALID),
            None => match self.auth.restored_tokens.get(&fingerprint(token)) {
                Some(t) if t.appkey_hash == fingerprint(appkey) => Utc::now() >= t.expires,
                _ => return Err(kis::TOKEN_INVALID),
            },
        };
        if expired {
            return Err(kis::TOKEN_EXPIRED);
        }
        self.rate_check(account)?;
        Ok(account)
    }

    /// Fixed one-second windows per appkey (KIS's observed behaviour, unconfirmed).
    fn rate_check(&mut self, account: usize) -> Result<(), KisError> {
        let second = self.started.elapsed().as_secs();
        let limit = self.cfg.rate_limit();
        let slot = self.auth.rate.entry(account).or_insert((second, 0));
        if slot.0 != second {
            *slot = (second, 0);
        }
        if slot.1 >= limit {
            return Err(kis::RATE_LIMITED);
        }
        slot.1 += 1;
        Ok(())
    }
}
