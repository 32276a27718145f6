-- The tamper-evident audit log. Each entry carries the previous entry's hash
-- and its own HMAC-SHA256 (keyed outside the database) over
-- previous hash || canonical entry; ids are contiguous, assigned under an
-- advisory lock so concurrent writers keep one linear chain.
CREATE TABLE audit_log (
    id          BIGINT      PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor_id    BIGINT,
    actor_email TEXT,
    actor_role  TEXT,
    action      TEXT        NOT NULL,
    target_type TEXT,
    target_id   TEXT,
    outcome     TEXT        NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
    client_ip   TEXT,
    user_agent  TEXT,
    request_id  TEXT,
    before      JSONB,
    after       JSONB,
    prev_hash   BYTEA       NOT NULL,
    hash        BYTEA       NOT NULL
);

-- Filters combine with keyset paging on id (newest first).
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (lower(actor_email), id DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, id DESC);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id, id DESC);
CREATE INDEX audit_log_outcome_idx ON audit_log (outcome, id DESC);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();

CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
