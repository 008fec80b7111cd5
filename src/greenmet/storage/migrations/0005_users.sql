-- greenmet records store, migration 0005: people and scripts that use the web service
-- (issue 15 §4). Passwords are kept as argon2 hashes, sessions and API tokens as the SHA-256 of
-- the random secret the client holds (a copy of this file opens no session). Roles, from least
-- to most: viewer, operator, engineer, admin (docs/user_guide/service.md).

CREATE TABLE users (
    user_name VARCHAR PRIMARY KEY,
    display_name VARCHAR,
    role VARCHAR NOT NULL CHECK (role IN ('viewer', 'operator', 'engineer', 'admin')),
    password_hash VARCHAR NOT NULL,
    language VARCHAR NOT NULL DEFAULT 'zh' CHECK (language IN ('en', 'zh')),
    created_at TIMESTAMPTZ NOT NULL,
    disabled_at TIMESTAMPTZ
);

CREATE TABLE sessions (
    session_sha256 VARCHAR PRIMARY KEY,
    user_name VARCHAR NOT NULL REFERENCES users (user_name),
    csrf_token VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_tokens (
    token_sha256 VARCHAR PRIMARY KEY,
    user_name VARCHAR NOT NULL REFERENCES users (user_name),
    name VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);

CREATE INDEX sessions_user_index ON sessions (user_name);
