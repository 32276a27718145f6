-- Data stores an admin added to be watched beside Opsdeck's own
-- (app::datastores::targets; read by the leader's collector,
-- server/src/workers/store_collector.rs). Their samples carry the service
-- name `pg:<name>` or `redis:<name>`, and their last reading's outcome is
-- a row of data_store_status under that name.
CREATE TABLE data_store_targets (
    id               BIGSERIAL   PRIMARY KEY,
    kind             TEXT        NOT NULL CHECK (kind IN ('postgres', 'redis')),
    -- Lowercase letters, digits, - and _ (as backup targets' names), so the
    -- service name needs no quoting anywhere.
    name             TEXT        NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    -- Sealed by app::secrets (`enc:v1:…`, associated data
    -- `data_store_targets.connection_url`); never sent to a browser.
    connection_url   TEXT        NOT NULL CHECK (connection_url LIKE 'enc:v1:%'),
    -- host:port/database (Redis: host:port/db), without credentials: what pages show.
    display_location TEXT        NOT NULL CHECK (length(display_location) <= 300),
    interval_secs    INTEGER     NOT NULL CHECK (interval_secs BETWEEN 10 AND 3600),
    enabled          BOOLEAN     NOT NULL DEFAULT true,
    -- The backup target whose stored connection it was made from, if any.
    backup_target_id BIGINT      REFERENCES backup_targets (id) ON DELETE SET NULL,
    created_by       BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
