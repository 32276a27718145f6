-- `opsdeck demo`'s backfill of past demo traffic: done once per database. A
-- restart resumes an interrupted one from `done_through` (each hour is stored
-- in the transaction that moves it) and never repeats a finished one.
CREATE TABLE demo_backfill (
    only_row     BOOLEAN     PRIMARY KEY DEFAULT true CHECK (only_row),
    from_ts      TIMESTAMPTZ NOT NULL,
    until_ts     TIMESTAMPTZ NOT NULL,
    done_through TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ,
    CHECK (from_ts <= done_through AND done_through <= until_ts)
);
