-- Events per issue per hour, beside the per-minute counts: lists and
-- charts over long ranges read whole hours here and only the partial hours
-- at a range's edges from `error_issue_minutes` (as the metrics rollups'
-- hourly tiers are read). Written with each event by the same statement
-- pair as the minutes (`errors::ssr::store`), moved with them by merge and
-- unmerge; an hour's row is always the sum of its minutes' rows.
--
-- Daily partitions like the minutes' (an hour never straddles a UTC day),
-- made by the same function and dropped by the same retention.
CREATE TABLE error_issue_hours (
    issue_id BIGINT      NOT NULL,
    hour     TIMESTAMPTZ NOT NULL,
    events   BIGINT      NOT NULL CHECK (events > 0),
    PRIMARY KEY (issue_id, hour)
) PARTITION BY RANGE (hour);

CREATE OR REPLACE FUNCTION errors_ensure_partitions(days DATE[]) RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
    day     DATE;
    tbl     TEXT;
    part    TEXT;
    created INTEGER := 0;
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM unnest(days) AS d(day),
            unnest(ARRAY['error_events', 'error_issue_minutes', 'error_issue_hours']) AS t(tbl)
        WHERE to_regclass(t.tbl || '_p' || to_char(d.day, 'YYYYMMDD')) IS NULL
    ) THEN
        RETURN 0;
    END IF;
    -- 'opsdeck errors partitions'
    PERFORM pg_advisory_xact_lock(7202612071);
    FOREACH day IN ARRAY days LOOP
        FOREACH tbl IN ARRAY ARRAY['error_events', 'error_issue_minutes', 'error_issue_hours'] LOOP
            part := tbl || '_p' || to_char(day, 'YYYYMMDD');
            IF to_regclass(part) IS NULL THEN
                EXECUTE format(
                    'CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                    part,
                    tbl,
                    to_char(day, 'YYYY-MM-DD') || ' 00:00:00+00',
                    to_char(day + 1, 'YYYY-MM-DD') || ' 00:00:00+00'
                );
                created := created + 1;
            END IF;
        END LOOP;
    END LOOP;
    RETURN created;
END;
$$;

-- An hourly partition for every day that has per-minute counts (and the
-- days the worker prepares ahead), then the hours summed from the minutes.
SELECT errors_ensure_partitions(ARRAY(
    SELECT to_date(substring(c.relname FROM '_p([0-9]{8})$'), 'YYYYMMDD')
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'error_issue_minutes'::regclass AND c.relname ~ '^error_issue_minutes_p[0-9]{8}$'
    UNION
    SELECT (now() AT TIME ZONE 'UTC')::DATE + offset_days FROM generate_series(-1, 3) AS offset_days
));

INSERT INTO error_issue_hours (issue_id, hour, events)
SELECT issue_id, date_trunc('hour', minute, 'UTC'), sum(events)
FROM error_issue_minutes
GROUP BY 1, 2;
