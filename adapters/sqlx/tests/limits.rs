//! The SQL rate limiter's own edges, beyond the shared conformance suite:
//! windows too long for milliseconds, and what a purge reports. On a SQLite
//! file of its own, so that no other test's counters are counted.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use portcullis::store::{Decision, RateLimiter, Window, new_id};
use portcullis_sqlx::SqlStore;
use time::OffsetDateTime;

async fn sqlite() -> (SqlStore, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!("portcullis-limits-{}.db", new_id()));
    let store = SqlStore::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .expect("open a SQLite file");
    (store, path)
}

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
}

#[tokio::test]
async fn a_window_too_long_for_milliseconds_still_holds() {
    let (store, path) = sqlite().await;
    let forever = Window::Fixed(Duration::MAX);
    for _ in 0..2 {
        store.hit("forever", 2, forever, now()).await.unwrap();
    }
    let later = store
        .hit("forever", 2, forever, now() + Duration::from_secs(1))
        .await
        .unwrap();
    assert!(
        matches!(later, Decision::Limited { .. }),
        "the third hit, a second later, is still within the window: {later:?}"
    );
    store.close().await;
    let _ = std::fs::remove_file(path);
}

#[tokio::test]
async fn a_purge_deletes_and_counts_only_ended_windows() {
    let (store, path) = sqlite().await;
    let minute = Window::Fixed(Duration::from_secs(60));
    for key in ["first", "second"] {
        store.hit(key, 5, minute, now()).await.unwrap();
    }
    let hour = Window::Fixed(Duration::from_secs(3600));
    store.hit("longer", 5, hour, now()).await.unwrap();
    let after_a_minute = now() + Duration::from_secs(60);
    assert_eq!(
        store.purge_expired_counters(now()).await.unwrap(),
        0,
        "none ended yet"
    );
    assert_eq!(
        store.purge_expired_counters(after_a_minute).await.unwrap(),
        2,
        "the two one-minute windows ended"
    );
    assert_eq!(
        store.purge_expired_counters(after_a_minute).await.unwrap(),
        0,
        "and are gone"
    );
    let longer = store.peek("longer", 5, after_a_minute).await.unwrap();
    assert_eq!(
        longer,
        Decision::Allowed { remaining: 3 },
        "the hour's counter stays"
    );
    store.close().await;
    let _ = std::fs::remove_file(path);
}
