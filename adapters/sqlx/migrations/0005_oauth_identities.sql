-- portcullis schema 5: external (OAuth / OpenID Connect) identities linked to accounts.

CREATE TABLE portcullis_identities (
    provider   TEXT NOT NULL,
    subject    TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES portcullis_users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (provider, subject)
);

CREATE INDEX portcullis_identities_user ON portcullis_identities (user_id);
