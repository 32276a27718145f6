//! The SLOs area: `/slos` (every SLO with its budget), `/slos/new` (the
//! editor) and `/slos/:id` (the budget, its chart and how it was computed,
//! the editor, the burn-rate alerts and the versions) and `/slos/files`
//! (export and import as YAML).

mod alerts;
mod budget;
mod editor;
mod files;
mod list;
mod page;
mod versions;

pub use budget::BudgetBadge;
pub use editor::NewSlo;
pub use files::SloFiles;
pub use list::Slos;
pub use page::SloPage;
