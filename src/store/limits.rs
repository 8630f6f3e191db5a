use std::time::Duration;

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;

/// A rate limiter's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Within budget; `remaining` more attempts fit.
    Allowed {
        /// Attempts left before the limit.
        remaining: u32,
    },
    /// Over budget until the window ends.
    Limited {
        /// Time until the window ends.
        retry_after: Duration,
    },
}

/// How long a key's hits are remembered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Hits count for the span from the key's first hit; the hit that
    /// reaches the limit restarts the span, so a full cooling period
    /// follows. For budgets such as "100 failures per 15 minutes".
    Fixed(Duration),
    /// Hits count until the span passes with no hit: for "consecutive"
    /// failures, however slowly they come.
    Sliding(Duration),
}

/// Counters keyed by strings such as `login:ip:203.0.113.9`.
///
/// Counting must be atomic: concurrent hits are all counted. A key whose
/// window has passed starts again from zero.
#[async_trait]
pub trait RateLimiter: Send + Sync + 'static {
    /// Counts one attempt and says whether it is within the limit.
    async fn hit(
        &self,
        key: &str,
        limit: u32,
        window: Window,
        now: OffsetDateTime,
    ) -> Result<Decision, StoreError>;

    /// Says whether one more attempt would be within the limit, counting nothing.
    async fn peek(
        &self,
        key: &str,
        limit: u32,
        now: OffsetDateTime,
    ) -> Result<Decision, StoreError>;

    /// Takes back one hit (an attempt counted up front that turned out fine).
    async fn forgive(&self, key: &str) -> Result<(), StoreError>;

    /// Forgets the key (after a successful sign-in, say).
    async fn reset(&self, key: &str) -> Result<(), StoreError>;

    /// Deletes counters whose window ended before `now`, for limiters that
    /// do not expire them by themselves; returns how many went. Called by
    /// [`Auth::purge_expired`](crate::Auth::purge_expired).
    async fn purge_expired_counters(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        let _ = now;
        Ok(0)
    }
}
