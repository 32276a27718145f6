//! The errors area on the server: an event's way from an SDK's payload to
//! its issue. `envelope` frames the body, `event` prepares each event
//! (`scrub`, `grouping` with `normalize`), `store` writes it with its
//! issue, hash and per-minute count in one transaction; `partitions` keeps
//! the daily partitions; `list` and `detail` answer the pages.

pub mod detail;
pub mod envelope;
pub mod event;
pub mod events;
pub mod grouping;
pub mod list;
pub mod merge;
pub mod normalize;
pub mod partitions;
pub mod scrub;
pub mod since;
pub mod store;
pub mod triage;
pub mod unmerge;
