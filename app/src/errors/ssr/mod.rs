//! The errors area on the server: an event's way from an SDK's payload to
//! its issue. `envelope` frames the body, `event` prepares each event
//! (`scrub`, `grouping` with `normalize`), `store` writes it with its
//! issue, hash and per-minute count in one transaction; `partitions` keeps
//! the daily partitions; `list` and `detail` answer the pages, `counts`
//! the alert rules. `json_event` reads Opsdeck's own JSON door's records
//! into the events `event` prepares.

pub mod counts;
pub mod detail;
pub mod envelope;
pub mod event;
pub mod grouping;
pub mod json_event;
pub mod list;
pub mod normalize;
pub mod partitions;
pub mod scrub;
pub mod store;
pub mod tally;
