//! What one rate-limit decision costs, by limiter: in memory, in Redis (one
//! Lua script), in PostgreSQL (one statement). Redis and PostgreSQL are
//! measured when `PORTCULLIS_TEST_REDIS_URL` and
//! `PORTCULLIS_TEST_POSTGRES_URL` name them, and skipped otherwise.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use portcullis::store::{MemoryRateLimiter, RateLimiter, Window};
use portcullis::{Clock, SystemClock};
use portcullis_redis::Redis;
use portcullis_sqlx::SqlStore;

/// A budget never reached, over a key of each decision's own: the cost of
/// counting, not of refusing.
fn decide(c: &mut Criterion, rt: &tokio::runtime::Runtime, name: &str, limiter: &impl RateLimiter) {
    let window = Window::Fixed(Duration::from_secs(900));
    let mut n = 0_u64;
    c.bench_function(&format!("limiter hit, {name}"), |b| {
        b.iter(|| {
            n += 1;
            let key = format!("bench:{}", n % 1000);
            rt.block_on(limiter.hit(&key, u32::MAX, window, SystemClock.now()))
                .unwrap()
        });
    });
}

fn limiters(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    decide(c, &rt, "memory", &MemoryRateLimiter::new());
    match std::env::var("PORTCULLIS_TEST_REDIS_URL") {
        Ok(url) => {
            let redis = rt.block_on(Redis::connect(&url)).unwrap();
            decide(c, &rt, "Redis", &redis.with_prefix("portcullis-bench:"));
        }
        Err(_) => eprintln!("SKIPPED: Redis (set PORTCULLIS_TEST_REDIS_URL)"),
    }
    match std::env::var("PORTCULLIS_TEST_POSTGRES_URL") {
        Ok(url) => {
            let sql = rt.block_on(SqlStore::connect(&url)).unwrap();
            decide(c, &rt, "PostgreSQL", &sql);
        }
        Err(_) => eprintln!("SKIPPED: PostgreSQL (set PORTCULLIS_TEST_POSTGRES_URL)"),
    }
}

criterion_group!(benches, limiters);
criterion_main!(benches);
