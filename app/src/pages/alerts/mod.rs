//! The Alerts area: `/alerts` (what is firing or pending, then the history
//! of state changes), `/alerts/rules` (every rule), the rule editor
//! (`/alerts/rules/new`, `/alerts/rules/:id`) and `/alerts/silences`.

mod badges;
mod editor;
mod history;
mod overview;
mod preview;
mod rules;
mod silences;

pub use editor::{NewRule, RulePage};
pub use overview::Alerts;
pub use rules::Rules;
pub use silences::Silences;
