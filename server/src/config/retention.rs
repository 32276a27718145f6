//! How long each kind of data is kept, from the environment (Settings ›
//! Monitoring can set each at runtime).

/// Days each kind of data is kept (`OPSDECK_RETENTION_RAW_DAYS`,
/// `…_ROLLUP_DAYS`, `OPSDECK_LOG_/ERROR_/TRACE_RETENTION_DAYS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionSettings {
    pub raw_days: u32,
    pub rollup_days: u32,
    pub log_days: u32,
    pub error_days: u32,
    pub span_days: u32,
}
