-- Service level objectives: each SLO's current definition and every saved
-- version of it (the first included), as alert rules keep theirs. The
-- definition is one JSON document (`app/src/slo/mod.rs`, `SloDraft`), the
-- same shape for the row, its versions, the audit log and the YAML files;
-- name and service are columns too, for uniqueness and the per-service
-- strip on the Overview.

CREATE TABLE slos (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT        NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 120),
    service    TEXT        NOT NULL CHECK (length(service) BETWEEN 1 AND 200),
    definition JSONB       NOT NULL,
    version    INTEGER     NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- NULL when saved by Opsdeck itself or from the command line.
    updated_by BIGINT      REFERENCES users (id)
);

CREATE INDEX slos_service_idx ON slos (service, name);

CREATE TABLE slo_versions (
    slo_id     BIGINT      NOT NULL REFERENCES slos (id) ON DELETE CASCADE,
    version    INTEGER     NOT NULL,
    definition JSONB       NOT NULL,
    saved_by   BIGINT      REFERENCES users (id),
    saved_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (slo_id, version)
);
