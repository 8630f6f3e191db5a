//! Rate-limit counters in the database, for a fleet without Redis.

use std::time::Duration;

use async_trait::async_trait;
use portcullis::store::{Decision, RateLimiter, StoreError, Window};
use sqlx::Row;
use time::OffsetDateTime;

use super::{SqlStore, unavailable};

/// One statement per hit, so that concurrent hits on any instance are all
/// counted: a dead counter starts again at one; a fixed window restarts
/// when the hit reaches the limit (a full cooling period follows), a
/// sliding one at every hit.
const HIT: &str = "INSERT INTO portcullis_limits (key, hits, expires_ms) VALUES ($1, 1, $2 + $3) \
    ON CONFLICT (key) DO UPDATE SET \
    hits = CASE WHEN portcullis_limits.expires_ms > $2 THEN portcullis_limits.hits + 1 ELSE 1 END, \
    expires_ms = CASE \
        WHEN $4 = 1 OR portcullis_limits.expires_ms <= $2 THEN $2 + $3 \
        WHEN portcullis_limits.hits + 1 = $5 THEN $2 + $3 \
        ELSE portcullis_limits.expires_ms END \
    RETURNING hits, expires_ms";

fn millis(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// The decision for `hits` counted against `limit` in a window ending at `expires_ms`.
fn decide(hits: i64, expires_ms: i64, limit: u32, now: OffsetDateTime) -> Decision {
    if hits > i64::from(limit) {
        let wait = u64::try_from(expires_ms - millis(now)).unwrap_or(0);
        Decision::Limited {
            retry_after: Duration::from_millis(wait),
        }
    } else {
        let left = i64::from(limit) - hits;
        Decision::Allowed {
            remaining: u32::try_from(left).unwrap_or(0),
        }
    }
}

#[async_trait]
impl RateLimiter for SqlStore {
    async fn hit(
        &self,
        key: &str,
        limit: u32,
        window: Window,
        now: OffsetDateTime,
    ) -> Result<Decision, StoreError> {
        let (span, sliding) = match window {
            Window::Fixed(span) => (span, 0_i64),
            Window::Sliding(span) => (span, 1),
        };
        let span = i64::try_from(span.as_millis()).unwrap_or(i64::MAX / 2);
        let row = sqlx::query(HIT)
            .bind(key)
            .bind(millis(now))
            .bind(span)
            .bind(sliding)
            .bind(i64::from(limit))
            .fetch_one(&self.pool)
            .await
            .map_err(unavailable)?;
        let hits: i64 = row.try_get("hits").map_err(unavailable)?;
        let expires_ms: i64 = row.try_get("expires_ms").map_err(unavailable)?;
        Ok(decide(hits, expires_ms, limit, now))
    }

    async fn peek(
        &self,
        key: &str,
        limit: u32,
        now: OffsetDateTime,
    ) -> Result<Decision, StoreError> {
        let row = sqlx::query(
            "SELECT hits, expires_ms FROM portcullis_limits WHERE key = $1 AND expires_ms > $2",
        )
        .bind(key)
        .bind(millis(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?;
        let Some(row) = row else {
            return Ok(Decision::Allowed {
                remaining: limit.saturating_sub(1),
            });
        };
        let hits: i64 = row.try_get("hits").map_err(unavailable)?;
        let expires_ms: i64 = row.try_get("expires_ms").map_err(unavailable)?;
        Ok(decide(hits + 1, expires_ms, limit, now))
    }

    async fn forgive(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE portcullis_limits SET hits = hits - 1 WHERE key = $1 AND hits > 0")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn reset(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM portcullis_limits WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn purge_expired_counters(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        let purged = sqlx::query("DELETE FROM portcullis_limits WHERE expires_ms <= $1")
            .bind(millis(now))
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(purged.rows_affected())
    }
}
