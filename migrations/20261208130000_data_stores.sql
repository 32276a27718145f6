-- How the collector's last reading of each data store went (app::datastores;
-- server/src/workers/store_collector.rs): the page says exactly what failed.
CREATE TABLE data_store_status (
    service  TEXT        PRIMARY KEY,
    read_at  TIMESTAMPTZ NOT NULL,
    ok       BOOLEAN     NOT NULL,
    -- What failed (DNS, refused, authentication, a timeout, a permission), when it failed.
    reason   TEXT        CHECK (length(reason) <= 2000)
);

-- Default rules on the data stores' samples (app::datastores, written by the
-- leader's collector every OPSDECK_COLLECT_SECS), enabled so that a fresh
-- install warns before its own Postgres or Redis breaks. Thresholds are
-- pgMonitor's defaults and the common Redis rules; each is editable as any
-- rule. Without samples (the collector off) a rule stays quiet (no data is
-- 'ok'): a store that cannot be read is sampled as down, not left out.
-- "Redis not saved for 24 hours" is disabled: many Redis servers
-- (Opsdeck's sessions and live streams included) run without persistence
-- on purpose; enable it where Redis saves to disk.
INSERT INTO alert_rules (name, description, service, metric, aggregation, window_secs, comparator, threshold,
                         recovery_threshold, for_secs, no_data, severity, summary, enabled) VALUES
    ('Postgres unreadable', 'Opsdeck''s own Postgres could not be read by the collector (down, refusing, or denying its statistics).', 'opsdeck-postgres',
     'pg.up', 'min', 120, '<', 1, NULL, 0, 'ok', 'critical',
     'Postgres could not be read (up = {{value}})', true),
    ('Postgres connections above 75 %', 'Connections in use as a share of max_connections (pgMonitor: warning at 75 %).',
     'opsdeck-postgres', 'pg.connections.used_pct', 'max', 120, '>', 75, NULL, 60, 'ok', 'warning',
     '{{value}} % of max_connections in use (limit {{threshold}} %)', true),
    ('Postgres connections above 90 %', 'Connections in use as a share of max_connections (pgMonitor: critical at 90 %).',
     'opsdeck-postgres', 'pg.connections.used_pct', 'max', 120, '>', 90, NULL, 60, 'ok', 'critical',
     '{{value}} % of max_connections in use (limit {{threshold}} %)', true),
    ('Postgres idle in transaction for 5 minutes', 'A session has been idle inside a transaction for 5 minutes, holding its locks and snapshot.',
     'opsdeck-postgres', 'pg.idle_in_transaction.longest_s', 'max', 120, '>', 300, NULL, 0, 'ok', 'warning',
     'A session has been idle in a transaction for {{value}} s', true),
    ('Postgres idle in transaction for 15 minutes', 'A session has been idle inside a transaction for 15 minutes.',
     'opsdeck-postgres', 'pg.idle_in_transaction.longest_s', 'max', 120, '>', 900, NULL, 0, 'ok', 'critical',
     'A session has been idle in a transaction for {{value}} s', true),
    ('Postgres slow transaction', 'A transaction has been running for 10 minutes (slow queries or a forgotten session).',
     'opsdeck-postgres', 'pg.transaction.longest_s', 'max', 120, '>', 600, NULL, 0, 'ok', 'warning',
     'The longest transaction has run for {{value}} s', true),
    ('Postgres replication lag above 50 MB', 'A replica is more than 50 MB of WAL behind (pgMonitor: warning).',
     'opsdeck-postgres', 'pg.replication.lag_bytes', 'max', 120, '>', 52428800, NULL, 60, 'ok', 'warning',
     'A replica is {{value}} bytes behind', true),
    ('Postgres replication lag above 100 MB', 'A replica is more than 100 MB of WAL behind (pgMonitor: critical).',
     'opsdeck-postgres', 'pg.replication.lag_bytes', 'max', 120, '>', 104857600, NULL, 60, 'ok', 'critical',
     'A replica is {{value}} bytes behind', true),
    ('Postgres inactive replication slot', 'A replication slot is inactive: it keeps WAL until the disk fills (pgMonitor: critical).',
     'opsdeck-postgres', 'pg.slots.inactive', 'max', 120, '>', 0, NULL, 0, 'ok', 'critical',
     '{{value}} inactive replication slot(s)', true),
    ('Postgres transaction ID wraparound at 50 %', 'The oldest unfrozen transaction ID is half way to wraparound (pgMonitor: warning).',
     'opsdeck-postgres', 'pg.wraparound_pct', 'max', 600, '>', 50, NULL, 0, 'ok', 'warning',
     'Transaction IDs are {{value}} % of the way to wraparound', true),
    ('Postgres transaction ID wraparound at 75 %', 'The oldest unfrozen transaction ID is three quarters of the way to wraparound (pgMonitor: critical).',
     'opsdeck-postgres', 'pg.wraparound_pct', 'max', 600, '>', 75, NULL, 0, 'ok', 'critical',
     'Transaction IDs are {{value}} % of the way to wraparound', true),
    ('Postgres deadlocks', 'Transactions were aborted by deadlocks.',
     'opsdeck-postgres', 'pg.deadlocks_per_s', 'max', 300, '>', 0, NULL, 0, 'ok', 'warning',
     'Deadlocks: {{value}} per second', true),
    ('Redis unreadable', 'Opsdeck''s own Redis could not be read by the collector (down, refusing, or denying INFO).', 'opsdeck-redis',
     'redis.up', 'min', 120, '<', 1, NULL, 0, 'ok', 'critical',
     'Redis could not be read (up = {{value}})', true),
    ('Redis memory above 90 %', 'Used memory is above 90 % of maxmemory.',
     'opsdeck-redis', 'redis.memory.used_pct', 'max', 120, '>', 90, NULL, 60, 'ok', 'critical',
     'Redis uses {{value}} % of maxmemory', true),
    ('Redis rejected connections', 'Redis refused connections (maxclients reached).',
     'opsdeck-redis', 'redis.rejected_connections_per_s', 'max', 300, '>', 0, NULL, 0, 'ok', 'warning',
     'Redis rejected {{value}} connections per second', true),
    ('Redis more than 100 clients', 'More than 100 clients are connected.',
     'opsdeck-redis', 'redis.clients.connected', 'max', 120, '>', 100, NULL, 60, 'ok', 'warning',
     '{{value}} clients connected', true),
    ('Redis not saved for 24 hours', 'No successful RDB save for 24 hours (enable where Redis persists to disk).',
     'opsdeck-redis', 'redis.last_save_age_s', 'min', 600, '>', 86400, NULL, 0, 'ok', 'warning',
     'The last successful save was {{value}} s ago', false);
INSERT INTO alert_rule_versions (rule_id, version, definition)
SELECT id, 1, to_jsonb(r) - 'id' - 'version' - 'created_at' - 'updated_at' - 'updated_by'
FROM alert_rules r WHERE service IN ('opsdeck-postgres', 'opsdeck-redis');
