//! A pooled PostgreSQL connection the database dropped may fail one call
//! (see `reconnect_idle.rs` and `reconnect_after_failure.rs` for when it
//! fails none): a refresh that fails so has spent nothing, so that the
//! client's retry succeeds rather than looking like reuse.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::str::FromStr;

use portcullis::store::{NewUser, RefreshFamily, SessionStore, StoreError, UserStore, new_id};
use portcullis_sqlx::SqlStore;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use support::{connection_name, drop_connections, named_url};
use time::OffsetDateTime;

/// A refresh on a connection the database dropped, with no check before
/// use at all (the worst case: a connection used again at once): it fails
/// without spending the token, and the retry rotates it.
#[tokio::test]
async fn a_refresh_failing_on_a_dropped_connection_spends_nothing() {
    let name = connection_name("refresh-dropped");
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
        drop_connections(&name, true).await >= 1,
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
