//! Server side of SLOs: `store` (the queries), `manage` (changes, each
//! audited in its transaction), `budget` (the rollups counted into a
//! budget, for any period: the pages, the Overview and the reports),
//! `burn_rules` (the alert rules an SLO generates), `files` and `import`
//! (SLOs as YAML) and `reading` (what the pages receive).

pub mod budget;
pub mod burn_rules;
pub mod files;
pub mod import;
pub mod manage;
pub mod reading;
pub mod store;
