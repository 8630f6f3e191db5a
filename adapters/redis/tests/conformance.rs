//! The conformance kit's limiter and revocation-channel suites against a
//! real Redis, each with two connections standing for two instances.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;

use portcullis::store::conformance;
use portcullis::store::new_id;
use portcullis_redis::Redis;

/// Two handles on the test Redis under a prefix of their own, or `None`
/// (and a note) when the tests should skip it.
async fn two_instances() -> Option<(Redis, Redis)> {
    let Ok(url) = std::env::var("PORTCULLIS_TEST_REDIS_URL") else {
        // Written past the test harness's capture, so the skip is seen.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: Redis test (set PORTCULLIS_TEST_REDIS_URL to run it)"
        );
        return None;
    };
    let prefix = format!("portcullis-test:{}:", new_id());
    let first = Redis::connect(&url).await.expect("connect to Redis");
    let second = Redis::connect(&url).await.expect("connect again");
    Some((first.with_prefix(&prefix), second.with_prefix(prefix)))
}

#[tokio::test]
async fn rate_limiter() {
    let Some((first, _)) = two_instances().await else {
        return;
    };
    conformance::rate_limiter(&first).await.assert_passed();
}

#[tokio::test]
async fn rate_limiter_shared_by_two_connections() {
    let Some((first, second)) = two_instances().await else {
        return;
    };
    conformance::shared_rate_limiter(&first, &second)
        .await
        .assert_passed();
}

#[tokio::test]
async fn revocation_channel() {
    let Some((first, second)) = two_instances().await else {
        return;
    };
    conformance::revocation_channel(&first, &second)
        .await
        .assert_passed();
}

#[tokio::test]
async fn an_unreachable_redis_is_an_error_not_a_hang() {
    let started = std::time::Instant::now();
    let refused = Redis::connect("redis://127.0.0.1:9").await;
    assert!(refused.is_err(), "nothing listens on port 9");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "connecting gives up"
    );
}
