-- Default rules on the backups' metrics, disabled until an admin enables
-- them: no successful backup of a target for 26 hours, and a failed run in
-- the last hour (`backup.run.result` is 1 for a success, 0 for a failure).
INSERT INTO alert_rules (name, description, service, metric, aggregation, window_secs, comparator, threshold,
                         recovery_threshold, for_secs, no_data, severity, summary) VALUES
    ('Backup too old', 'A backup target has had no successful backup for 26 hours.', 'opsdeck',
     'backup.last_success_age_seconds', 'max', 600, '>', 93600, NULL, 0, 'keep', 'critical',
     'The oldest last successful backup is {{value}} s old (limit {{threshold}} s)'),
    ('Backup failed', 'A backup run failed in the last hour.', 'opsdeck',
     'backup.run.result', 'min', 3600, '<', 1, NULL, 0, 'ok', 'warning',
     'A backup run failed in the last hour');
INSERT INTO alert_rule_versions (rule_id, version, definition)
SELECT id, 1, to_jsonb(r) - 'id' - 'version' - 'created_at' - 'updated_at' - 'updated_by'
FROM alert_rules r WHERE name IN ('Backup too old', 'Backup failed');
