-- Alerting: rules with their version history, each rule's current state and
-- every state change (an alert event, with the value that caused it).

CREATE TABLE alert_rules (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name               TEXT             NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 120),
    description        TEXT             NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    service            TEXT             NOT NULL CHECK (length(service) BETWEEN 1 AND 200),
    endpoint           TEXT             CHECK (length(endpoint) BETWEEN 1 AND 200),
    metric             TEXT             CHECK (length(metric) BETWEEN 1 AND 200),
    matchers           JSONB            NOT NULL DEFAULT '{}',
    aggregation        TEXT             NOT NULL CHECK (aggregation IN ('p50', 'p95', 'p99', 'avg_latency', 'max_latency',
                                            'throughput', 'error_rate', 'min', 'max', 'avg', 'last')),
    window_secs        INTEGER          NOT NULL CHECK (window_secs BETWEEN 60 AND 86400),
    comparator         TEXT             NOT NULL CHECK (comparator IN ('>', '>=', '<', '<=')),
    threshold          DOUBLE PRECISION NOT NULL,
    recovery_threshold DOUBLE PRECISION,
    for_secs           INTEGER          NOT NULL DEFAULT 0 CHECK (for_secs BETWEEN 0 AND 86400),
    no_data            TEXT             NOT NULL DEFAULT 'keep' CHECK (no_data IN ('keep', 'alert', 'ok')),
    severity           TEXT             NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
    labels             JSONB            NOT NULL DEFAULT '{}',
    summary            TEXT             NOT NULL DEFAULT '' CHECK (length(summary) <= 500),
    enabled            BOOLEAN          NOT NULL DEFAULT false,
    version            INTEGER          NOT NULL DEFAULT 1,
    created_at         TIMESTAMPTZ      NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ      NOT NULL DEFAULT now(),
    -- NULL when saved by Opsdeck itself (default rules) or from the command line.
    updated_by         BIGINT           REFERENCES users (id),
    CHECK ((metric IS NULL) = (aggregation IN ('p50', 'p95', 'p99', 'avg_latency', 'max_latency', 'throughput', 'error_rate')))
);

-- Every saved version of a rule (the first included), as its whole definition.
CREATE TABLE alert_rule_versions (
    rule_id    BIGINT      NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
    version    INTEGER     NOT NULL,
    definition JSONB       NOT NULL,
    saved_by   BIGINT      REFERENCES users (id),
    saved_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (rule_id, version)
);

-- The evaluator's memory: where each rule is, since when, and the condition
-- that state belongs to (a saved rule with another condition starts over).
CREATE TABLE alert_states (
    rule_id         BIGINT           PRIMARY KEY REFERENCES alert_rules (id) ON DELETE CASCADE,
    state           TEXT             NOT NULL CHECK (state IN ('normal', 'pending', 'firing', 'resolved', 'nodata', 'error')),
    since           TIMESTAMPTZ      NOT NULL,
    condition       JSONB            NOT NULL,
    value           DOUBLE PRECISION,
    evaluated_at    TIMESTAMPTZ      NOT NULL,
    acknowledged_by BIGINT           REFERENCES users (id),
    acknowledged_at TIMESTAMPTZ
);

CREATE TABLE alert_events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule_id    BIGINT           NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
    at         TIMESTAMPTZ      NOT NULL,
    from_state TEXT             NOT NULL,
    to_state   TEXT             NOT NULL,
    value      DOUBLE PRECISION,
    threshold  DOUBLE PRECISION NOT NULL,
    severity   TEXT             NOT NULL
);

CREATE INDEX alert_events_rule_at_idx ON alert_events (rule_id, at DESC);
CREATE INDEX alert_events_at_idx ON alert_events (at DESC);

-- Default rules for Opsdeck itself, disabled until an admin enables them
-- (the standard AppDown / HighErrorRate / HighResponseTime rules). Health
-- samples are 1 up, 0.5 degraded, 0 down.
INSERT INTO alert_rules (name, description, service, metric, aggregation, window_secs, comparator, threshold,
                         recovery_threshold, for_secs, no_data, severity, summary) VALUES
    ('Postgres down', 'Opsdeck''s own check of its database failed.', 'opsdeck', 'health.database.up', 'min', 60,
     '<', 0.25, NULL, 60, 'keep', 'critical', 'Postgres check is down (value {{value}})'),
    ('Postgres slow', 'Opsdeck''s database answers its check slowly.', 'opsdeck', 'health.database.response_ms', 'avg', 300,
     '>', 500, 250, 300, 'keep', 'warning', 'Postgres answers in {{value}} ms (threshold {{threshold}} ms)'),
    ('Redis down', 'Opsdeck''s own check of Redis failed.', 'opsdeck', 'health.redis.up', 'min', 60,
     '<', 0.25, NULL, 60, 'keep', 'critical', 'Redis check is down (value {{value}})');
INSERT INTO alert_rules (name, description, service, aggregation, window_secs, comparator, threshold,
                         recovery_threshold, for_secs, no_data, severity, summary) VALUES
    ('Opsdeck high error rate', 'More than 5 % of Opsdeck''s own requests fail.', 'opsdeck', 'error_rate', 300,
     '>', 5, 2, 300, 'ok', 'critical', 'Error rate {{value}} % (threshold {{threshold}} %)'),
    ('Opsdeck high P95', 'Opsdeck''s own pages answer slowly.', 'opsdeck', 'p95', 300,
     '>', 1000, 800, 300, 'ok', 'warning', 'P95 {{value}} ms (threshold {{threshold}} ms)');
INSERT INTO alert_rule_versions (rule_id, version, definition)
SELECT id, 1, to_jsonb(r) - 'id' - 'version' - 'created_at' - 'updated_at' - 'updated_by' FROM alert_rules r;
