//! The rate limiter: one Lua script per decision.

use std::sync::LazyLock;
use std::time::Duration;

use async_trait::async_trait;
use portcullis::store::{Decision, RateLimiter, StoreError, Window};
use redis::Script;
use time::OffsetDateTime;

use super::{Redis, unavailable};

/// Counts a hit and returns `{hits, expires_ms}`. A counter is a hash of
/// `hits` and `expires` (milliseconds, by the callers' clock, so that an
/// injected clock rules as it does in memory); Redis drops it once the
/// window has passed by its own clock. A dead counter starts again at one;
/// a fixed window restarts on the hit that reaches the limit, a sliding one
/// on every hit.
static HIT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local now, span, sliding, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == '1', tonumber(ARGV[4])
local stored = redis.call('HMGET', KEYS[1], 'hits', 'expires')
local hits, expires, live = 0, 0, false
if stored[1] and stored[2] and tonumber(stored[2]) > now then
  hits, expires, live = tonumber(stored[1]), tonumber(stored[2]), true
end
hits = hits + 1
if sliding or not live or hits == limit then
  expires = now + span
end
redis.call('HSET', KEYS[1], 'hits', hits, 'expires', expires)
redis.call('PEXPIRE', KEYS[1], math.max(expires - now, 1))
return {hits, expires}
",
    )
});

/// Takes back one hit, never below zero.
static FORGIVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local hits = tonumber(redis.call('HGET', KEYS[1], 'hits'))
if hits and hits > 0 then
  redis.call('HINCRBY', KEYS[1], 'hits', -1)
end
return 0
",
    )
});

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
        Decision::Allowed {
            remaining: u32::try_from(i64::from(limit) - hits).unwrap_or(0),
        }
    }
}

impl Redis {
    fn limit_key(&self, key: &str) -> String {
        self.key(&format!("limit:{key}"))
    }
}

#[async_trait]
impl RateLimiter for Redis {
    async fn hit(
        &self,
        key: &str,
        limit: u32,
        window: Window,
        now: OffsetDateTime,
    ) -> Result<Decision, StoreError> {
        let (span, sliding) = match window {
            Window::Fixed(span) => (span, "0"),
            Window::Sliding(span) => (span, "1"),
        };
        let span = i64::try_from(span.as_millis()).unwrap_or(i64::MAX / 2);
        let (hits, expires_ms): (i64, i64) = HIT
            .key(self.limit_key(key))
            .arg(millis(now))
            .arg(span)
            .arg(sliding)
            .arg(limit)
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(unavailable)?;
        Ok(decide(hits, expires_ms, limit, now))
    }

    async fn peek(
        &self,
        key: &str,
        limit: u32,
        now: OffsetDateTime,
    ) -> Result<Decision, StoreError> {
        let (hits, expires_ms): (Option<i64>, Option<i64>) = redis::cmd("HMGET")
            .arg(self.limit_key(key))
            .arg("hits")
            .arg("expires")
            .query_async(&mut self.connection.clone())
            .await
            .map_err(unavailable)?;
        Ok(match (hits, expires_ms) {
            (Some(hits), Some(expires_ms)) if expires_ms > millis(now) => {
                decide(hits + 1, expires_ms, limit, now)
            }
            _ => Decision::Allowed {
                remaining: limit.saturating_sub(1),
            },
        })
    }

    async fn forgive(&self, key: &str) -> Result<(), StoreError> {
        FORGIVE
            .key(self.limit_key(key))
            .invoke_async::<i64>(&mut self.connection.clone())
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn reset(&self, key: &str) -> Result<(), StoreError> {
        redis::cmd("DEL")
            .arg(self.limit_key(key))
            .query_async::<i64>(&mut self.connection.clone())
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
