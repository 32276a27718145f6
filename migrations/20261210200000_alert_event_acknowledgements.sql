-- When each firing was first acknowledged, and by whom: the monthly report's
-- time to acknowledge (MTTA). `alert_states` keeps only the current one.
ALTER TABLE alert_events
    ADD COLUMN acknowledged_at TIMESTAMPTZ,
    ADD COLUMN acknowledged_by BIGINT REFERENCES users (id) ON DELETE SET NULL;

-- Firings acknowledged before this column existed: the first audited
-- acknowledgement of the rule after it fired and before the next event.
UPDATE alert_events e
SET (acknowledged_at, acknowledged_by) = (
    SELECT a.at, (SELECT u.id FROM users u WHERE u.id = a.actor_id) FROM audit_log a
    WHERE a.action = 'alert.acknowledge' AND a.outcome = 'success'
      AND a.target_type = 'alert_rule' AND a.target_id = e.rule_id::text
      AND a.at >= e.at
      AND a.at < coalesce((SELECT min(n.at) FROM alert_events n WHERE n.rule_id = e.rule_id AND n.at > e.at), 'infinity')
    ORDER BY a.at LIMIT 1
)
WHERE e.to_state = 'firing';

-- The report reads one month's firings by time.
CREATE INDEX alert_events_firing_at_idx ON alert_events (at) WHERE to_state = 'firing';
