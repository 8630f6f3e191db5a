-- portcullis schema 10: a spent refresh token names its successor (the
-- rotation statement writes both; SQLite's version of this schema adds the
-- trigger that makes its rotation one statement).

ALTER TABLE portcullis_refresh_tokens ADD COLUMN successor_hash TEXT;
