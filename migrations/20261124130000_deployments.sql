-- Deployment records: what was deployed where, when and by whom. CI records
-- them through `POST /api/v1/deployments` (API key with `deployments:write`),
-- operators from the Deployments page. A deployment is created `started`
-- (or directly with its final status) and finished once: the final status
-- and `finished_at` are set together, which the CHECKs below keep true.
CREATE TABLE deployments (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service          TEXT        NOT NULL CHECK (length(service) BETWEEN 1 AND 200),
    version          TEXT        NOT NULL CHECK (length(version) BETWEEN 1 AND 100),
    environment      TEXT        NOT NULL CHECK (environment ~ '^[A-Za-z0-9._-]{1,50}$'),
    -- The commit deployed (a VCS revision); optional.
    commit_ref       TEXT        CHECK (length(commit_ref) BETWEEN 1 AND 100),
    status           TEXT        NOT NULL CHECK (status IN ('started', 'succeeded', 'failed', 'rolled_back')),
    started_at       TIMESTAMPTZ NOT NULL,
    finished_at      TIMESTAMPTZ,
    -- Who or what deployed, in words ("ci: release pipeline #812", an email).
    deployed_by      TEXT        NOT NULL CHECK (length(deployed_by) BETWEEN 1 AND 200),
    -- Release notes or the CI run; only http(s) links are kept (they are rendered as links).
    notes_url        TEXT        CHECK (notes_url ~ '^https?://' AND length(notes_url) <= 2000),
    source           TEXT        NOT NULL CHECK (source IN ('ui', 'api')),
    -- Which account or key recorded it (the audit log has the full story).
    recorded_by_user BIGINT      REFERENCES users (id),
    recorded_by_key  BIGINT      REFERENCES api_keys (id),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((status = 'started') = (finished_at IS NULL)),
    CHECK (finished_at IS NULL OR finished_at >= started_at)
);

-- The Performance page's markers and the filtered list read one service by time;
-- the unfiltered list and its timeline read everything by time.
CREATE INDEX deployments_service_started_idx ON deployments (service, started_at DESC, id DESC);
CREATE INDEX deployments_started_idx ON deployments (started_at DESC, id DESC);
