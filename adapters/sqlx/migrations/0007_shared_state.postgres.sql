-- portcullis schema 7 (PostgreSQL): what a fleet of instances shares when
-- there is no Redis. Rate-limit counters, and the recent revocations that
-- strict sessions announce (each announced by NOTIFY with its id; the table
-- lets an instance that starts or reconnects catch up).

CREATE TABLE portcullis_limits (
    key        TEXT PRIMARY KEY,
    hits       BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL
);
CREATE INDEX portcullis_limits_expiry ON portcullis_limits (expires_ms);

-- Strict sessions load the sessions ended lately when they start.
CREATE INDEX portcullis_refresh_families_revoked ON portcullis_refresh_families (revoked_at);

CREATE TABLE portcullis_revocations (
    id        BIGSERIAL PRIMARY KEY,
    at        BIGINT NOT NULL,
    forget_at BIGINT NOT NULL,
    event     TEXT NOT NULL
);
CREATE INDEX portcullis_revocations_forget_at ON portcullis_revocations (forget_at);
