-- Trace spans sent over OTLP/HTTP (`POST /v1/traces`), for the trace view
-- and an endpoint's slowest traces. Daily range partitions named
-- `spans_pYYYYMMDD` covering [day, day + 1) UTC by the span's start, made by
-- `spans_ensure_partitions` and dropped whole by retention (3 days unless
-- Settings › Monitoring or OPSDECK_TRACE_RETENTION_DAYS says otherwise).
--
-- Ids are lowercase hex (trace 32 digits, span 16), as OTLP/JSON, W3C
-- trace context and the log lines' `trace_id` write them. `kind` is the
-- OTLP SpanKind (0 unspecified, 1 internal, 2 server, 3 client, 4 producer,
-- 5 consumer), `status` the status code (0 unset, 1 ok, 2 error).
-- `endpoint` is set on the spans that were also recorded as request events
-- (server and consumer spans): the endpoint they count under, so the
-- Performance page finds an endpoint's slowest traces.

CREATE TABLE spans (
    start_ts       TIMESTAMPTZ      NOT NULL,
    trace_id       TEXT             NOT NULL CHECK (trace_id ~ '^[0-9a-f]{32}$'),
    span_id        TEXT             NOT NULL CHECK (span_id ~ '^[0-9a-f]{16}$'),
    parent_span_id TEXT             CHECK (parent_span_id ~ '^[0-9a-f]{16}$'),
    service        TEXT             NOT NULL,
    name           TEXT             NOT NULL,
    kind           SMALLINT         NOT NULL CHECK (kind BETWEEN 0 AND 5),
    duration_ms    DOUBLE PRECISION NOT NULL CHECK (duration_ms >= 0),
    status         SMALLINT         NOT NULL CHECK (status BETWEEN 0 AND 2),
    status_message TEXT             NOT NULL DEFAULT '',
    endpoint       TEXT,
    method         TEXT,
    http_status    SMALLINT,
    attributes     JSONB            NOT NULL DEFAULT '{}'::jsonb,
    events         JSONB            NOT NULL DEFAULT '[]'::jsonb
) PARTITION BY RANGE (start_ts);

CREATE INDEX spans_trace_idx ON spans (trace_id);
CREATE INDEX spans_endpoint_idx ON spans (service, endpoint, start_ts) INCLUDE (duration_ms)
    WHERE endpoint IS NOT NULL;

CREATE OR REPLACE FUNCTION spans_ensure_partitions(days DATE[]) RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
    day     DATE;
    part    TEXT;
    created INTEGER := 0;
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM unnest(days) AS d(day)
        WHERE to_regclass('spans_p' || to_char(d.day, 'YYYYMMDD')) IS NULL
    ) THEN
        RETURN 0;
    END IF;
    -- 'opsdeck spans partitions'
    PERFORM pg_advisory_xact_lock(7202612111);
    FOREACH day IN ARRAY days LOOP
        part := 'spans_p' || to_char(day, 'YYYYMMDD');
        IF to_regclass(part) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF spans FOR VALUES FROM (%L) TO (%L)',
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

SELECT spans_ensure_partitions(ARRAY(
    SELECT (now() AT TIME ZONE 'UTC')::DATE + offset_days FROM generate_series(-1, 3) AS offset_days
));
