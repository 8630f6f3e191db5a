use std::time::Duration;

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;

/// A rate limiter's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Within budget; `remaining` more attempts fit in the window.
    Allowed {
        /// Attempts left in the current window.
        remaining: u32,
    },
    /// Over budget until the window ends.
    Limited {
        /// Time until the window ends.
        retry_after: Duration,
    },
}

/// Fixed-window counters keyed by strings such as `login:account:ada@example.com`.
///
/// A window opens at a key's first hit and lasts `window`; hits in it count
/// towards `limit`. The count must be atomic: concurrent hits are all counted.
#[async_trait]
pub trait RateLimiter: Send + Sync + 'static {
    /// Counts one attempt and says whether it is within the limit.
    async fn hit(
        &self,
        key: &str,
        limit: u32,
        window: Duration,
        now: OffsetDateTime,
    ) -> Result<Decision, StoreError>;

    /// Says whether one more attempt would be within the limit, counting nothing.
    async fn peek(
        &self,
        key: &str,
        limit: u32,
        window: Duration,
        now: OffsetDateTime,
    ) -> Result<Decision, StoreError>;

    /// Forgets the key (after a successful sign-in, say).
    async fn reset(&self, key: &str) -> Result<(), StoreError>;
}
