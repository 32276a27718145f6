//! Sign-in and session limits, from configuration (held by `AppState`).

/// Sign-in and session limits, from configuration.
#[derive(Clone, Copy, Debug)]
pub struct AuthSettings {
    pub max_failures_per_email: u32,
    pub max_failures_per_ip: u32,
    pub failure_window_secs: u64,
    pub idle_timeout_secs: u64,
    pub absolute_timeout_secs: u64,
}
