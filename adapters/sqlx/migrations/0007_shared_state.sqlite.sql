-- portcullis schema 7 (SQLite): rate-limit counters, for processes that
-- share one database file.

CREATE TABLE portcullis_limits (
    key        TEXT PRIMARY KEY,
    hits       BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL
);
CREATE INDEX portcullis_limits_expiry ON portcullis_limits (expires_ms);

-- Strict sessions load the sessions ended lately when they start.
CREATE INDEX portcullis_refresh_families_revoked ON portcullis_refresh_families (revoked_at);
