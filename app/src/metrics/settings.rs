//! The metrics area's settings, from configuration (held by `AppState`).

/// The ingest API's limits, from configuration.
#[derive(Clone, Copy, Debug)]
pub struct IngestSettings {
    /// Larger bodies are refused with 413 (`OPSDECK_INGEST_MAX_BYTES`).
    pub max_body_bytes: usize,
    /// Requests per API key per minute before 429 (`OPSDECK_INGEST_RATE_PER_MIN`).
    pub rate_per_min: u32,
    /// Timestamps older than this many days are refused (`OPSDECK_RETENTION_RAW_DAYS`).
    pub raw_retention_days: u32,
}
