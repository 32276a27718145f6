-- Notifications: admin-managed channels, the rules' choice of channels, an
-- outbox written in the same transaction as the alert event it announces,
-- and every delivery attempt.

ALTER TABLE alert_rules ADD COLUMN channels JSONB NOT NULL DEFAULT '[]';

CREATE TABLE notification_channels (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Rules name their channels, so a name never changes.
    name           TEXT        NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
    kind           TEXT        NOT NULL CHECK (kind IN ('webhook', 'slack')),
    url            TEXT        NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
    -- The HMAC-SHA256 key every request is signed with (receivers hold a copy).
    secret         TEXT        NOT NULL CHECK (length(secret) >= 32),
    -- A still-firing alert is announced again after this long; 0: never.
    repeat_minutes INTEGER     NOT NULL DEFAULT 240 CHECK (repeat_minutes BETWEEN 0 AND 10080),
    enabled        BOOLEAN     NOT NULL DEFAULT true,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One notification for one channel. `notification` is what was decided when
-- it was written (rule, states, value, summary); the channel's kind decides
-- the body when it is sent.
CREATE TABLE notification_outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel_id      BIGINT      NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
    rule_id         BIGINT      REFERENCES alert_rules (id) ON DELETE CASCADE,
    event_id        BIGINT      REFERENCES alert_events (id) ON DELETE SET NULL,
    kind            TEXT        NOT NULL CHECK (kind IN ('transition', 'repeat', 'test')),
    notification    JSONB       NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    state           TEXT        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER     NOT NULL DEFAULT 0,
    -- When a dispatcher may (next) try it; a claim moves it ahead by a lease,
    -- so a dispatcher that dies mid-delivery leaves it to be tried again.
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at     TIMESTAMPTZ
);

CREATE INDEX notification_outbox_due_idx ON notification_outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX notification_outbox_rule_idx ON notification_outbox (rule_id, created_at DESC);
CREATE INDEX notification_outbox_channel_idx ON notification_outbox (channel_id, created_at DESC);

CREATE TABLE notification_attempts (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    outbox_id  BIGINT      NOT NULL REFERENCES notification_outbox (id) ON DELETE CASCADE,
    at         TIMESTAMPTZ NOT NULL,
    -- The receiver's HTTP status; NULL when no answer came.
    status     INTEGER,
    latency_ms INTEGER     NOT NULL,
    error      TEXT
);

CREATE INDEX notification_attempts_outbox_idx ON notification_attempts (outbox_id, at);
