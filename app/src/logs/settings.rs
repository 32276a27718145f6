//! The logs area's settings, from configuration (held by `AppState`).

/// How log lines are received and kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogSettings {
    /// Largest request body of `POST /v1/logs` and `POST /api/v1/logs`, in
    /// bytes, after gzip decompression (`OPSDECK_LOGS_MAX_BYTES`); 413 above.
    pub max_body_bytes: usize,
    /// Days lines are kept; whole daily partitions are dropped after
    /// (`OPSDECK_LOG_RETENTION_DAYS`). Older timestamps are refused.
    pub retention_days: u32,
    /// Longest the Logs page may spend counting a search's matches for its
    /// histogram, in milliseconds (`OPSDECK_LOGS_COUNT_TIMEOUT_MS`); past it
    /// the lines are shown without the histogram and the total.
    pub count_timeout_ms: u64,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            max_body_bytes: 10 * 1024 * 1024,
            retention_days: 7,
            count_timeout_ms: 3000,
        }
    }
}
