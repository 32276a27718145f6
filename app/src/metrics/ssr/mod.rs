//! Server-side metrics storage and queries: the histogram behind every
//! percentile, the daily partitions and their retention, writing a batch,
//! and the range queries the pages read.

pub mod compact;
pub mod copy;
pub mod histogram;
pub mod merged;
pub mod partitions;
pub mod queries;
pub mod report_cache;
pub mod rollup;
pub mod store;
