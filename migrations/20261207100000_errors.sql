-- Error tracking (Sentry SDKs' envelopes): projects, DSN keys, events in
-- daily partitions, issues, the hash → issue mapping and per-minute counts.
--
-- A project is a service: `error_projects.id` is the number in a DSN
-- (`http://<key>@<host>/<id>`), SDKs post to `/api/<id>/envelope/`.
-- An API key with the `errors` scope is bound to exactly one project.
-- Widening the scopes check and adding a nullable column are safe while the
-- previous release still serves (it never writes either).

CREATE TABLE error_projects (
    id         SERIAL      PRIMARY KEY,
    service    TEXT        NOT NULL UNIQUE CHECK (length(service) BETWEEN 1 AND 200),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

ALTER TABLE api_keys DROP CONSTRAINT api_keys_scopes_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_check
    CHECK (cardinality(scopes) >= 1 AND scopes <@ ARRAY['ingest', 'deployments:write', 'logs', 'errors']);
ALTER TABLE api_keys ADD COLUMN error_project_id INTEGER REFERENCES error_projects (id);
ALTER TABLE api_keys ADD CONSTRAINT api_keys_error_project_check
    CHECK (('errors' = ANY (scopes)) = (error_project_id IS NOT NULL));

-- An issue: the events one grouping decision put together.
CREATE TABLE error_issues (
    id            BIGSERIAL   PRIMARY KEY,
    project_id    INTEGER     NOT NULL REFERENCES error_projects (id),
    title         TEXT        NOT NULL,
    culprit       TEXT        NOT NULL DEFAULT '',
    level         TEXT        NOT NULL,
    state         TEXT        NOT NULL DEFAULT 'unresolved'
                  CHECK (state IN ('unresolved', 'resolved', 'ignored', 'regressed')),
    first_seen    TIMESTAMPTZ NOT NULL,
    last_seen     TIMESTAMPTZ NOT NULL,
    event_count   BIGINT      NOT NULL DEFAULT 0 CHECK (event_count >= 0),
    user_count    BIGINT      NOT NULL DEFAULT 0 CHECK (user_count >= 0),
    first_release TEXT
);
CREATE INDEX error_issues_last_seen_idx ON error_issues (project_id, last_seen DESC, id DESC);

-- Which issue a grouping hash belongs to. Merges and unmerges move rows
-- here, so later events follow the decision; `components` are what the hash
-- was built from (shown as "grouped by …"), under `grouping_version`'s rules.
CREATE TABLE error_hashes (
    project_id       INTEGER     NOT NULL REFERENCES error_projects (id),
    hash             TEXT        NOT NULL,
    issue_id         BIGINT      NOT NULL REFERENCES error_issues (id),
    grouping_version SMALLINT    NOT NULL,
    basis            TEXT        NOT NULL,
    components       JSONB       NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, hash)
);
CREATE INDEX error_hashes_issue_idx ON error_hashes (issue_id);

-- Users an issue has affected (the SDK's user id, else email, else IP),
-- so `error_issues.user_count` counts each once.
CREATE TABLE error_issue_users (
    issue_id BIGINT NOT NULL REFERENCES error_issues (id),
    user_key TEXT   NOT NULL,
    PRIMARY KEY (issue_id, user_key)
);

CREATE SEQUENCE error_events_id_seq;

-- One row per stored event, the whole (scrubbed) event in `event`.
CREATE TABLE error_events (
    ts          TIMESTAMPTZ NOT NULL,
    id          BIGINT      NOT NULL DEFAULT nextval('error_events_id_seq'),
    received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    event_id    TEXT        NOT NULL,
    project_id  INTEGER     NOT NULL,
    service     TEXT        NOT NULL,
    issue_id    BIGINT      NOT NULL,
    hash        TEXT        NOT NULL,
    environment TEXT,
    release     TEXT,
    level       TEXT        NOT NULL,
    user_id     TEXT,
    culprit     TEXT        NOT NULL DEFAULT '',
    message     TEXT        NOT NULL,
    event       JSONB       NOT NULL
) PARTITION BY RANGE (ts);
CREATE INDEX error_events_issue_idx ON error_events (issue_id, ts DESC, id DESC);
CREATE INDEX error_events_service_idx ON error_events (service, ts DESC, id DESC);

-- Events per issue per minute, written with the event: lists and charts
-- read these, never the raw events.
CREATE TABLE error_issue_minutes (
    issue_id BIGINT      NOT NULL,
    minute   TIMESTAMPTZ NOT NULL,
    events   INTEGER     NOT NULL CHECK (events > 0),
    PRIMARY KEY (issue_id, minute)
) PARTITION BY RANGE (minute);

CREATE OR REPLACE FUNCTION errors_ensure_partitions(days DATE[]) RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
    day     DATE;
    tbl     TEXT;
    part    TEXT;
    created INTEGER := 0;
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM unnest(days) AS d(day), unnest(ARRAY['error_events', 'error_issue_minutes']) AS t(tbl)
        WHERE to_regclass(t.tbl || '_p' || to_char(d.day, 'YYYYMMDD')) IS NULL
    ) THEN
        RETURN 0;
    END IF;
    -- 'opsdeck errors partitions'
    PERFORM pg_advisory_xact_lock(7202612071);
    FOREACH day IN ARRAY days LOOP
        FOREACH tbl IN ARRAY ARRAY['error_events', 'error_issue_minutes'] LOOP
            part := tbl || '_p' || to_char(day, 'YYYYMMDD');
            IF to_regclass(part) IS NULL THEN
                EXECUTE format(
                    'CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                    part,
                    tbl,
                    to_char(day, 'YYYY-MM-DD') || ' 00:00:00+00',
                    to_char(day + 1, 'YYYY-MM-DD') || ' 00:00:00+00'
                );
                created := created + 1;
            END IF;
        END LOOP;
    END LOOP;
    RETURN created;
END;
$$;

SELECT errors_ensure_partitions(ARRAY(
    SELECT (now() AT TIME ZONE 'UTC')::DATE + offset_days FROM generate_series(-1, 3) AS offset_days
));
