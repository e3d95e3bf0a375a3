//! Access tokens and WebSocket approval keys for the KIS Open API, issued rarely and remembered.
//!
//! * [`policy`]: when to use, refresh or issue a token — pure, time passed in (refresh an hour before the
//!   KST expiry; at most one issue attempt a minute, `EGW00133`).
//! * [`store`]: the 0600 JSON state file, written atomically, keyed by environment and a hash of the app key.
//! * [`manager`]: [`TokenManager`], async over kis-client's `RestClient`, no actor: `token()`,
//!   `on_expired()` (reissue once and replay), `approval_key()`, and `call()` that does the replay itself.

pub mod manager;
pub mod policy;
pub mod store;

pub use manager::{AuthError, AuthStats, Credential, MAX_ISSUE_ATTEMPTS, TokenManager};
pub use policy::{TokenDecision, TokenPolicy, TokenTimes};
pub use store::{StoreEntry, StoreError, StoreKey, StoredApproval, StoredToken, TokenStore};
