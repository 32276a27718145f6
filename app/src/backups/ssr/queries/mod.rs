//! Backup SQL. Each function takes a connection (or transaction) so a change
//! and its audit entry commit together. No query here returns a target's
//! connection URL except [`stored_url`], which only the workers call.
//!
//! By subject: `targets`, `runs` (a dump of a target), `checks` (a run's
//! verification and restore tests).

mod checks;
mod runs;
mod targets;

pub use checks::*;
pub use runs::*;
pub use targets::*;
