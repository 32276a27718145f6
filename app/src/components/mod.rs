//! Widgets shared by several pages.

pub mod layout;
pub mod nav;
pub mod status_badge;
pub mod theme_switch;
