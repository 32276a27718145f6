//! Server side of alerting: reading what a rule watches and evaluating it
//! (live and as a backtest, with the same code), rules as YAML files, and
//! silences.

pub mod channels;
pub mod deliver;
pub mod evaluate;
pub mod file_rule;
pub mod files;
pub mod import;
pub mod import_drafts;
pub mod manage;
pub mod outbox;
pub mod series;
pub mod silences;
pub mod store;
