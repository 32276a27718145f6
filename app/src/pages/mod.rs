//! One module per page. The list of the console's areas is `crate::area::Area`.

mod alerts;
mod api_keys;
mod audit;
mod backups;
mod datastores;
mod deployments;
mod errors;
mod health;
mod login;
mod logs;
mod monitoring;
mod not_found;
mod overview;
mod overview_errors;
mod overview_slos;
mod overview_stores;
pub(crate) mod performance;
mod profile;
mod reports;
mod settings;
pub(crate) mod slo;
mod traces;
mod users;

pub use alerts::{Alerts, Channels, ImportRules, NewRule, RulePage, Rules, Silences};
pub use api_keys::ApiKeys;
pub use audit::{AuditEntryPage, AuditLog};
pub use backups::{BackupRunPage, Backups};
pub use datastores::{DataStoreTargetPage, DataStoresPage};
pub use deployments::Deployments;
pub use errors::{Errors, IssuePage};
pub use health::HealthChecks;
pub use login::Login;
pub use logs::{LogContextPage, LogTracePage, Logs};
pub use monitoring::MonitoringSettingsPage;
pub use not_found::NotFound;
pub use overview::Overview;
pub use performance::Performance;
pub use profile::Profile;
pub use reports::{ReportSchedules, Reports};
pub use settings::Settings;
pub use slo::{NewSlo, SloFiles, SloPage, Slos};
pub use traces::TracePage;
pub use users::Users;

pub use crate::area::Area;
