-- Merging and unmerging error issues.
--
-- A merged issue stays as a pointer to the issue it was merged into (its
-- page and audit entries keep working); its hashes, events, counts and
-- users moved there. `error_hashes.origin_issue_id` is the issue a hash was
-- grouped into before it first moved, so unmerging it can give that issue
-- back instead of making a new one. Both columns are nullable and unread
-- by the previous release, so adding them is safe while it still serves.

ALTER TABLE error_issues ADD COLUMN merged_into BIGINT REFERENCES error_issues (id);
ALTER TABLE error_issues ADD CONSTRAINT error_issues_merged_into_check CHECK (merged_into <> id);
ALTER TABLE error_hashes ADD COLUMN origin_issue_id BIGINT REFERENCES error_issues (id);
