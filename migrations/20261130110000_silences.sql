-- Alert silences: for a while, alerts whose rule matches keep their state and
-- history but send nothing. A silence matches on a rule's exact name, its
-- severity and labels (each given label must equal the rule's); at least one
-- of them. It ends at `ends_at`, when someone ends it, or (when asked) once
-- every alert it matched has resolved.

CREATE TABLE alert_silences (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule_name         TEXT        CHECK (length(rule_name) BETWEEN 1 AND 120),
    severity          TEXT        CHECK (severity IN ('critical', 'warning', 'info')),
    labels            JSONB       NOT NULL DEFAULT '{}',
    starts_at         TIMESTAMPTZ NOT NULL,
    ends_at           TIMESTAMPTZ NOT NULL,
    comment           TEXT        NOT NULL CHECK (length(comment) BETWEEN 1 AND 1000),
    end_when_resolved BOOLEAN     NOT NULL DEFAULT false,
    -- NULL when created from the command line.
    created_by        BIGINT      REFERENCES users (id),
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    ended_at          TIMESTAMPTZ,
    -- NULL when it ended itself (every matched alert resolved) or by the CLI.
    ended_by          BIGINT      REFERENCES users (id),
    end_reason        TEXT        CHECK (end_reason IN ('ended', 'resolved')),
    CHECK (ends_at > starts_at),
    CHECK (rule_name IS NOT NULL OR severity IS NOT NULL OR labels <> '{}'::jsonb),
    CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);

-- The evaluator's question every cycle: which silences are in force now.
CREATE INDEX alert_silences_in_force_idx ON alert_silences (ends_at) WHERE ended_at IS NULL;

-- Rules a silence matched while they were pending or firing (for "ends when
-- every matched alert has resolved" and for the page's "matched so far").
CREATE TABLE alert_silence_matches (
    silence_id BIGINT      NOT NULL REFERENCES alert_silences (id) ON DELETE CASCADE,
    rule_id    BIGINT      NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
    first_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (silence_id, rule_id)
);

-- The silence in force when an alert event happened (NULL: none).
ALTER TABLE alert_events ADD COLUMN silence_id BIGINT REFERENCES alert_silences (id) ON DELETE SET NULL;
