-- Log-based alert rules: aggregation `log_lines` counts the log lines of the
-- rule's service matching `log_query` (the Logs page's query language; NULL:
-- every line of the service). A log rule has no metric, endpoint or label
-- matchers; any other rule has no log query.
--
-- Expand only: a release without log rules keeps reading and saving its own
-- rules (it never names the new column, so it stays NULL). Its evaluator
-- would fail to read a `log_lines` rule saved by this release, so replace
-- the old instances before creating log rules.
ALTER TABLE alert_rules ADD COLUMN log_query TEXT CHECK (octet_length(log_query) <= 1024);

ALTER TABLE alert_rules DROP CONSTRAINT alert_rules_aggregation_check;
ALTER TABLE alert_rules ADD CONSTRAINT alert_rules_aggregation_check
    CHECK (aggregation IN ('p50', 'p95', 'p99', 'avg_latency', 'max_latency', 'throughput', 'error_rate',
                           'min', 'max', 'avg', 'last', 'log_lines'));

-- Was: a metric exactly for the metric aggregations (request rules none).
ALTER TABLE alert_rules DROP CONSTRAINT alert_rules_check;
ALTER TABLE alert_rules ADD CONSTRAINT alert_rules_watched_check CHECK (
    (metric IS NULL) = (aggregation NOT IN ('min', 'max', 'avg', 'last'))
    AND (log_query IS NULL OR aggregation = 'log_lines')
    AND (aggregation <> 'log_lines' OR (endpoint IS NULL AND matchers = '{}'::jsonb))
);
