-- portcullis schema 9: passkeys (WebAuthn credentials). Only public keys
-- are kept; `credential` is the service's serialized credential (public
-- key, sign counter, backup flags), opaque to SQL.

CREATE TABLE portcullis_passkeys (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL,
    user_handle  TEXT NOT NULL,
    name         TEXT NOT NULL,
    credential   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT
);

CREATE INDEX portcullis_passkeys_user ON portcullis_passkeys (user_id);
