-- Rollup tiers: ingest appends instead of merging, and long ranges read
-- hours instead of minutes.
--
-- * `request_rollups_1m` (per endpoint and minute) loses its primary key:
--   every batch appends its own aggregate rows ("deltas"), so concurrent
--   batches never wait on each other's row locks and no histogram is merged
--   on the write path. Readers already sum over rows; the compactor
--   (`metrics::ssr::compact`) folds a key's deltas into one row.
-- * `request_rollups_1h`: the same per endpoint and hour, also appended.
-- * `service_rollups_1m` / `service_rollups_1h`: all endpoints of a service
--   per minute / hour, one row per key, upserted (a batch touches one or two
--   rows per service). They answer the service-wide charts, the Overview, the
--   live points and alert rules without reading every endpoint's rows.
--
-- All four are daily partitions (retention drops whole partitions).

ALTER TABLE request_rollups_1m DROP CONSTRAINT request_rollups_1m_pkey;
CREATE INDEX request_rollups_1m_key_idx ON request_rollups_1m (service, endpoint, minute);

CREATE TABLE request_rollups_1h (
    hour     TIMESTAMPTZ      NOT NULL,
    service  TEXT             NOT NULL,
    endpoint TEXT             NOT NULL,
    count    BIGINT           NOT NULL,
    errors   BIGINT           NOT NULL,
    sum_ms   DOUBLE PRECISION NOT NULL,
    min_ms   DOUBLE PRECISION NOT NULL,
    max_ms   DOUBLE PRECISION NOT NULL,
    hist_idx INTEGER[]        NOT NULL,
    hist_cnt BIGINT[]         NOT NULL
) PARTITION BY RANGE (hour);
CREATE INDEX request_rollups_1h_key_idx ON request_rollups_1h (service, endpoint, hour);

CREATE TABLE service_rollups_1m (
    minute   TIMESTAMPTZ      NOT NULL,
    service  TEXT             NOT NULL,
    count    BIGINT           NOT NULL,
    errors   BIGINT           NOT NULL,
    sum_ms   DOUBLE PRECISION NOT NULL,
    min_ms   DOUBLE PRECISION NOT NULL,
    max_ms   DOUBLE PRECISION NOT NULL,
    hist_idx INTEGER[]        NOT NULL,
    hist_cnt BIGINT[]         NOT NULL,
    PRIMARY KEY (service, minute)
) PARTITION BY RANGE (minute);
CREATE INDEX service_rollups_1m_minute_idx ON service_rollups_1m (minute);

CREATE TABLE service_rollups_1h (
    hour     TIMESTAMPTZ      NOT NULL,
    service  TEXT             NOT NULL,
    count    BIGINT           NOT NULL,
    errors   BIGINT           NOT NULL,
    sum_ms   DOUBLE PRECISION NOT NULL,
    min_ms   DOUBLE PRECISION NOT NULL,
    max_ms   DOUBLE PRECISION NOT NULL,
    hist_idx INTEGER[]        NOT NULL,
    hist_cnt BIGINT[]         NOT NULL,
    PRIMARY KEY (service, hour)
) PARTITION BY RANGE (hour);
CREATE INDEX service_rollups_1h_hour_idx ON service_rollups_1h (hour);

-- Histograms are merged inline in the statements that need it (a SQL
-- function is planned again on every call, which cost more than the merge).
DROP FUNCTION metrics_hist_merge(INTEGER[], BIGINT[], INTEGER[], BIGINT[]);

-- The same function with the three new parents.
CREATE OR REPLACE FUNCTION metrics_ensure_partitions(days DATE[]) RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
    parents CONSTANT TEXT[] := ARRAY[
        'request_events', 'metric_samples', 'request_rollups_1m', 'metric_rollups_1m',
        'request_rollups_1h', 'service_rollups_1m', 'service_rollups_1h'
    ];
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
                    -- Upserted rollup rows are updated in place all minute
                    -- long; room on the page lets those updates stay HOT.
                    CASE WHEN parent LIKE '%rollups%' THEN ' WITH (fillfactor = 80)' ELSE '' END
                );
                created := created + 1;
            END IF;
        END LOOP;
    END LOOP;
    RETURN created;
END;
$$;

-- Partitions of the new tables for every day that already has rollups (and
-- the usual yesterday to three days ahead), then the new tiers filled from
-- the per-minute rows already stored.
SELECT metrics_ensure_partitions(ARRAY(
    SELECT DISTINCT day FROM (
        SELECT (minute AT TIME ZONE 'UTC')::DATE AS day FROM request_rollups_1m
        UNION
        SELECT (now() AT TIME ZONE 'UTC')::DATE + offset_days FROM generate_series(-1, 3) AS offset_days
    ) AS days
));

DO $$
DECLARE
    tier RECORD;
BEGIN
    FOR tier IN
        SELECT * FROM (VALUES
            ('request_rollups_1h', 'hour', 'service, endpoint'),
            ('service_rollups_1m', 'minute', 'service'),
            ('service_rollups_1h', 'hour', 'service')
        ) AS t(target, time_col, keys)
    LOOP
        EXECUTE format(
            'WITH src AS ( '
            '    SELECT date_bin(INTERVAL ''1 %1$s'', minute, TIMESTAMPTZ ''2000-01-01 00:00:00+00'') AS t, * '
            '    FROM request_rollups_1m '
            '), totals AS ( '
            '    SELECT t, %3$s, sum(count)::BIGINT AS count, sum(errors)::BIGINT AS errors, sum(sum_ms) AS sum_ms, '
            '           min(min_ms) AS min_ms, max(max_ms) AS max_ms '
            '    FROM src GROUP BY t, %3$s '
            '), buckets AS ( '
            '    SELECT t, %3$s, h.i, sum(h.c)::BIGINT AS c '
            '    FROM src CROSS JOIN LATERAL unnest(src.hist_idx, src.hist_cnt) AS h(i, c) GROUP BY t, %3$s, h.i '
            '), hists AS ( '
            '    SELECT t, %3$s, array_agg(i ORDER BY i) AS idx, array_agg(c ORDER BY i) AS cnt FROM buckets GROUP BY t, %3$s '
            ') '
            'INSERT INTO %2$I (%1$s, %3$s, count, errors, sum_ms, min_ms, max_ms, hist_idx, hist_cnt) '
            'SELECT t, %3$s, count, errors, sum_ms, min_ms, max_ms, idx, cnt FROM totals JOIN hists USING (t, %3$s)',
            tier.time_col, tier.target, tier.keys
        );
    END LOOP;
END;
$$;
