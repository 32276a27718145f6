-- API keys may carry the `logs` scope: sending log lines through
-- `POST /v1/logs` (OTLP/HTTP) and `POST /api/v1/logs` (NDJSON).
-- Widening the check is safe while the previous release still serves
-- (it never writes the new value).
ALTER TABLE api_keys DROP CONSTRAINT api_keys_scopes_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_check
    CHECK (cardinality(scopes) >= 1 AND scopes <@ ARRAY['ingest', 'deployments:write', 'logs']);
