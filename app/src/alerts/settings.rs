//! How alert notifications are sent, from configuration (held by
//! `AppState`, used by the dispatcher and "Send test").

use std::time::Duration;

/// How notifications are sent, shared by the dispatcher and "Send test".
#[derive(Clone, Debug)]
pub struct NotifySettings {
    /// Built on first send (loading the system's root certificates), not at
    /// start-up, so commands that never notify do not pay for it.
    client: std::sync::Arc<std::sync::OnceLock<reqwest::Client>>,
    /// Opsdeck's address as people reach it, for links in notifications.
    pub public_url: String,
    /// The wait before the first retry; it doubles per attempt (at most an hour).
    pub retry_after: Duration,
    /// After this many failed attempts a delivery is given up (and shown as failed).
    pub max_attempts: i32,
    /// Opens a channel's stored address and signing secret when it is sent to.
    pub keys: crate::secrets::Keyring,
}

/// A receiver that has not answered after this long has failed.
pub const TIMEOUT: Duration = Duration::from_secs(10);

impl NotifySettings {
    pub fn new(public_url: &str, retry_after: Duration, max_attempts: i32, keys: crate::secrets::Keyring) -> Self {
        NotifySettings {
            client: Default::default(),
            public_url: public_url.trim_end_matches('/').to_string(),
            retry_after,
            max_attempts,
            keys,
        }
    }

    pub(crate) fn client(&self) -> &reqwest::Client {
        self.client.get_or_init(|| {
            reqwest::Client::builder()
                .timeout(TIMEOUT)
                // A webhook answers; it does not send Opsdeck elsewhere.
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("Opsdeck/", env!("CARGO_PKG_VERSION")))
                .build()
                .unwrap_or_else(|error| {
                    tracing::error!(%error, "could not build the notification HTTP client; using the default one");
                    reqwest::Client::new()
                })
        })
    }

    /// The wait after `attempts` failed attempts.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let factor = 2u32.saturating_pow(attempts.clamp(1, 20) as u32 - 1);
        self.retry_after.saturating_mul(factor).min(Duration::from_secs(3600))
    }
}
