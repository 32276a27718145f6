-- System logs: one row per log line, in daily range partitions named
-- `log_lines_pYYYYMMDD` covering [day, day + 1) UTC, so retention is
-- `DROP TABLE <partition>`, never a bulk DELETE. Partitions are created by
-- `logs_ensure_partitions` (ahead of time and on demand by ingest).
--
-- `severity` is the OpenTelemetry SeverityNumber (0 unspecified, 1–4 trace,
-- 5–8 debug, 9–12 info, 13–16 warn, 17–20 error, 21–24 fatal), so
-- `level>=warn` is `severity >= 13`. `id` orders lines committed in the same
-- microsecond and is the keyset-paging tie-breaker: (ts, id) is unique.
-- The search indexes are chosen by measurement (docs/BENCHMARKS.md).

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE SEQUENCE log_lines_id_seq;

CREATE TABLE log_lines (
    ts            TIMESTAMPTZ NOT NULL,
    id            BIGINT      NOT NULL DEFAULT nextval('log_lines_id_seq'),
    observed_ts   TIMESTAMPTZ NOT NULL,
    service       TEXT        NOT NULL,
    host          TEXT        NOT NULL DEFAULT '',
    severity      SMALLINT    NOT NULL CHECK (severity BETWEEN 0 AND 24),
    severity_text TEXT        NOT NULL DEFAULT '',
    body          TEXT        NOT NULL,
    attributes    JSONB       NOT NULL DEFAULT '{}'::jsonb,
    trace_id      TEXT,
    span_id       TEXT
) PARTITION BY RANGE (ts);

-- Newest first over everything, and per service (context, `service:x`).
CREATE INDEX log_lines_ts_idx ON log_lines (ts, id);
CREATE INDEX log_lines_service_idx ON log_lines (service, host, ts, id);
CREATE INDEX log_lines_trace_idx ON log_lines (trace_id) WHERE trace_id IS NOT NULL;
-- Words and phrases: case-insensitive substring match (ILIKE) on the body.
CREATE INDEX log_lines_body_trgm_idx ON log_lines USING gin (body gin_trgm_ops);

CREATE OR REPLACE FUNCTION logs_ensure_partitions(days DATE[]) RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
    day     DATE;
    part    TEXT;
    created INTEGER := 0;
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM unnest(days) AS d(day)
        WHERE to_regclass('log_lines_p' || to_char(d.day, 'YYYYMMDD')) IS NULL
    ) THEN
        RETURN 0;
    END IF;
    -- 'opsdeck logs partitions'
    PERFORM pg_advisory_xact_lock(7202612061);
    FOREACH day IN ARRAY days LOOP
        part := 'log_lines_p' || to_char(day, 'YYYYMMDD');
        IF to_regclass(part) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF log_lines FOR VALUES FROM (%L) TO (%L)',
                part,
                to_char(day, 'YYYY-MM-DD') || ' 00:00:00+00',
                to_char(day + 1, 'YYYY-MM-DD') || ' 00:00:00+00'
            );
            created := created + 1;
        END IF;
    END LOOP;
    RETURN created;
END;
$$;

SELECT logs_ensure_partitions(ARRAY(
    SELECT (now() AT TIME ZONE 'UTC')::DATE + offset_days FROM generate_series(-1, 3) AS offset_days
));
