//! Server side of alerting: the services the server functions call, and
//! the queries under them.
//!
//! - Rules: `store` (queries), `manage` (changes, audited), `overview` (what
//!   the rule pages read), `preview` (a draft's series and backtest).
//! - Evaluation: `series` (what a rule watches, per minute; `burn` for SLO
//!   burn-rate rules), `evaluate` (the evaluator's cycle and backtests).
//! - Silences: `silences` (queries), `manage_silences` (the page's services).
//! - Notifications: `channels` (queries), `manage_channels` (the page's
//!   services), `outbox` (deliveries waiting and done), `deliver` (sending one).
//! - Rules files: `files` (the YAML document), `file_rule` (one rule of it),
//!   `field_names`, `plan` (what an import would do), `import` (export and
//!   import), `import_drafts` (files posted to the import page).
//! - `form_post`: how a plain HTML form post is answered.

pub mod burn;
pub mod channels;
pub mod deliver;
pub mod evaluate;
pub mod field_names;
pub mod file_rule;
pub mod files;
pub mod form_post;
pub mod import;
pub mod import_drafts;
pub mod manage;
pub mod manage_channels;
pub mod manage_silences;
pub mod outbox;
pub mod overview;
pub mod plan;
pub mod preview;
pub mod series;
pub mod silences;
pub mod store;
