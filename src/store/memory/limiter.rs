//! [`MemoryRateLimiter`]: throttling counters in process memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::store::{Decision, RateLimiter, StoreError, Window};

/// Rate-limit counters in process memory: right for one process; several
/// processes behind a load balancer need a shared limiter (Redis).
#[derive(Debug, Clone, Default)]
pub struct MemoryRateLimiter(Arc<Mutex<Counters>>);

#[derive(Debug, Default)]
struct Counters {
    keys: HashMap<String, Counter>,
    /// Size at which expired keys are next swept out (amortised: the sweep
    /// runs again only once the map has doubled).
    next_sweep: usize,
}

#[derive(Debug, Clone, Copy)]
struct Counter {
    hits: u32,
    expires_at: OffsetDateTime,
}

/// Fewest keys before expired ones are swept.
const SWEEP_FLOOR: usize = 10_000;

impl MemoryRateLimiter {
    /// An empty limiter.
    pub fn new() -> Self {
        Self::default()
    }

    fn counters(&self) -> MutexGuard<'_, Counters> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn live(counter: Option<&Counter>, now: OffsetDateTime) -> Option<Counter> {
    counter.filter(|c| c.expires_at > now).copied()
}

/// The decision for `hits` counted against `limit`.
fn decide(counter: Option<Counter>, hits: u32, limit: u32, now: OffsetDateTime) -> Decision {
    match counter {
        Some(c) if hits > limit => Decision::Limited {
            retry_after: Duration::try_from(c.expires_at - now).unwrap_or_default(),
        },
        _ => Decision::Allowed {
            remaining: limit.saturating_sub(hits),
        },
    }
}

#[async_trait]
impl RateLimiter for MemoryRateLimiter {
    async fn hit(
        &self,
        key: &str,
        limit: u32,
        window: Window,
        now: OffsetDateTime,
    ) -> Result<Decision, StoreError> {
        let mut counters = self.counters();
        if counters.keys.len() >= counters.next_sweep.max(SWEEP_FLOOR) {
            counters.keys.retain(|_, c| c.expires_at > now);
            counters.next_sweep = counters.keys.len() * 2;
        }
        let previous = live(counters.keys.get(key), now);
        let hits = previous.map_or(0, |c| c.hits).saturating_add(1);
        let expires_at = match (window, previous) {
            (Window::Fixed(span), _) if hits == limit => now + span,
            (Window::Fixed(_), Some(c)) => c.expires_at,
            (Window::Fixed(span), None) | (Window::Sliding(span), _) => now + span,
        };
        let counter = Counter { hits, expires_at };
        counters.keys.insert(key.to_owned(), counter);
        Ok(decide(Some(counter), hits, limit, now))
    }

    async fn peek(
        &self,
        key: &str,
        limit: u32,
        now: OffsetDateTime,
    ) -> Result<Decision, StoreError> {
        let counter = live(self.counters().keys.get(key), now);
        Ok(decide(
            counter,
            counter.map_or(0, |c| c.hits) + 1,
            limit,
            now,
        ))
    }

    async fn forgive(&self, key: &str) -> Result<(), StoreError> {
        if let Some(counter) = self.counters().keys.get_mut(key) {
            counter.hits = counter.hits.saturating_sub(1);
        }
        Ok(())
    }

    async fn reset(&self, key: &str) -> Result<(), StoreError> {
        self.counters().keys.remove(key);
        Ok(())
    }
}
