-- Accounts that sign in to the console. Email is unique regardless of case.
CREATE TABLE users (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email           TEXT        NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    display_name    TEXT        NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    role            TEXT        NOT NULL CHECK (role IN ('admin', 'operator', 'support', 'manager', 'viewer')),
    password_hash   TEXT        NOT NULL,
    disabled        BOOLEAN     NOT NULL DEFAULT false,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_sign_in_at TIMESTAMPTZ
);

CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
