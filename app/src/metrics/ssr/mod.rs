//! Server-side metrics storage and queries: the histogram behind every
//! percentile, the daily partitions and their retention, writing a batch,
//! the range queries the pages read, and the two pages' services
//! (`overview`, `performance`) the server functions in `metrics/api.rs` call.

pub mod compact;
pub mod copy;
pub mod histogram;
pub mod merged;
pub mod overview;
pub mod partitions;
pub mod performance;
pub mod points;
pub mod queries;
pub mod report_cache;
pub mod rollup;
pub mod store;
