-- API keys: how machines (services, CI, the demo generator) authenticate to
-- the ingest API. Only a SHA-256 of the key is stored; `prefix` is the
-- key's public, random id part (`odk_<prefix>_<secret>`), unique, used to
-- find the row and to name the key on screen.
CREATE TABLE api_keys (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         TEXT        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix       TEXT        NOT NULL UNIQUE CHECK (prefix ~ '^[0-9A-Za-z]{8}$'),
    key_hash     BYTEA       NOT NULL CHECK (length(key_hash) = 32),
    scopes       TEXT[]      NOT NULL CHECK (cardinality(scopes) >= 1 AND scopes <@ ARRAY['ingest', 'deployments:write']),
    -- NULL when created from the command line.
    created_by   BIGINT      REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at   TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ
);

-- Idempotency of ingest batches: a retried batch (same key, same
-- Idempotency-Key) finds its row and is acknowledged without storing again.
-- The row is inserted in the batch's own transaction, so the primary key
-- also serialises concurrent retries. Old rows are pruned by retention
-- (by `created_at`) once they are older than any client would retry.
CREATE TABLE ingest_batches (
    api_key_id      BIGINT      NOT NULL REFERENCES api_keys (id),
    idempotency_key TEXT        NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    records         INTEGER     NOT NULL CHECK (records >= 0),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (api_key_id, idempotency_key)
);

CREATE INDEX ingest_batches_created_at_idx ON ingest_batches (created_at);
