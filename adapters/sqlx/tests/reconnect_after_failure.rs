//! After a call failed on a connection the database dropped, the others it
//! dropped with it are checked before use and replaced: a restart costs at
//! most one failed call, however busy the pool was. (A test binary of its
//! own: the failures it counts on are noted process-wide.)

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use portcullis_sqlx::SqlStore;
use support::{connection_name, drop_connections, look_up, named_url};

#[tokio::test]
async fn after_one_failed_call_no_other_dropped_connection_fails_one() {
    let name = connection_name("after-failure");
    let Some(url) = named_url(&name) else {
        return;
    };
    let store = SqlStore::connect(&url)
        .await
        .expect("connect to PostgreSQL");
    // Three connections in the pool, all back in it.
    let (first, second, third) = tokio::join!(look_up(&store), look_up(&store), look_up(&store));
    assert!(first.is_ok() && second.is_ok() && third.is_ok());
    while store.pool().num_idle() < 3 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    // Dropped at once, without waiting for the processes to exit.
    assert!(
        drop_connections(&name, false).await >= 3,
        "the store's connections were dropped"
    );

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
