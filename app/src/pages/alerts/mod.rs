//! The Alerts area: `/alerts` (what is firing or pending, then the history
//! of state changes), `/alerts/rules` (every rule) and the rule editor
//! (`/alerts/rules/new`, `/alerts/rules/:id`), and importing rules from a
//! YAML file (`/alerts/rules/import`).

mod badges;
mod editor;
mod history;
mod import;
mod overview;
mod preview;
mod rules;

pub use editor::{NewRule, RulePage};
pub use import::ImportRules;
pub use overview::Alerts;
pub use rules::Rules;
