//! The store conformance suite against the in-memory stores.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use portcullis::store::{MemoryRateLimiter, MemoryStore, conformance};

#[tokio::test]
async fn memory_user_store() {
    conformance::user_store(&MemoryStore::new()).await;
}

#[tokio::test]
async fn memory_token_store() {
    conformance::token_store(&MemoryStore::new()).await;
}

#[tokio::test]
async fn memory_rate_limiter() {
    conformance::rate_limiter(&MemoryRateLimiter::new()).await;
}
