//! A pooled PostgreSQL connection the database dropped: the store fails
//! closed for at most one call per dropped connection, and a connection that rested is checked
//! before use.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::time::Duration;

use portcullis::store::{StoreError, UserStore, new_id};
use portcullis_sqlx::SqlStore;

/// The store, on connections named `name` so that only they are dropped.
async fn named_store(name: &str) -> Option<SqlStore> {
    let Ok(url) = std::env::var("PORTCULLIS_TEST_POSTGRES_URL") else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: PostgreSQL reconnect test (set PORTCULLIS_TEST_POSTGRES_URL to run it)"
        );
        return None;
    };
    let separator = if url.contains('?') { '&' } else { '?' };
    let named = format!("{url}{separator}application_name={name}");
    Some(
        SqlStore::connect(&named)
            .await
            .expect("connect to PostgreSQL"),
    )
}

/// Ends every server process serving connections named `name`.
async fn drop_connections(store: &SqlStore, name: &str) -> i64 {
    let ended: i64 = sqlx::query_scalar(
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1",
    )
    .bind(name)
    .fetch_one(store.pool())
    .await
    .expect("terminate the named connections");
    ended
}

async fn look_up(store: &SqlStore) -> Result<(), StoreError> {
    store.find_user(&new_id()).await.map(|_| ())
}

#[tokio::test]
async fn a_dropped_connection_fails_at_most_one_call_then_is_replaced() {
    let name = format!("portcullis-busy-{}", new_id());
    let Some(store) = named_store(&name).await else {
        return;
    };
    look_up(&store).await.expect("a first look-up");
    let other = named_store(&format!("{name}-killer"))
        .await
        .expect("a second store");
    let dropped = drop_connections(&other, &name).await;
    assert!(dropped >= 1, "the store's connections were dropped");
    // Each dropped connection may fail the one call that finds it dropped.
    for _ in 0..dropped {
        if let Err(err) = look_up(&store).await {
            assert!(
                matches!(err, StoreError::Unavailable(_)),
                "fails closed: {err:?}"
            );
        }
    }
    look_up(&store)
        .await
        .expect("then calls run on new connections");
}

#[tokio::test]
async fn a_connection_that_rested_is_checked_before_use() {
    let name = format!("portcullis-rested-{}", new_id());
    let Some(store) = named_store(&name).await else {
        return;
    };
    look_up(&store).await.expect("a first look-up");
    let other = named_store(&format!("{name}-killer"))
        .await
        .expect("a second store");
    assert!(
        drop_connections(&other, &name).await >= 1,
        "the store's connection was dropped"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    look_up(&store)
        .await
        .expect("a rested connection is pinged, found dropped, and replaced");
}
