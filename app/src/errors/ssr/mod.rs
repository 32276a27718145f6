//! The errors area on the server: an event's way from an SDK's payload to
//! its issue. `envelope` frames the body, `event` prepares each event
//! (`scrub`, `grouping` with `normalize`), `store` writes it with its
//! issue, hash and per-minute and per-hour counts in one transaction;
//! `partitions` keeps the daily partitions; `hours` splits a range between
//! those two tiers; `list` and `detail` answer the pages, `counts`
//! the alert rules, `tally` the counts managers see. `json_event` reads
//! Opsdeck's own JSON door's records into the events `event` prepares. `states`
//! changes issues' states (audited), `reopen` with `release_order` decides
//! what an event does to a resolved or ignored issue, `timeline` reads an
//! issue's state and audit trail.

pub mod counts;
pub mod detail;
pub mod envelope;
pub mod event;
pub mod events;
pub mod grouping;
pub mod hours;
pub mod json_event;
pub mod list;
pub mod merge;
pub mod normalize;
pub mod partitions;
pub mod release_order;
pub mod reopen;
pub mod scrub;
pub mod since;
pub mod states;
pub mod store;
pub mod tally;
pub mod timeline;
pub mod triage;
pub mod unmerge;
pub mod write;
