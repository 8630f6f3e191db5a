//! A pooled PostgreSQL connection the database dropped (a restart, an
//! administrator) fails no call: the store checks a connection before each
//! use and replaces a dropped one. A refresh spends its token and then
//! reads the user; a failure between the two would end the session.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;

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

/// Ends every server process serving connections named `name`, waiting
/// (up to 5 s each) until it has exited; how many there were.
async fn drop_connections(store: &SqlStore, name: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) \
         FROM pg_stat_activity WHERE application_name = $1",
    )
    .bind(name)
    .fetch_one(store.pool())
    .await
    .expect("terminate the named connections")
}

async fn look_up(store: &SqlStore) -> Result<(), StoreError> {
    store.find_user(&new_id()).await.map(|_| ())
}

#[tokio::test]
async fn a_connection_the_database_dropped_fails_no_call() {
    let name = format!("portcullis-dropped-{}", new_id());
    let Some(store) = named_store(&name).await else {
        return;
    };
    look_up(&store).await.expect("a first look-up");
    let other = named_store(&format!("{name}-other"))
        .await
        .expect("a second store");
    assert!(
        drop_connections(&other, &name).await >= 1,
        "the store's connections were dropped"
    );
    for call in 0..3 {
        look_up(&store)
            .await
            .unwrap_or_else(|err| panic!("call {call} after the drop failed: {err:?}"));
    }
}
