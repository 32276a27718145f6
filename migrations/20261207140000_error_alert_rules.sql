-- Alert rules on errors: aggregation `error_events` counts the events of the
-- rule's service (or of one issue, `error_issue_id`), `new_error_issues` the
-- service's issues first seen, `regressed_error_issues` the issues that
-- came back after being resolved — each in the rule's window. An error rule
-- has no metric, endpoint, label matchers or log query; only `error_events`
-- names an issue.
--
-- Expand only: a release without error rules never names the new column.
-- Its evaluator would fail to read an error rule saved by this release, so
-- replace the old instances before creating error rules.
ALTER TABLE alert_rules ADD COLUMN error_issue_id BIGINT CHECK (error_issue_id > 0);

ALTER TABLE alert_rules DROP CONSTRAINT alert_rules_aggregation_check;
ALTER TABLE alert_rules ADD CONSTRAINT alert_rules_aggregation_check
    CHECK (aggregation IN ('p50', 'p95', 'p99', 'avg_latency', 'max_latency', 'throughput', 'error_rate',
                           'min', 'max', 'avg', 'last', 'log_lines',
                           'error_events', 'new_error_issues', 'regressed_error_issues'));

ALTER TABLE alert_rules DROP CONSTRAINT alert_rules_watched_check;
ALTER TABLE alert_rules ADD CONSTRAINT alert_rules_watched_check CHECK (
    (metric IS NULL) = (aggregation NOT IN ('min', 'max', 'avg', 'last'))
    AND (log_query IS NULL OR aggregation = 'log_lines')
    AND (aggregation NOT IN ('log_lines', 'error_events', 'new_error_issues', 'regressed_error_issues')
         OR (endpoint IS NULL AND matchers = '{}'::jsonb))
    AND (error_issue_id IS NULL OR aggregation = 'error_events')
);

-- New issues per window (these rules), and issues first seen since a deployment.
CREATE INDEX error_issues_first_seen_idx ON error_issues (project_id, first_seen);
