-- portcullis schema 2: app tokens, user tokens and on-behalf-of tokens (the v1 token API).
-- Secrets are stored only as SHA-256 hex digests; `hint` is the secret's first characters.

CREATE TABLE portcullis_api_tokens (
    token_hash TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('app', 'user', 'on_behalf_of')),
    user_id    TEXT NOT NULL REFERENCES portcullis_users (id) ON DELETE CASCADE,
    actor_id   TEXT REFERENCES portcullis_users (id) ON DELETE CASCADE,
    owner_id   TEXT NOT NULL REFERENCES portcullis_users (id) ON DELETE CASCADE,
    app_hash   TEXT,
    hint       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX portcullis_api_tokens_owner ON portcullis_api_tokens (owner_id);
