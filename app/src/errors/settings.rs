//! The errors area's settings, from configuration (held by `AppState`).

/// How error events are received and kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorSettings {
    /// Largest event (an envelope's `event` item, or a `store` body), in
    /// bytes after decompression (`OPSDECK_ERROR_MAX_EVENT_BYTES`); 413 above.
    pub max_event_bytes: usize,
    /// Largest envelope, in bytes after decompression
    /// (`OPSDECK_ERROR_MAX_ENVELOPE_BYTES`); 413 above.
    pub max_envelope_bytes: usize,
    /// Days events are kept; whole daily partitions are dropped after
    /// (`OPSDECK_ERROR_RETENTION_DAYS`).
    pub retention_days: u32,
    /// Keys scrubbed besides the built-in list (`OPSDECK_ERROR_SCRUB_KEYS`,
    /// comma-separated, matched case-insensitively as substrings).
    pub extra_scrub_keys: Vec<String>,
    /// Most envelopes stored in one transaction when they arrive together
    /// (`OPSDECK_ERROR_GROUP_ENVELOPES`); 1: each in its own.
    pub group_envelopes: usize,
}

impl Default for ErrorSettings {
    fn default() -> Self {
        Self {
            max_event_bytes: 1024 * 1024,
            max_envelope_bytes: 20 * 1024 * 1024,
            retention_days: 30,
            extra_scrub_keys: Vec::new(),
            group_envelopes: 1,
        }
    }
}
