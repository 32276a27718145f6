-- The values an admin set on Settings › Monitoring (retention, the Overview's
-- tile thresholds, health-check thresholds, the collector's interval, the
-- errors' extra scrubbed keys). One row: a field absent from `page_values`
-- falls back to its environment variable, then its default. `version` is
-- raised by every save, so a save made from an older version is refused.
CREATE TABLE monitoring_settings (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    version bigint NOT NULL DEFAULT 0,
    page_values jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(page_values) = 'object'),
    updated_by text,
    updated_at timestamptz
);

INSERT INTO monitoring_settings (id) VALUES (true);
