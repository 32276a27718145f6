-- An issue's state in full: how it was resolved (now, in the next release,
-- in a named release) and until when it is ignored (a time, a number of
-- events or of users, each stored as the target the issue's counts must
-- reach). The state changes themselves are audit entries (target
-- `error_issue`), which the issue page shows as its timeline.
--
-- Safe while the previous release still serves: it never changes an
-- issue's state, and every new column is nullable.

ALTER TABLE error_issues
    ADD COLUMN resolution TEXT CHECK (resolution IN ('now', 'next_release', 'in_release')),
    ADD COLUMN resolved_at TIMESTAMPTZ,
    -- The release named by "resolved in release …".
    ADD COLUMN resolved_in_release TEXT CHECK (length(resolved_in_release) BETWEEN 1 AND 200),
    -- "Resolved in the next release": the release current when it was resolved
    -- (the latest deployed, else the latest seen in the issue's events).
    ADD COLUMN resolved_current_release TEXT,
    ADD COLUMN ignore_until TIMESTAMPTZ,
    ADD COLUMN ignore_until_events BIGINT CHECK (ignore_until_events > 0),
    ADD COLUMN ignore_until_users BIGINT CHECK (ignore_until_users > 0),
    ADD CONSTRAINT error_issues_resolved_state_check CHECK (
        (state = 'resolved') = (resolution IS NOT NULL AND resolved_at IS NOT NULL)
        AND (resolution IS NOT DISTINCT FROM 'in_release') = (resolved_in_release IS NOT NULL)
    ),
    ADD CONSTRAINT error_issues_ignored_state_check CHECK (
        state = 'ignored' OR (ignore_until IS NULL AND ignore_until_events IS NULL AND ignore_until_users IS NULL)
    );

-- The leader's sweep finds ignored issues whose time has come.
CREATE INDEX error_issues_ignore_until_idx ON error_issues (ignore_until) WHERE state = 'ignored';
