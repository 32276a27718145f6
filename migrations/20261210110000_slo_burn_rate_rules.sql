-- SLO burn-rate alert rules: aggregation `slo_burn_rate` watches the SLO its
-- one label matcher names (`{"slo": "<id>"}`); its window reaches 3 days
-- (the SRE Workbook's ticket pair), its short window is a twelfth of it.
-- Other rules keep windows of at most 24 hours (checked by the app).
--
-- Expand only: a release without burn-rate rules cannot read the new
-- aggregation, so replace the old instances before creating SLOs.
ALTER TABLE alert_rules DROP CONSTRAINT alert_rules_aggregation_check;
ALTER TABLE alert_rules ADD CONSTRAINT alert_rules_aggregation_check
    CHECK (aggregation IN ('p50', 'p95', 'p99', 'avg_latency', 'max_latency', 'throughput', 'error_rate',
                           'min', 'max', 'avg', 'last', 'log_lines',
                           'error_events', 'new_error_issues', 'regressed_error_issues', 'slo_burn_rate'));

ALTER TABLE alert_rules DROP CONSTRAINT alert_rules_window_secs_check;
ALTER TABLE alert_rules ADD CONSTRAINT alert_rules_window_secs_check
    CHECK (window_secs BETWEEN 60 AND 86400 OR (aggregation = 'slo_burn_rate' AND window_secs BETWEEN 720 AND 259200));

-- The rules generated from an SLO, found by the SLO's page and deleted with it.
CREATE INDEX alert_rules_slo_idx ON alert_rules ((matchers ->> 'slo')) WHERE aggregation = 'slo_burn_rate';
