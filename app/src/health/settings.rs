//! How Opsdeck checks its dependencies, from configuration (held by `AppState`).

use std::time::Duration;

#[derive(Clone, Copy, Debug)]
pub struct HealthSettings {
    /// A check slower than this reports `degraded`.
    pub degraded_after: Duration,
    /// A check with no answer after this reports `down`.
    pub check_timeout: Duration,
}
