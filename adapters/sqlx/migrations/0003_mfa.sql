-- portcullis schema 3: TOTP second factors, recovery codes, one-time tokens.
-- TOTP secrets are sealed (AEAD) by the service before they reach the store;
-- recovery codes and one-time tokens are stored only as SHA-256 hex digests.

ALTER TABLE portcullis_users ADD COLUMN totp_secret TEXT;
ALTER TABLE portcullis_users ADD COLUMN totp_pending TEXT;
ALTER TABLE portcullis_users ADD COLUMN totp_last_step BIGINT;

CREATE TABLE portcullis_recovery_codes (
    user_id   TEXT NOT NULL REFERENCES portcullis_users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE portcullis_one_time_tokens (
    token_hash TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES portcullis_users (id) ON DELETE CASCADE,
    data       TEXT NOT NULL,
    failures   BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX portcullis_one_time_tokens_user ON portcullis_one_time_tokens (user_id);
