//! `[notifier]`: where trade events are announced.

use kis_model::Secret;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifierConfig {
    pub telegram: TelegramConfig,
    /// Events held while Telegram is slow; beyond this the oldest are dropped (and counted in the log), so a
    /// dead chat never slows trading.
    pub queue_size: usize,
}

impl Default for NotifierConfig {
    fn default() -> Self {
        NotifierConfig { telegram: TelegramConfig::default(), queue_size: 256 }
    }
}

/// Both set: messages go to Telegram; otherwise only to the log.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelegramConfig {
    pub bot_token: Option<Secret>,
    /// A chat id is a number (negative for groups) or `@channelname`; kept as text.
    pub chat_id: Option<String>,
    /// Overrides `https://api.telegram.org` (tests point it at a loopback server).
    pub api_base: Option<String>,
}

impl TelegramConfig {
    pub fn is_enabled(&self) -> bool {
        self.bot_token.as_ref().is_some_and(|t| !t.is_empty()) && self.chat_id.as_ref().is_some_and(|c| !c.is_empty())
    }
}
