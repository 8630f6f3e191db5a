//! The store conformance suite against the in-memory stores.

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
