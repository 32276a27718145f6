-- Scheduled summaries: the last week's or month's report posted to a
-- notification channel on a cron schedule (UTC). The scheduler's leader
-- remembers up to when each schedule was looked at (`checked_at`), so a new
-- leader neither repeats nor skips an occurrence; occurrences missed while
-- no instance ran are caught up with one summary.
CREATE TABLE report_schedules (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel_id   BIGINT      NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
    period       TEXT        NOT NULL CHECK (period IN ('week', 'month')),
    schedule     TEXT        NOT NULL CHECK (length(schedule) BETWEEN 1 AND 200),
    -- NULL: every service.
    service      TEXT        CHECK (length(service) BETWEEN 1 AND 200),
    enabled      BOOLEAN     NOT NULL DEFAULT true,
    checked_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_sent_at TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX report_schedules_channel_idx ON report_schedules (channel_id);

-- A summary is a notification like an alert's, of its own kind.
ALTER TABLE notification_outbox DROP CONSTRAINT notification_outbox_kind_check;
ALTER TABLE notification_outbox
    ADD CONSTRAINT notification_outbox_kind_check CHECK (kind IN ('transition', 'repeat', 'test', 'report'));
