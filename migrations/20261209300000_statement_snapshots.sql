-- Top queries (issue 18): the data-store collector reads pg_stat_statements'
-- totals every few minutes and keeps, per snapshot, only what grew since the
-- one before, so a range's top queries are a sum and nobody ever calls
-- pg_stat_statements_reset. A snapshot's deltas go with it.
CREATE TABLE statement_snapshots (
    service    TEXT        NOT NULL,
    taken_at   TIMESTAMPTZ NOT NULL,
    -- Statements that ran since the snapshot before (rows in statement_deltas).
    statements INTEGER     NOT NULL,
    PRIMARY KEY (service, taken_at)
);

CREATE TABLE statement_deltas (
    service      TEXT             NOT NULL,
    taken_at     TIMESTAMPTZ      NOT NULL,
    query_id     BIGINT           NOT NULL,
    database     TEXT             NOT NULL,
    username     TEXT             NOT NULL,
    -- Normalised by pg_stat_statements: constants are $1, $2…
    query        TEXT             NOT NULL,
    calls        BIGINT           NOT NULL,
    total_ms     DOUBLE PRECISION NOT NULL,
    rows         BIGINT           NOT NULL,
    shared_hits  BIGINT           NOT NULL,
    shared_reads BIGINT           NOT NULL,
    PRIMARY KEY (service, taken_at, query_id, database, username),
    FOREIGN KEY (service, taken_at) REFERENCES statement_snapshots ON DELETE CASCADE
);
