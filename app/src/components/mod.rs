//! Widgets shared by several pages.

pub mod account;
pub mod alert_badge;
pub mod chart;
pub mod copy_button;
pub mod field;
pub mod form;
pub mod layout;
pub mod live_stream;
pub mod logs_link;
pub mod nav;
pub mod range_fields;
pub mod row_form;
pub mod short_time;
pub mod status_badge;
pub mod table_head;
pub mod theme_switch;
