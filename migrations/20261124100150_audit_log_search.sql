-- Free-text search on the Audit page ("contains", case-insensitive) over the
-- action, actor email, target id and the before/after snapshots. A trigram
-- GIN index lets ILIKE '%text%' find rare matches without reading the whole
-- log; the expression must stay identical to SEARCH_TEXT in
-- app/src/audit/ssr/queries.rs. pg_trgm ships with PostgreSQL (contrib) and
-- is a trusted extension, so a database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX audit_log_search_idx ON audit_log USING gin (
    (action || ' ' || coalesce(actor_email, '') || ' ' || coalesce(target_id, '') || ' '
        || coalesce(before::text, '') || ' ' || coalesce(after::text, '')) gin_trgm_ops
);
