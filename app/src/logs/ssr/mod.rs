//! Server-side logs storage: writing a batch (`store`, one binary `COPY`
//! per batch, `copy`), the daily partitions and their retention
//! (`partitions`), and the fan-out of committed lines to the live tail
//! (`publish`).

pub mod copy;
pub mod partitions;
pub mod publish;
pub mod store;
