-- portcullis schema 8: when each session was last refreshed (idle sessions
-- end) and the client it began on (for people to tell sessions apart).

ALTER TABLE portcullis_refresh_families ADD COLUMN last_used_at BIGINT;
ALTER TABLE portcullis_refresh_families ADD COLUMN client TEXT;
