-- Lines per minute, service, host and level, counted as the lines are
-- inserted (a statement trigger reads the statement's new rows once, so it
-- counts every writer: the ingest's COPY as well as any INSERT), so the
-- Logs histogram of a query of service/host/level terms only sums these
-- rows instead of counting raw lines (docs/BENCHMARKS.md, section 6).
-- Retention deletes the minutes of dropped days with the partitions.
CREATE TABLE log_minutes (
    minute   TIMESTAMPTZ NOT NULL,
    service  TEXT        NOT NULL,
    host     TEXT        NOT NULL,
    severity SMALLINT    NOT NULL,
    lines    BIGINT      NOT NULL,
    PRIMARY KEY (minute, service, host, severity)
);

-- Keys are upserted in one order, so two batches touching the same minutes
-- wait for each other instead of deadlocking.
CREATE FUNCTION log_minutes_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO log_minutes AS m (minute, service, host, severity, lines)
    SELECT date_trunc('minute', ts), service, host, severity, count(*)
    FROM new_lines
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (minute, service, host, severity) DO UPDATE SET lines = m.lines + excluded.lines;
    RETURN NULL;
END
$$;

CREATE TRIGGER log_lines_count_minutes
    AFTER INSERT ON log_lines
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION log_minutes_count();

INSERT INTO log_minutes (minute, service, host, severity, lines)
SELECT date_trunc('minute', ts), service, host, severity, count(*)
FROM log_lines
GROUP BY 1, 2, 3, 4;
