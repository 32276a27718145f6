-- Backups: the databases Opsdeck backs up (targets), each backup taken
-- (runs) and the checks made of a backup afterwards (verification, restore
-- tests, restores into a new database), with their evidence.

CREATE TABLE backup_targets (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name               TEXT        NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    -- Opsdeck's own database: its connection URL is DATABASE_URL, read at
    -- run time, so it is never copied here. Exactly one such target exists.
    is_self            BOOLEAN     NOT NULL DEFAULT false,
    -- Write-only from the UI: saved, used by pg_dump, never shown again
    -- (pages show `display_location`, host and database only).
    connection_url     TEXT,
    display_location   TEXT        NOT NULL DEFAULT '',
    -- Cron expressions (5 fields, or 6 with seconds), evaluated in UTC by the
    -- scheduler leader. NULL: not scheduled.
    schedule           TEXT,
    restore_schedule   TEXT,
    -- Retention: keep the last N successful backups and/or those younger
    -- than D days (either keeps a backup); both NULL keeps everything. The
    -- newest backup that passed a restore test is never pruned.
    keep_last          INTEGER     CHECK (keep_last BETWEEN 1 AND 10000),
    keep_days          INTEGER     CHECK (keep_days BETWEEN 1 AND 36500),
    -- Up to when the scheduler has looked: the next occurrence after this
    -- is the next one due, so a new leader neither repeats nor skips one.
    schedule_checked_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    restore_checked_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (is_self OR connection_url IS NOT NULL),
    CHECK (NOT is_self OR connection_url IS NULL)
);

CREATE UNIQUE INDEX backup_targets_one_self ON backup_targets (is_self) WHERE is_self;

-- Opsdeck's own database is always a target: daily at 03:00 UTC, a restore
-- test every Sunday at 04:00, the last 7 backups and those of the last 30 days kept.
INSERT INTO backup_targets (name, is_self, schedule, restore_schedule, keep_last, keep_days)
VALUES ('opsdeck', true, '0 3 * * *', '0 4 * * 0', 7, 30);

CREATE TABLE backup_runs (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target_id       BIGINT      NOT NULL REFERENCES backup_targets (id) ON DELETE CASCADE,
    trigger         TEXT        NOT NULL CHECK (trigger IN ('schedule', 'manual', 'before-migration')),
    -- Who started it: the user's email, or 'cli' / 'scheduler'.
    started_by      TEXT        NOT NULL,
    started_by_user BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    started_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at     TIMESTAMPTZ,
    status          TEXT        NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    -- While running: bytes written so far and when the worker last reported;
    -- a run whose worker stopped reporting is marked failed.
    progress_bytes  BIGINT      NOT NULL DEFAULT 0,
    heartbeat_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    size_bytes      BIGINT,
    sha256          TEXT        CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    -- The file's key in the backup store (relative to OPSDECK_BACKUP_DIR).
    location        TEXT,
    server_version  TEXT,
    -- {"schema.table": rows} at backup time, counted in the dump's snapshot.
    table_counts    JSONB,
    error           TEXT,
    pruned_at       TIMESTAMPTZ,
    CHECK (status <> 'succeeded' OR (finished_at IS NOT NULL AND sha256 IS NOT NULL AND location IS NOT NULL
                                     AND size_bytes IS NOT NULL AND table_counts IS NOT NULL)),
    CHECK (status <> 'failed' OR (finished_at IS NOT NULL AND error IS NOT NULL))
);

CREATE INDEX backup_runs_target_idx ON backup_runs (target_id, started_at DESC);
CREATE INDEX backup_runs_running_idx ON backup_runs (heartbeat_at) WHERE status = 'running';

CREATE TABLE backup_checks (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id       BIGINT      NOT NULL REFERENCES backup_runs (id) ON DELETE CASCADE,
    -- restore: into a new database an admin named (kept afterwards).
    kind         TEXT        NOT NULL CHECK (kind IN ('verify', 'restore_test', 'restore')),
    started_by   TEXT        NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    heartbeat_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at  TIMESTAMPTZ,
    -- NULL while running.
    outcome      TEXT        CHECK (outcome IN ('pass', 'fail')),
    -- What was compared and what differed, the duration, any error.
    evidence     JSONB       NOT NULL DEFAULT '{}',
    CHECK ((outcome IS NULL) = (finished_at IS NULL))
);

CREATE INDEX backup_checks_run_idx ON backup_checks (run_id, started_at DESC);
