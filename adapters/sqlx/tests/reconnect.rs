//! A pooled PostgreSQL connection the database dropped (a restart, an
//! administrator): once it has been idle for `RECHECK_IDLE_AFTER` it fails
//! no call (the store checks it and replaces it); used sooner it may fail
//! one call, and a refresh that fails so has spent nothing, so that the
//! client's retry succeeds rather than looking like reuse.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::str::FromStr;

use portcullis::store::{NewUser, RefreshFamily, SessionStore, StoreError, UserStore, new_id};
use portcullis_sqlx::{RECHECK_IDLE_AFTER, SqlStore};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use time::OffsetDateTime;

/// The PostgreSQL URL naming its connections `name` (kept short: the
/// server cuts names at 63 bytes), so that only they are dropped; `None`
/// (and a note) when the tests should skip.
fn named_url(name: &str) -> Option<String> {
    let Ok(url) = std::env::var("PORTCULLIS_TEST_POSTGRES_URL") else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: PostgreSQL reconnect test (set PORTCULLIS_TEST_POSTGRES_URL to run it)"
        );
        return None;
    };
    let separator = if url.contains('?') { '&' } else { '?' };
    Some(format!("{url}{separator}application_name={name}"))
}

/// Ends every server process serving connections named `name`, waiting
/// (up to 5 s each) until it has exited; how many there were.
async fn drop_connections(name: &str) -> i64 {
    let other = SqlStore::connect(&named_url(&format!("{name}-other")).unwrap())
        .await
        .expect("a second store");
    sqlx::query_scalar(
        "SELECT COUNT(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) \
         FROM pg_stat_activity WHERE application_name = $1",
    )
    .bind(name)
    .fetch_one(other.pool())
    .await
    .expect("terminate the named connections")
}

async fn look_up(store: &SqlStore) -> Result<(), StoreError> {
    store.find_user(&new_id()).await.map(|_| ())
}

#[tokio::test]
async fn a_connection_dropped_while_idle_fails_no_call() {
    let name = format!("dropped-{}", &new_id()[..8]);
    let Some(url) = named_url(&name) else {
        return;
    };
    let store = SqlStore::connect(&url)
        .await
        .expect("connect to PostgreSQL");
    look_up(&store).await.expect("a first look-up");
    assert!(
        drop_connections(&name).await >= 1,
        "the store's connections were dropped"
    );
    tokio::time::sleep(RECHECK_IDLE_AFTER).await;
    for call in 0..3 {
        look_up(&store)
            .await
            .unwrap_or_else(|err| panic!("call {call} after the drop failed: {err:?}"));
    }
}

/// A refresh on a connection the database dropped, with no check before
/// use at all (the worst case: a connection used again at once): it fails
/// without spending the token, and the retry rotates it.
#[tokio::test]
async fn a_refresh_failing_on_a_dropped_connection_spends_nothing() {
    let name = format!("refresh-dropped-{}", &new_id()[..8]);
    let Some(url) = named_url(&name) else {
        return;
    };
    let options = AnyConnectOptions::from_str(&url).unwrap();
    sqlx::any::install_default_drivers();
    // One connection: the one dropped, then its replacement.
    let unchecked = AnyPoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .expect("connect to PostgreSQL");
    let store = SqlStore::from_pool(unchecked).await.expect("migrate");
    let now = OffsetDateTime::now_utc();
    let user = store
        .create_user(NewUser::new(
            &format!("{}@example.com", new_id()),
            "user",
            None,
            now,
        ))
        .await
        .unwrap();
    let family = RefreshFamily {
        id: new_id(),
        user_id: user.id,
        amr: vec!["pwd".into()],
        remember: false,
        created_at: now,
        expires_at: now + time::Duration::DAY,
        revoked_at: None,
        last_used_at: now,
        client: None,
    };
    let token = new_id();
    store.create_family(&family, &token).await.unwrap();
    // Back in the pool (checked on its way there) before the drop.
    while store.pool().num_idle() < 1 {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }

    assert!(
        drop_connections(&name).await >= 1,
        "the store's connections were dropped"
    );
    let refused = store
        .rotate_live_refresh_token_with_user(&token, &new_id(), now, None)
        .await;
    assert!(
        matches!(refused, Err(StoreError::Unavailable(_))),
        "a call on the dropped connection fails: {refused:?}"
    );
    let found = store.find_refresh_token(&token).await.unwrap().unwrap();
    assert_eq!(found.used_at, None, "the failed refresh spent nothing");
    let retried = store
        .rotate_live_refresh_token_with_user(&token, &new_id(), now, None)
        .await
        .unwrap();
    assert!(retried.is_some(), "the retry rotates the token");
}
