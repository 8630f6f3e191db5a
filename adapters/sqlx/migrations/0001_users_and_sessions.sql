-- portcullis schema 1: users, sessions (refresh families) and refresh tokens.
-- Portable SQL: runs unchanged on SQLite and PostgreSQL.
-- Times are seconds since the Unix epoch, flags are 0/1 (BIGINT: the one
-- type sqlx's Any driver reads alike from both), and secrets are stored only
-- as SHA-256 hex digests.

CREATE TABLE portcullis_users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    email_key     TEXT NOT NULL UNIQUE,
    name          TEXT,
    role          TEXT NOT NULL,
    is_active     BIGINT NOT NULL CHECK (is_active IN (0, 1)),
    password_hash TEXT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE portcullis_refresh_families (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES portcullis_users (id) ON DELETE CASCADE,
    amr        TEXT NOT NULL,
    remember   BIGINT NOT NULL CHECK (remember IN (0, 1)),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE INDEX portcullis_refresh_families_user ON portcullis_refresh_families (user_id);

CREATE TABLE portcullis_refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    family_id  TEXT NOT NULL REFERENCES portcullis_refresh_families (id) ON DELETE CASCADE,
    used_at    BIGINT
);

CREATE INDEX portcullis_refresh_tokens_family ON portcullis_refresh_tokens (family_id);
