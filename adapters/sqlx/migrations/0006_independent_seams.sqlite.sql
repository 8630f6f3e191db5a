-- portcullis schema 6 (SQLite): each seam stands on its own. Sessions,
-- tokens, second factors and identities key by a user id that may come from
-- the application's own users table, so they no longer reference
-- portcullis_users; TOTP state moves out of portcullis_users.
-- SQLite drops a foreign key only by rebuilding the table; the migration
-- runs with foreign keys off, as SQLite's documentation prescribes.

CREATE TABLE portcullis_refresh_families_new (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    amr        TEXT NOT NULL,
    remember   BIGINT NOT NULL CHECK (remember IN (0, 1)),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
INSERT INTO portcullis_refresh_families_new SELECT id, user_id, amr, remember, created_at, expires_at, revoked_at FROM portcullis_refresh_families;
DROP TABLE portcullis_refresh_families;
ALTER TABLE portcullis_refresh_families_new RENAME TO portcullis_refresh_families;
CREATE INDEX portcullis_refresh_families_user ON portcullis_refresh_families (user_id);

CREATE TABLE portcullis_api_tokens_new (
    token_hash TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('app', 'user', 'on_behalf_of')),
    user_id    TEXT NOT NULL,
    actor_id   TEXT,
    owner_id   TEXT NOT NULL,
    app_hash   TEXT,
    hint       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
INSERT INTO portcullis_api_tokens_new SELECT token_hash, kind, user_id, actor_id, owner_id, app_hash, hint, created_at, expires_at FROM portcullis_api_tokens;
DROP TABLE portcullis_api_tokens;
ALTER TABLE portcullis_api_tokens_new RENAME TO portcullis_api_tokens;
CREATE INDEX portcullis_api_tokens_owner ON portcullis_api_tokens (owner_id);

CREATE TABLE portcullis_recovery_codes_new (
    user_id   TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);
INSERT INTO portcullis_recovery_codes_new SELECT user_id, code_hash FROM portcullis_recovery_codes;
DROP TABLE portcullis_recovery_codes;
ALTER TABLE portcullis_recovery_codes_new RENAME TO portcullis_recovery_codes;

CREATE TABLE portcullis_one_time_tokens_new (
    token_hash TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    data       TEXT NOT NULL,
    failures   BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
INSERT INTO portcullis_one_time_tokens_new SELECT token_hash, purpose, user_id, data, failures, created_at, expires_at FROM portcullis_one_time_tokens;
DROP TABLE portcullis_one_time_tokens;
ALTER TABLE portcullis_one_time_tokens_new RENAME TO portcullis_one_time_tokens;
CREATE INDEX portcullis_one_time_tokens_user ON portcullis_one_time_tokens (user_id);

CREATE TABLE portcullis_identities_new (
    provider   TEXT NOT NULL,
    subject    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (provider, subject)
);
INSERT INTO portcullis_identities_new SELECT provider, subject, user_id, created_at FROM portcullis_identities;
DROP TABLE portcullis_identities;
ALTER TABLE portcullis_identities_new RENAME TO portcullis_identities;
CREATE INDEX portcullis_identities_user ON portcullis_identities (user_id);

CREATE TABLE portcullis_second_factors (
    user_id        TEXT PRIMARY KEY,
    totp_secret    TEXT,
    totp_pending   TEXT,
    totp_last_step BIGINT
);
INSERT INTO portcullis_second_factors (user_id, totp_secret, totp_pending, totp_last_step)
    SELECT id, totp_secret, totp_pending, totp_last_step FROM portcullis_users
    WHERE totp_secret IS NOT NULL OR totp_pending IS NOT NULL;
ALTER TABLE portcullis_users DROP COLUMN totp_secret;
ALTER TABLE portcullis_users DROP COLUMN totp_pending;
ALTER TABLE portcullis_users DROP COLUMN totp_last_step;
