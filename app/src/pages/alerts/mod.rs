//! The Alerts area: `/alerts` (what is firing or pending, then the history
//! of state changes), `/alerts/rules` (every rule), the rule editor
//! (`/alerts/rules/new`, `/alerts/rules/:id`), importing rules from a
//! YAML file (`/alerts/rules/import`), `/alerts/silences` and the
//! notification channels (`/alerts/channels`).

mod badges;
mod channels;
mod deliveries;
mod editor;
mod history;
mod import;
mod log_query;
mod overview;
mod preview;
mod rules;
mod silences;
mod versions;

pub use channels::Channels;
pub use editor::{NewRule, RulePage};
pub use import::ImportRules;
pub use overview::Alerts;
pub use rules::Rules;
pub use silences::Silences;
