-- portcullis schema 10: a spent refresh token names its successor, and on
-- SQLite setting it does the rest of a rotation. SQLite has no
-- data-modifying CTEs: a trigger is how its rotation (spend the token, add
-- its successor, mark the session used) becomes one statement, so one trip
-- to the database's thread instead of five.

ALTER TABLE portcullis_refresh_tokens ADD COLUMN successor_hash TEXT;

CREATE TRIGGER portcullis_refresh_rotation
AFTER UPDATE OF used_at ON portcullis_refresh_tokens
WHEN OLD.used_at IS NULL AND NEW.successor_hash IS NOT NULL
BEGIN
    INSERT INTO portcullis_refresh_tokens (token_hash, family_id, used_at)
        VALUES (NEW.successor_hash, NEW.family_id, NULL);
    UPDATE portcullis_refresh_families SET last_used_at = NEW.used_at
        WHERE id = NEW.family_id;
END;
