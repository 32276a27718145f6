-- Metrics storage: raw request events and metric samples in daily range
-- partitions, plus per-minute rollups (also daily partitions, so retention is
-- always `DROP TABLE <partition>`, never a bulk DELETE).
--
-- Partitions are named `<parent>_pYYYYMMDD` and cover [day, day + 1) in UTC;
-- retention parses the date from the name. They are created ahead of time by
-- start-up and the retention worker, and on demand by `store_batch` through
-- `metrics_ensure_partitions` (no DEFAULT partition: a row for a day nobody
-- prepared would otherwise land there and make the later CREATE slow).

CREATE TABLE request_events (
    ts          TIMESTAMPTZ      NOT NULL,
    service     TEXT             NOT NULL,
    endpoint    TEXT             NOT NULL,
    method      TEXT             NOT NULL,
    status      SMALLINT         NOT NULL,
    duration_ms DOUBLE PRECISION NOT NULL
) PARTITION BY RANGE (ts);

-- Raw rows are read for the last minutes of one service/endpoint; one index
-- keeps ingest cheap.
CREATE INDEX request_events_service_idx ON request_events (service, endpoint, ts);

CREATE TABLE metric_samples (
    ts      TIMESTAMPTZ      NOT NULL,
    service TEXT             NOT NULL,
    name    TEXT             NOT NULL,
    labels  JSONB            NOT NULL,
    value   DOUBLE PRECISION NOT NULL,
    kind    TEXT             NOT NULL CHECK (kind IN ('gauge', 'counter'))
) PARTITION BY RANGE (ts);

CREATE INDEX metric_samples_series_idx ON metric_samples (service, name, ts);

-- Per minute, service and endpoint. The latency histogram is DDSketch-style:
-- bucket i holds durations in (γ^(i-1), γ^i] ms with γ = 1.01/0.99, so any
-- quantile read back is within 1 % (relative) of an observed value; durations
-- below 1 µs share the bucket -2147483648 (read back as 0). Stored sparse:
-- hist_idx ascending, hist_cnt the count per bucket. Merging is adding
-- counts per index (`metrics_hist_merge`).
CREATE TABLE request_rollups_1m (
    minute   TIMESTAMPTZ      NOT NULL,
    service  TEXT             NOT NULL,
    endpoint TEXT             NOT NULL,
    count    BIGINT           NOT NULL,
    errors   BIGINT           NOT NULL,
    sum_ms   DOUBLE PRECISION NOT NULL,
    min_ms   DOUBLE PRECISION NOT NULL,
    max_ms   DOUBLE PRECISION NOT NULL,
    hist_idx INTEGER[]        NOT NULL,
    hist_cnt BIGINT[]         NOT NULL,
    PRIMARY KEY (service, endpoint, minute)
) PARTITION BY RANGE (minute);

-- Summaries across services read by time first.
CREATE INDEX request_rollups_1m_minute_idx ON request_rollups_1m (minute);

-- Per minute and series (service, name, canonical labels). `labels` is JSONB,
-- whose equality ignores key order, so one series is one row per minute.
CREATE TABLE metric_rollups_1m (
    minute  TIMESTAMPTZ      NOT NULL,
    service TEXT             NOT NULL,
    name    TEXT             NOT NULL,
    labels  JSONB            NOT NULL,
    kind    TEXT             NOT NULL CHECK (kind IN ('gauge', 'counter')),
    count   BIGINT           NOT NULL,
    sum     DOUBLE PRECISION NOT NULL,
    min     DOUBLE PRECISION NOT NULL,
    max     DOUBLE PRECISION NOT NULL,
    last    DOUBLE PRECISION NOT NULL,
    last_ts TIMESTAMPTZ      NOT NULL,
    PRIMARY KEY (service, name, labels, minute)
) PARTITION BY RANGE (minute);

-- Adds two sparse histograms (ascending indexes, counts per index).
CREATE FUNCTION metrics_hist_merge(
    a_idx INTEGER[], a_cnt BIGINT[], b_idx INTEGER[], b_cnt BIGINT[],
    OUT idx INTEGER[], OUT cnt BIGINT[]
) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(i ORDER BY i), '{}'), coalesce(array_agg(c ORDER BY i), '{}')
    FROM (
        SELECT i, sum(c)::BIGINT AS c
        FROM (
            SELECT * FROM unnest(a_idx, a_cnt)
            UNION ALL
            SELECT * FROM unnest(b_idx, b_cnt)
        ) AS both_(i, c)
        GROUP BY i
    ) AS merged
$$;

-- Creates every missing daily partition of the four tables for `days`.
-- Cheap when nothing is missing (catalog look-ups, no lock). Creating takes
-- a transaction-level advisory lock, so concurrent callers wait for each
-- other instead of failing on the same CREATE; the caller's transaction then
-- holds the parents' locks until it commits, which is why the workers create
-- partitions days ahead and ingest only falls back to this.
CREATE FUNCTION metrics_ensure_partitions(days DATE[]) RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
    parents CONSTANT TEXT[] := ARRAY['request_events', 'metric_samples', 'request_rollups_1m', 'metric_rollups_1m'];
    parent  TEXT;
    day     DATE;
    part    TEXT;
    created INTEGER := 0;
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM unnest(days) AS d(day), unnest(parents) AS p(parent)
        WHERE to_regclass(p.parent || '_p' || to_char(d.day, 'YYYYMMDD')) IS NULL
    ) THEN
        RETURN 0;
    END IF;
    -- 'opsdeck metrics partitions'
    PERFORM pg_advisory_xact_lock(7202611241);
    FOREACH day IN ARRAY days LOOP
        FOREACH parent IN ARRAY parents LOOP
            part := parent || '_p' || to_char(day, 'YYYYMMDD');
            IF to_regclass(part) IS NULL THEN
                EXECUTE format(
                    'CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)%s',
                    part, parent,
                    to_char(day, 'YYYY-MM-DD') || ' 00:00:00+00',
                    to_char(day + 1, 'YYYY-MM-DD') || ' 00:00:00+00',
                    -- Rollup rows are updated in place all minute long; room
                    -- on the page lets those updates stay HOT.
                    CASE WHEN parent LIKE '%rollups%' THEN ' WITH (fillfactor = 80)' ELSE '' END
                );
                created := created + 1;
            END IF;
        END LOOP;
    END LOOP;
    RETURN created;
END;
$$;

-- Yesterday to three days ahead, so a fresh install ingests before any worker ran.
SELECT metrics_ensure_partitions(ARRAY(
    SELECT (now() AT TIME ZONE 'UTC')::DATE + offset_days FROM generate_series(-1, 3) AS offset_days
));
