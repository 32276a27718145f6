-- OTLP metrics (POST /v1/metrics): what a cumulative series last reported,
-- so the next point of a monotonic sum becomes a rate and the next point of
-- a cumulative histogram or summary becomes the interval's delta. One row
-- per series (service, metric name, canonical labels); `count` is a sum's
-- value or a distribution's count, `bounds`/`buckets` a histogram's upper
-- bounds and cumulative bucket counts (empty for sums and summaries).
CREATE TABLE otlp_cumulative (
    service  TEXT               NOT NULL,
    name     TEXT               NOT NULL,
    labels   JSONB              NOT NULL,
    start_ts TIMESTAMPTZ,
    ts       TIMESTAMPTZ        NOT NULL,
    count    DOUBLE PRECISION   NOT NULL,
    sum      DOUBLE PRECISION   NOT NULL DEFAULT 0,
    bounds   DOUBLE PRECISION[] NOT NULL DEFAULT '{}',
    buckets  DOUBLE PRECISION[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (service, name, labels)
);

-- Series silent for days are pruned by time.
CREATE INDEX otlp_cumulative_ts_idx ON otlp_cumulative (ts);

-- Services whose requests are counted from their
-- `http.server.request.duration` histograms: while one is listed (seen in
-- the last hour), its server spans are stored as traces but not counted
-- again as request events.
CREATE TABLE request_histogram_services (
    service TEXT        PRIMARY KEY,
    seen_at TIMESTAMPTZ NOT NULL
);
