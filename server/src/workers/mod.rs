//! Background tasks. Leader-only jobs (one instance of the installation
//! runs them, `leader.rs`): alert evaluation, retention, rollup compaction,
//! backup schedules, scheduled report summaries, ignored error issues whose time ran out, reading
//! Opsdeck's own Postgres and Redis in depth (`store_collector`). Every instance
//! runs the notifier (rows are claimed, never shared), its own metrics, log
//! lines and failures (as error events), the audit anchor and the
//! refusal counts, and follows the monitoring settings saved on any instance
//! (`monitoring_settings`).
//! The live stream's reader is in `http::live`, beside the streams it feeds.

pub mod alerting;
pub mod audit_anchor;
pub mod backup_scheduler;
pub mod compactor;
pub mod ignore_expiry;
pub mod leader;
pub mod monitoring_settings;
pub mod notifier;
pub mod own_errors;
pub mod own_logs;
pub mod refusal_counts;
pub mod report_scheduler;
pub mod retention;
pub mod scraper;
pub mod self_monitor;
pub mod store_collector;
