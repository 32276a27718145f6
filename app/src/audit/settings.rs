//! What the audit log is configured with (held by `AppState`): the chain's
//! HMAC key and how refused requests are counted.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The HMAC key, from configuration (never stored in the database).
#[derive(Clone)]
pub struct AuditKey(std::sync::Arc<[u8]>);

impl AuditKey {
    pub fn new(bytes: &[u8]) -> Self {
        Self(bytes.into())
    }

    pub(crate) fn mac(&self) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail.
        <Hmac<Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
    }
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(<redacted>)")
    }
}

/// How refusals are coalesced (`OPSDECK_AUDIT_REFUSAL_WINDOW_SECS`,
/// `OPSDECK_ANONYMOUS_REFUSALS_PER_MIN`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefusalSettings {
    pub window: Duration,
    pub anonymous_per_minute: u32,
}

impl Default for RefusalSettings {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(60),
            anonymous_per_minute: 300,
        }
    }
}
