//! Who may do what: the one table every access decision comes from.
//!
//! The UI asks [`allows`] to decide what to show; the server asks it (through
//! the endpoint table in `endpoints.rs`) before running anything. The README's
//! permission matrix is checked against [`matrix_markdown`] by a test.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Operator,
    Support,
    Manager,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Admin, Role::Operator, Role::Support, Role::Manager, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Support => "support",
            Role::Manager => "manager",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == value.trim().to_ascii_lowercase())
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    /// Overview and performance dashboards.
    ViewDashboards,
    /// Change one's own password, see one's own profile.
    ManageOwnAccount,
    /// Audit entries in full: before/after, client IP, user agent.
    ReadAuditDetails,
    /// Audit entries without before/after details or IPs.
    ReadAuditSummary,
    /// Export the audit log as CSV.
    ExportAudit,
    /// Check the audit hash chain.
    VerifyAudit,
    /// Create users, change roles, disable, reset passwords, end sessions.
    ManageUsers,
    /// Create, scope, expire and revoke the API keys machines send data with.
    ManageApiKeys,
    /// Deployment records, their timeline and their impact.
    ReadDeployments,
    /// Record a deployment from the UI.
    RecordDeployments,
    /// Backup records, their verification and restore-test evidence.
    ReadBackups,
    /// Run a backup now, verify it, run a restore test.
    RunBackups,
    /// Manage backup targets, restore into a new database, download backup files.
    ManageBackups,
    /// Alerts, their history and the rules behind them.
    ReadAlerts,
    /// Write, backtest, enable and delete alert rules; create and end
    /// silences; acknowledge alerts.
    EditAlertRules,
    /// Create, change, test and delete notification channels (they hold signing secrets).
    ManageChannels,
    /// Search and tail the system logs services send (raw lines may hold
    /// customer data, so not managers or viewers).
    ReadLogs,
    /// Open traces and an endpoint's slowest traces (span attributes may
    /// hold request details, so not managers or viewers).
    ReadTraces,
    /// Error issues and their events (an event may hold customer data:
    /// not managers or viewers).
    ReadErrors,
    /// How many error issues are new or regressed, per service and per
    /// deployment (counts only, no event contents: managers too).
    CountErrors,
    /// Change error issues: resolve, ignore, merge and unmerge (support
    /// staff triage).
    TriageErrors,
    /// The data stores' status, key numbers and charts (managers too).
    ViewDataStores,
    /// What runs on the data stores now: sessions with their query text,
    /// the slow log's commands, the top queries.
    InspectDataStores,
    /// Ending a client session of Opsdeck's own Postgres (audited).
    EndDataStoreSessions,
    /// Add, switch off, retime, test and delete monitored data stores
    /// (their connection URLs are secrets).
    ManageDataStores,
    /// Add, change and delete Prometheus scrape targets (their bearer
    /// tokens are secrets) and read their last scrapes.
    ManageScrapeTargets,
    /// Retention, the Overview's and health checks' thresholds, the
    /// collector's interval, the errors' scrubbed keys (Settings › Monitoring).
    ManageMonitoringSettings,
    /// Monthly reports: latency and errors against the month before,
    /// incidents with MTTA/MTTR, deployments' change failure rate, backups.
    ReadReports,
    /// Service level objectives and their error budgets (managers too).
    ReadSlos,
    /// Create, change and delete SLOs (and the burn-rate rules they generate).
    ManageSlos,
}

impl Permission {
    pub const ALL: [Permission; 30] = [
        Permission::ViewDashboards,
        Permission::ManageOwnAccount,
        Permission::ReadAuditDetails,
        Permission::ReadAuditSummary,
        Permission::ExportAudit,
        Permission::VerifyAudit,
        Permission::ManageUsers,
        Permission::ManageApiKeys,
        Permission::ReadDeployments,
        Permission::RecordDeployments,
        Permission::ReadBackups,
        Permission::RunBackups,
        Permission::ManageBackups,
        Permission::ReadAlerts,
        Permission::EditAlertRules,
        Permission::ManageChannels,
        Permission::ReadLogs,
        Permission::ReadTraces,
        Permission::ReadErrors,
        Permission::CountErrors,
        Permission::TriageErrors,
        Permission::ViewDataStores,
        Permission::InspectDataStores,
        Permission::EndDataStoreSessions,
        Permission::ManageDataStores,
        Permission::ManageScrapeTargets,
        Permission::ManageMonitoringSettings,
        Permission::ReadReports,
        Permission::ReadSlos,
        Permission::ManageSlos,
    ];

    pub fn description(self) -> &'static str {
        match self {
            Permission::ViewDashboards => "view dashboards",
            Permission::ManageOwnAccount => "change own password",
            Permission::ReadAuditDetails => "read audit log in full",
            Permission::ReadAuditSummary => "read audit log summary",
            Permission::ExportAudit => "export audit log (CSV)",
            Permission::VerifyAudit => "verify audit chain",
            Permission::ManageUsers => "manage users and sessions",
            Permission::ManageApiKeys => "manage API keys",
            Permission::ReadDeployments => "read deployment records",
            Permission::RecordDeployments => "record deployments",
            Permission::ReadBackups => "read backup records",
            Permission::RunBackups => "run, verify and restore-test backups",
            Permission::ManageBackups => "manage backup targets, restore into a new database, download backups",
            Permission::ReadAlerts => "read alerts and alert rules",
            Permission::EditAlertRules => "edit alert rules, acknowledge and silence alerts",
            Permission::ManageChannels => "manage notification channels and scheduled reports",
            Permission::ReadLogs => "search and tail system logs",
            Permission::ReadTraces => "open traces and an endpoint's slowest traces",
            Permission::ReadErrors => "read error issues and their events",
            Permission::CountErrors => "see counts of new and regressed error issues",
            Permission::TriageErrors => "triage error issues (resolve, ignore, merge)",
            Permission::ViewDataStores => "see the data stores' status and charts",
            Permission::InspectDataStores => "see the data stores' sessions, slow commands and top queries",
            Permission::EndDataStoreSessions => "end a Postgres session from the data stores page",
            Permission::ManageDataStores => "add and manage monitored data stores",
            Permission::ManageScrapeTargets => "add and manage Prometheus scrape targets",
            Permission::ManageMonitoringSettings => "change monitoring settings (retention, thresholds)",
            Permission::ReadReports => "read monthly reports",
            Permission::ReadSlos => "read SLOs and their error budgets",
            Permission::ManageSlos => "create, change and delete SLOs",
        }
    }
}

/// The permission matrix. Keep it a plain `match` so every pair is visible.
pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission::*;
    use Role::*;
    match permission {
        ViewDashboards | ManageOwnAccount => true,
        ReadAuditDetails | ExportAudit | VerifyAudit => matches!(role, Admin | Support),
        ReadAuditSummary => matches!(role, Admin | Support | Manager),
        ManageUsers
        | ManageApiKeys
        | ManageBackups
        | ManageChannels
        | EndDataStoreSessions
        | ManageDataStores
        | ManageScrapeTargets
        | ManageMonitoringSettings => {
            matches!(role, Admin)
        }
        ReadDeployments | ReadBackups | ViewDataStores | ReadReports | ReadSlos => {
            matches!(role, Admin | Operator | Manager)
        }
        RecordDeployments | RunBackups | EditAlertRules | InspectDataStores | ManageSlos => {
            matches!(role, Admin | Operator)
        }
        ReadAlerts | CountErrors => matches!(role, Admin | Operator | Support | Manager),
        ReadLogs | ReadTraces | ReadErrors | TriageErrors => matches!(role, Admin | Operator | Support),
    }
}

/// The matrix as the Markdown table the README shows.
pub fn matrix_markdown() -> String {
    let mut table = String::from("| permission |");
    for role in Role::ALL {
        table.push_str(&format!(" {role} |"));
    }
    table.push_str("\n|---|");
    table.push_str(&"---|".repeat(Role::ALL.len()));
    table.push('\n');
    for permission in Permission::ALL {
        table.push_str(&format!("| {} |", permission.description()));
        for role in Role::ALL {
            table.push_str(if allows(role, permission) { " yes |" } else { " — |" });
        }
        table.push('\n');
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse(" Admin "), Some(Role::Admin));
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn only_admins_manage_users() {
        for role in Role::ALL {
            assert_eq!(allows(role, Permission::ManageUsers), role == Role::Admin);
        }
    }

    #[test]
    fn managers_see_audit_summaries_but_not_details() {
        assert!(allows(Role::Manager, Permission::ReadAuditSummary));
        assert!(!allows(Role::Manager, Permission::ReadAuditDetails));
        assert!(!allows(Role::Viewer, Permission::ReadAuditSummary));
    }

    #[test]
    fn support_reads_errors_but_managers_and_viewers_do_not() {
        let readers: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|role| allows(*role, Permission::ReadErrors))
            .collect();
        assert_eq!(readers, vec![Role::Admin, Role::Operator, Role::Support]);
    }

    #[test]
    fn support_triages_errors_but_managers_and_viewers_do_not() {
        let triagers: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|role| allows(*role, Permission::TriageErrors))
            .collect();
        assert_eq!(triagers, vec![Role::Admin, Role::Operator, Role::Support]);
    }

    #[test]
    fn support_reads_logs_but_managers_and_viewers_do_not() {
        let readers: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|role| allows(*role, Permission::ReadLogs))
            .collect();
        assert_eq!(readers, vec![Role::Admin, Role::Operator, Role::Support]);
    }

    #[test]
    fn the_readme_shows_the_matrix_from_the_code() {
        let readme = include_str!("../../../README.md");
        assert!(
            readme.contains(&matrix_markdown()),
            "README.md's permission matrix is out of date; replace it with:\n{}",
            matrix_markdown()
        );
    }
}
