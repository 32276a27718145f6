-- Prometheus scrape targets (Settings › Scrape targets, admins): each is
-- scraped every `interval_secs` by the leader instance and its samples
-- stored under `service`, with `labels` (and `instance`, the URL's host and
-- port) added to every series. `bearer_token` is sealed (secrets::Keyring)
-- and never sent to a browser. The last scrape's outcome is kept here for
-- the target's page; its `up` series is a metric sample like any other.
CREATE TABLE scrape_targets (
    id               BIGSERIAL   PRIMARY KEY,
    service          TEXT        NOT NULL,
    url              TEXT        NOT NULL UNIQUE,
    interval_secs    INTEGER     NOT NULL CHECK (interval_secs BETWEEN 5 AND 3600),
    timeout_secs     INTEGER     NOT NULL CHECK (timeout_secs BETWEEN 1 AND 60),
    labels           JSONB       NOT NULL DEFAULT '{}',
    bearer_token     TEXT,
    enabled          BOOLEAN     NOT NULL DEFAULT TRUE,
    created_by       BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_scrape_at   TIMESTAMPTZ,
    last_duration_ms DOUBLE PRECISION,
    last_samples     INTEGER,
    last_error       TEXT,
    CHECK (timeout_secs <= interval_secs)
);
