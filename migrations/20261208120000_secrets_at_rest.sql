-- Secrets at rest: backup targets' connection URLs and notification
-- channels' addresses and signing secrets are stored sealed
-- (`enc:v1:<key id>:<base64>`, XChaCha20-Poly1305 under OPSDECK_SECRETS_KEY,
-- app/src/secrets/). A migration cannot know the key, so rows stored before
-- this are sealed by Opsdeck itself when it starts (`opsdeck serve`, every
-- command that opens the database, and `opsdeck secrets rotate`), in one
-- transaction, before it serves.
--
-- Not safe alongside the previous release: it cannot read sealed values
-- (its backups of other targets and its notifications would fail). Stop
-- the old instances before starting this one.

-- A sealed address does not start with http(s):// and is longer than the
-- 2000 characters the form allows.
ALTER TABLE notification_channels DROP CONSTRAINT notification_channels_url_check;
ALTER TABLE notification_channels ADD CONSTRAINT notification_channels_url_check
    CHECK ((url ~ '^https?://' AND length(url) <= 2000) OR (url LIKE 'enc:v1:%' AND length(url) <= 3000));

COMMENT ON COLUMN backup_targets.connection_url IS 'sealed: enc:v1:<key id>:<base64> (app/src/secrets)';
COMMENT ON COLUMN notification_channels.url IS 'sealed: enc:v1:<key id>:<base64> (app/src/secrets)';
COMMENT ON COLUMN notification_channels.secret IS 'sealed: enc:v1:<key id>:<base64> (app/src/secrets)';
