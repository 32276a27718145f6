//! The gate's table: which access every page, server function and HTTP
//! route needs. The server's gate middleware consults it before anything
//! runs; a test walks it for every role and fails when a registered server
//! function or page has no row.

use super::permissions::Permission;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any enabled, signed-in user.
    SignedIn,
    Requires(Permission),
}

use Access::*;
use Permission::*;

/// Exact paths, prefixes ending in `/*`, or paths with `{name}` segments
/// (each matching one non-empty segment).
pub const TABLE: &[(&str, Access)] = &[
    // Infrastructure and static files
    ("/health", Public),
    ("/ready", Public),
    // Prometheus scrapers carry no session; the counters name no user,
    // service or key (see server/src/prometheus.rs).
    ("/metrics", Public),
    ("/pkg/*", Public),
    ("/favicon.svg", Public),
    ("/echarts.min.js", Public),
    // Pages
    ("/login", Public),
    ("/", Requires(ViewDashboards)),
    ("/performance", Requires(ViewDashboards)),
    ("/health-checks", Requires(ViewDashboards)),
    ("/datastores", Requires(ViewDataStores)),
    ("/datastores/target", Requires(ViewDataStores)),
    ("/reports", Requires(ReadReports)),
    ("/reports/export.csv", Requires(ReadReports)),
    ("/reports/schedules", Requires(ManageChannels)),
    ("/alerts", Requires(ReadAlerts)),
    ("/alerts/rules", Requires(ReadAlerts)),
    ("/alerts/silences", Requires(ReadAlerts)),
    ("/alerts/rules/new", Requires(EditAlertRules)),
    ("/alerts/channels", Requires(ManageChannels)),
    ("/alerts/rules/import", Requires(EditAlertRules)),
    ("/alerts/rules/*", Requires(ReadAlerts)),
    ("/slos", Requires(ReadSlos)),
    ("/slos/new", Requires(ManageSlos)),
    ("/slos/*", Requires(ReadSlos)),
    ("/logs", Requires(ReadLogs)),
    ("/logs/context", Requires(ReadLogs)),
    ("/logs/trace", Requires(ReadLogs)),
    ("/traces/{id}", Requires(ReadTraces)),
    ("/errors", Requires(ReadErrors)),
    ("/errors/issues/*", Requires(ReadErrors)),
    ("/backups", Requires(ReadBackups)),
    ("/backups/*", Requires(ReadBackups)),
    ("/deployments", Requires(ReadDeployments)),
    ("/settings", SignedIn),
    ("/settings/api-keys", Requires(ManageApiKeys)),
    ("/settings/monitoring", Requires(ManageMonitoringSettings)),
    ("/settings/scrape-targets", Requires(ManageScrapeTargets)),
    ("/settings/scrape-targets/*", Requires(ManageScrapeTargets)),
    ("/audit", Requires(ReadAuditSummary)),
    ("/audit/*", Requires(ReadAuditDetails)),
    ("/users", Requires(ManageUsers)),
    ("/profile", Requires(ManageOwnAccount)),
    // Server functions
    ("/api/theme/set", Public),
    ("/api/auth/sign-in", Public),
    ("/api/auth/whoami", Public),
    ("/api/auth/sign-out", SignedIn),
    ("/api/auth/change-password", Requires(ManageOwnAccount)),
    ("/api/health/snapshot", Requires(ViewDashboards)),
    ("/api/health/history", Requires(ViewDashboards)),
    ("/api/datastores/overview", Requires(ViewDataStores)),
    ("/api/datastores/activity", Requires(InspectDataStores)),
    ("/api/datastores/top-queries", Requires(InspectDataStores)),
    ("/api/datastores/end-session", Requires(EndDataStoreSessions)),
    ("/api/datastores/target", Requires(ViewDataStores)),
    ("/api/datastores/tiles", Requires(ViewDataStores)),
    ("/api/reports/month", Requires(ReadReports)),
    ("/api/reports/schedules", Requires(ManageChannels)),
    ("/api/reports/schedule-save", Requires(ManageChannels)),
    ("/api/reports/schedule-delete", Requires(ManageChannels)),
    ("/api/reports/schedule-send", Requires(ManageChannels)),
    ("/api/scrape/targets", Requires(ManageScrapeTargets)),
    ("/api/scrape/target", Requires(ManageScrapeTargets)),
    ("/api/scrape/target-save", Requires(ManageScrapeTargets)),
    ("/api/scrape/target-delete", Requires(ManageScrapeTargets)),
    ("/api/datastores/targets", Requires(ManageDataStores)),
    ("/api/datastores/target-add", Requires(ManageDataStores)),
    ("/api/datastores/target-from-backup", Requires(ManageDataStores)),
    ("/api/datastores/target-enabled", Requires(ManageDataStores)),
    ("/api/datastores/target-interval", Requires(ManageDataStores)),
    ("/api/datastores/target-delete", Requires(ManageDataStores)),
    ("/api/datastores/test-connection", Requires(ManageDataStores)),
    ("/api/datastores/target-test", Requires(ManageDataStores)),
    ("/api/alerts/overview", Requires(ReadAlerts)),
    ("/api/alerts/firing", Requires(ReadAlerts)),
    ("/api/alerts/rules", Requires(ReadAlerts)),
    ("/api/alerts/rule", Requires(ReadAlerts)),
    ("/api/alerts/preview", Requires(ReadAlerts)),
    ("/api/alerts/save", Requires(EditAlertRules)),
    ("/api/alerts/set-enabled", Requires(EditAlertRules)),
    ("/api/alerts/delete", Requires(EditAlertRules)),
    ("/api/alerts/restore", Requires(EditAlertRules)),
    ("/api/alerts/acknowledge", Requires(EditAlertRules)),
    ("/api/alerts/channels", Requires(ManageChannels)),
    ("/api/alerts/channel-save", Requires(ManageChannels)),
    ("/api/alerts/channel-rotate", Requires(ManageChannels)),
    ("/api/alerts/channel-delete", Requires(ManageChannels)),
    ("/api/alerts/channel-test", Requires(ManageChannels)),
    ("/api/alerts/import-preview", Requires(EditAlertRules)),
    ("/api/alerts/import-apply", Requires(EditAlertRules)),
    ("/api/alerts/import-draft", Requires(EditAlertRules)),
    ("/api/alerts/import-apply-draft", Requires(EditAlertRules)),
    ("/api/alerts/silences", Requires(ReadAlerts)),
    ("/api/alerts/silence-create", Requires(EditAlertRules)),
    ("/api/alerts/silence-end", Requires(EditAlertRules)),
    ("/api/slos/list", Requires(ReadSlos)),
    ("/api/slos/get", Requires(ReadSlos)),
    ("/api/slos/strip", Requires(ReadSlos)),
    ("/api/slos/save", Requires(ManageSlos)),
    ("/api/slos/delete", Requires(ManageSlos)),
    ("/api/slos/restore", Requires(ManageSlos)),
    ("/api/slos/export", Requires(ReadSlos)),
    ("/api/slos/import", Requires(ManageSlos)),
    ("/api/metrics/overview", Requires(ViewDashboards)),
    ("/api/metrics/performance", Requires(ViewDashboards)),
    ("/api/audit/list", Requires(ReadAuditSummary)),
    ("/api/audit/entry", Requires(ReadAuditDetails)),
    ("/api/audit/verify", Requires(VerifyAudit)),
    ("/api/users/list", Requires(ManageUsers)),
    ("/api/users/create", Requires(ManageUsers)),
    ("/api/users/set-role", Requires(ManageUsers)),
    ("/api/users/set-disabled", Requires(ManageUsers)),
    ("/api/users/reset-password", Requires(ManageUsers)),
    ("/api/users/sessions", Requires(ManageUsers)),
    ("/api/users/end-session", Requires(ManageUsers)),
    ("/api/api-keys/list", Requires(ManageApiKeys)),
    ("/api/api-keys/create", Requires(ManageApiKeys)),
    ("/api/api-keys/revoke", Requires(ManageApiKeys)),
    ("/api/api-keys/set-expiry", Requires(ManageApiKeys)),
    ("/api/api-keys/take-created", Requires(ManageApiKeys)),
    ("/api/monitoring/get", Requires(ManageMonitoringSettings)),
    ("/api/monitoring/save", Requires(ManageMonitoringSettings)),
    ("/api/backups/overview", Requires(ReadBackups)),
    ("/api/backups/run-detail", Requires(ReadBackups)),
    ("/api/backups/run", Requires(RunBackups)),
    ("/api/backups/verify", Requires(RunBackups)),
    ("/api/backups/restore-test", Requires(RunBackups)),
    ("/api/backups/restore-into", Requires(ManageBackups)),
    ("/api/backups/save-target", Requires(ManageBackups)),
    ("/api/backups/delete-target", Requires(ManageBackups)),
    ("/api/deployments/list", Requires(ReadDeployments)),
    ("/api/deployments/record", Requires(RecordDeployments)),
    ("/api/deployments/finish", Requires(RecordDeployments)),
    ("/api/logs/search", Requires(ReadLogs)),
    ("/api/logs/context", Requires(ReadLogs)),
    ("/api/logs/trace", Requires(ReadLogs)),
    ("/api/traces/trace", Requires(ReadTraces)),
    ("/api/errors/issues", Requires(ReadErrors)),
    ("/api/errors/issue", Requires(ReadErrors)),
    ("/api/errors/tallies", Requires(CountErrors)),
    ("/api/errors/issue-triage", Requires(ReadErrors)),
    ("/api/errors/set-state", Requires(TriageErrors)),
    ("/api/errors/issue-events", Requires(ReadErrors)),
    ("/api/errors/merge", Requires(TriageErrors)),
    ("/api/errors/merge-ticked", Requires(TriageErrors)),
    ("/api/errors/unmerge", Requires(TriageErrors)),
    // HTTP routes
    ("/api/v1/backups/download", Requires(ManageBackups)),
    ("/api/v1/audit/export.csv", Requires(ExportAudit)),
    ("/api/v1/alerts/rules.yaml", Requires(ReadAlerts)),
    ("/api/v1/alerts/import", Requires(EditAlertRules)),
    ("/api/v1/live", Requires(ViewDashboards)),
    ("/api/v1/logs/tail", Requires(ReadLogs)),
    // Machines, not sessions: the ingest handler authenticates the bearer API
    // key itself (401/403), so the gate lets the request through to it.
    ("/api/v1/ingest", Public),
    // Log lines (key scope `logs`): OTLP/HTTP at the path exporters expect, and NDJSON.
    ("/v1/logs", Public),
    // Trace spans (key scope `ingest`: server spans are request events too).
    ("/v1/traces", Public),
    ("/v1/metrics", Public),
    ("/api/v1/logs", Public),
    // Sentry SDKs' error events (key scope `errors`, from the DSN): the
    // handler checks the key against the project in the path.
    // Browser SDKs post these from other origins (CORS, server/src/http/errors/cors.rs).
    ("/api/{project}/envelope/", Public),
    ("/api/{project}/store/", Public),
    // Opsdeck's own JSON for error events (bearer key, scope `errors`).
    ("/api/v1/errors", Public),
    // The same for CI recording deployments (key scope `deployments:write`).
    ("/api/v1/deployments", Public),
    ("/api/v1/deployments/*", Public),
    ("/api/v1/openapi.json", Public),
];

/// The rule for `path`, if the table has one.
pub fn access_for(path: &str) -> Option<Access> {
    TABLE
        .iter()
        .find_map(|(pattern, access)| match pattern.strip_suffix("/*") {
            Some(prefix) => path.starts_with(&format!("{prefix}/")).then_some(*access),
            None if pattern.contains('{') => segments_match(pattern, path).then_some(*access),
            None => (*pattern == path).then_some(*access),
        })
}

/// Whether `path` has `pattern`'s segments, a `{name}` one matching any
/// non-empty segment.
fn segments_match(pattern: &str, path: &str) -> bool {
    let (mut wanted, mut given) = (pattern.split('/'), path.split('/'));
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return true,
            (Some(w), Some(g)) if w.starts_with('{') && w.ends_with('}') && !g.is_empty() => {}
            (Some(w), Some(g)) if w == g => {}
            _ => return false,
        }
    }
}

/// Paths under `/api/` are machine endpoints: no row means no access.
/// Other unknown paths are pages (the app answers 404) for signed-in users.
pub fn access_or_default(path: &str) -> Option<Access> {
    access_for(path).or_else(|| (!path.starts_with("/api/")).then_some(SignedIn))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_only_below_themselves() {
        assert_eq!(access_for("/pkg/opsdeck.wasm"), Some(Public));
        assert_eq!(access_for("/pkgx"), None);
        assert_eq!(access_for("/users"), Some(Requires(ManageUsers)));
        assert_eq!(access_for("/users/extra"), None);
    }

    #[test]
    fn named_segments_match_one_segment() {
        assert_eq!(access_for("/api/42/envelope/"), Some(Public));
        assert_eq!(access_for("/api/42/store/"), Some(Public));
        assert_eq!(access_for("/api/v1/errors"), Some(Public));
        assert_eq!(access_for("/api//envelope/"), None);
        assert_eq!(access_for("/api/42/envelope"), None);
        assert_eq!(access_for("/api/4/2/envelope/"), None);
    }

    #[test]
    fn unknown_api_paths_are_refused_and_unknown_pages_need_sign_in() {
        assert_eq!(access_or_default("/api/not/registered"), None);
        assert_eq!(access_or_default("/no/such/page"), Some(SignedIn));
    }
}
