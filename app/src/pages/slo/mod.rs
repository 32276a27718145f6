//! The SLOs area: `/slos` (every SLO with its budget), `/slos/new` (the
//! editor) and `/slos/:id` (the budget, its chart and how it was computed,
//! the editor and the versions).

mod alerts;
mod budget;
mod editor;
mod list;
mod page;
mod versions;

pub use budget::BudgetBadge;
pub use editor::NewSlo;
pub use list::Slos;
pub use page::SloPage;
