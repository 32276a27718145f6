//! The console's areas, in navigation order: each one's title, path, who
//! may open it and what it holds. The navigation reads it; a new area adds
//! a variant here.

use crate::auth::endpoints::{Access, access_for};
use crate::auth::permissions::{Role, allows};

/// The areas of the console, in navigation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    Overview,
    Performance,
    Health,
    DataStores,
    Alerts,
    Slos,
    Logs,
    Errors,
    Backups,
    Deployments,
    Reports,
    Audit,
    Settings,
    Users,
}

impl Area {
    pub const ALL: [Area; 14] = [
        Area::Overview,
        Area::Performance,
        Area::Health,
        Area::DataStores,
        Area::Alerts,
        Area::Slos,
        Area::Logs,
        Area::Errors,
        Area::Backups,
        Area::Deployments,
        Area::Reports,
        Area::Audit,
        Area::Settings,
        Area::Users,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Area::Overview => "Overview",
            Area::Performance => "Performance",
            Area::Health => "Health",
            Area::DataStores => "Data stores",
            Area::Alerts => "Alerts",
            Area::Slos => "SLOs",
            Area::Logs => "Logs",
            Area::Errors => "Errors",
            Area::Backups => "Backups",
            Area::Deployments => "Deployments",
            Area::Reports => "Reports",
            Area::Audit => "Audit",
            Area::Settings => "Settings",
            Area::Users => "Users",
        }
    }

    pub fn path(self) -> &'static str {
        match self {
            Area::Overview => "/",
            Area::Performance => "/performance",
            Area::Health => "/health-checks",
            Area::DataStores => "/datastores",
            Area::Alerts => "/alerts",
            Area::Slos => "/slos",
            Area::Logs => "/logs",
            Area::Errors => "/errors",
            Area::Backups => "/backups",
            Area::Deployments => "/deployments",
            Area::Reports => "/reports",
            Area::Audit => "/audit",
            Area::Settings => "/settings",
            Area::Users => "/users",
        }
    }

    /// Whether `role` may open this area (the nav shows only those).
    pub fn visible_to(self, role: Role) -> bool {
        match access_for(self.path()) {
            Some(Access::Public | Access::SignedIn) => true,
            Some(Access::Requires(permission)) => allows(role, permission),
            None => false,
        }
    }

    /// What the area holds, in a sentence (a page's lead).
    pub fn purpose(self) -> &'static str {
        match self {
            Area::Overview => "The state of every service and of Opsdeck's own dependencies.",
            Area::Performance => "Latency percentiles, throughput and error rate per service and endpoint.",
            Area::Health => "The history of Opsdeck's checks of Postgres and Redis.",
            Area::DataStores => "Postgres and Redis in depth: sessions, transactions, locks, memory, slow commands.",
            Area::Alerts => "Alert rules with backtesting, firing alerts, silences and notifications.",
            Area::Slos => "Service level objectives, their error budgets and burn-rate alerts.",
            Area::Logs => "The lines services and Opsdeck log: search, context, traces and a live tail.",
            Area::Errors => "Errors services send from Sentry SDKs, grouped into issues.",
            Area::Backups => "Backup runs with checksum verification and restore tests.",
            Area::Deployments => "Deployment records and their impact on latency and errors.",
            Area::Reports => "Each month in one document: latency, incidents, deployments and backups.",
            Area::Audit => "The tamper-evident record of who changed what, and when.",
            Area::Settings => "Configuration, API keys and notification channels.",
            Area::Users => "Accounts, roles and active sessions.",
        }
    }
}
