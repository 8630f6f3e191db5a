//! After a call failed on a connection the database dropped, the others it
//! dropped with it are checked before use and replaced: a restart costs at
//! most one failed call, however busy the pool was. (A test binary of its
//! own: the failures it counts on are noted process-wide.)

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::time::Duration;

use portcullis::store::{StoreError, UserStore, new_id};
use portcullis_sqlx::SqlStore;

async fn look_up(store: &SqlStore) -> Result<(), StoreError> {
    store.find_user(&new_id()).await.map(|_| ())
}

#[tokio::test]
async fn after_one_failed_call_no_other_dropped_connection_fails_one() {
    let Ok(url) = std::env::var("PORTCULLIS_TEST_POSTGRES_URL") else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: PostgreSQL reconnect test (set PORTCULLIS_TEST_POSTGRES_URL to run it)"
        );
        return;
    };
    let name = format!("after-failure-{}", &new_id()[..8]);
    let separator = if url.contains('?') { '&' } else { '?' };
    let store = SqlStore::connect(&format!("{url}{separator}application_name={name}"))
        .await
        .expect("connect to PostgreSQL");
    let other = SqlStore::connect(&url).await.expect("a second store");
    // Three connections in the pool, all back in it.
    let (first, second, third) = tokio::join!(look_up(&store), look_up(&store), look_up(&store));
    assert!(first.is_ok() && second.is_ok() && third.is_ok());
    while store.pool().num_idle() < 3 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }

    // Dropped at once, without waiting for the processes to exit.
    let dropped: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FILTER (WHERE pg_terminate_backend(pid)) \
         FROM pg_stat_activity WHERE application_name = $1",
    )
    .bind(&name)
    .fetch_one(other.pool())
    .await
    .expect("terminate the named connections");
    assert!(dropped >= 3, "the store's connections were dropped");

    let mut failed = Vec::new();
    for call in 0..4 {
        if look_up(&store).await.is_err() {
            failed.push(call);
        }
    }
    assert!(
        failed.is_empty() || failed == [0],
        "only a first call may fail, and none after it: {failed:?} failed"
    );
}
