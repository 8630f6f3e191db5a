-- portcullis schema 4: whether a user proved their email address.

ALTER TABLE portcullis_users ADD COLUMN email_verified BIGINT NOT NULL DEFAULT 0 CHECK (email_verified IN (0, 1));
