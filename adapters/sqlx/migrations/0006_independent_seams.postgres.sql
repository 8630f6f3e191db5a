-- portcullis schema 6 (PostgreSQL): each seam stands on its own. Sessions,
-- tokens, second factors and identities key by a user id that may come from
-- the application's own users table, so they no longer reference
-- portcullis_users; TOTP state moves out of portcullis_users.

ALTER TABLE portcullis_refresh_families DROP CONSTRAINT IF EXISTS portcullis_refresh_families_user_id_fkey;
ALTER TABLE portcullis_api_tokens DROP CONSTRAINT IF EXISTS portcullis_api_tokens_user_id_fkey;
ALTER TABLE portcullis_api_tokens DROP CONSTRAINT IF EXISTS portcullis_api_tokens_actor_id_fkey;
ALTER TABLE portcullis_api_tokens DROP CONSTRAINT IF EXISTS portcullis_api_tokens_owner_id_fkey;
ALTER TABLE portcullis_recovery_codes DROP CONSTRAINT IF EXISTS portcullis_recovery_codes_user_id_fkey;
ALTER TABLE portcullis_one_time_tokens DROP CONSTRAINT IF EXISTS portcullis_one_time_tokens_user_id_fkey;
ALTER TABLE portcullis_identities DROP CONSTRAINT IF EXISTS portcullis_identities_user_id_fkey;

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
