//! Data stores watched in depth: Opsdeck's own Postgres and Redis, and
//! the servers admins add (`targets`, `targets_api`). A leader-only collector
//! (`server/src/workers/store_collector.rs`) reads each store's statistics
//! every `OPSDECK_COLLECT_SECS` and writes them as metric samples of the
//! store's service name ([`OWN_POSTGRES`], [`OWN_REDIS`]) through the
//! metrics pipeline, so charts, rollups, retention and alert rules work on
//! them as on any emitter's samples.
//!
//! `view` is the page's catalogue and types, `api` the server functions;
//! `ssr` (server only): `postgres` and `redis` read a store into a
//! [`ssr::Reading`]; `rates` turns counters into per-second rates between
//! two readings; `collect` reads a store within its timeout.

pub mod api;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod statements;
pub mod statements_api;
pub mod targets;
pub mod targets_api;
pub mod view;

pub use api::*;
pub use statements_api::*;
pub use targets_api::*;

/// The service name of Opsdeck's own Postgres's samples.
pub const OWN_POSTGRES: &str = "opsdeck-postgres";
/// The service name of Opsdeck's own Redis's samples.
pub const OWN_REDIS: &str = "opsdeck-redis";
