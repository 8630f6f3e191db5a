//! On a SQLite file, refresh rotations waiting at once are committed
//! together by a connection of their own: each answer is its own session's
//! (whichever others in the batch rotated nothing),
//! every one answered is stored, a batch that fails spends nothing, and a
//! closed store rotates nothing.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use portcullis::store::{NewUser, RefreshFamily, SessionStore, StoreError, UserStore, new_id};
use portcullis_sqlx::SqlStore;
use sqlx::Connection;
use time::OffsetDateTime;

fn at(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000 + seconds).unwrap()
}

fn scratch() -> (PathBuf, String) {
    let path = std::env::temp_dir().join(format!("portcullis-together-{}.db", new_id()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    (path, url)
}

/// `count` new sessions of one user: each family and its first token.
async fn sessions(store: &SqlStore, count: usize) -> Vec<(RefreshFamily, String)> {
    let email = format!("{}@example.com", new_id());
    let user = (store
        .create_user(NewUser::new(&email, "user", None, at(0)))
        .await)
        .unwrap();
    let mut made = Vec::new();
    for _ in 0..count {
        let family = RefreshFamily {
            id: new_id(),
            user_id: user.id.clone(),
            amr: vec!["pwd".into()],
            remember: false,
            created_at: at(0),
            expires_at: at(86_400),
            revoked_at: None,
            last_used_at: at(0),
            client: None,
        };
        let token = new_id();
        store.create_family(&family, &token).await.unwrap();
        made.push((family, token));
    }
    made
}

#[tokio::test]
async fn rotations_at_once_each_answer_their_own_session_and_are_all_stored() {
    let (path, url) = scratch();
    let store = SqlStore::connect(&url).await.unwrap();
    let made = sessions(&store, 24).await;
    // Each rotation follows a token no session has, which rotates nothing.
    let mut rotations = Vec::new();
    let mut strangers = Vec::new();
    for (family, spent) in &made {
        let (stranger, next) = (new_id(), new_id());
        let rotated = store.clone();
        strangers.push(tokio::spawn(async move {
            (rotated.rotate_live_refresh_token(&stranger, &next, at(60), None)).await
        }));
        let (rotated, family, spent) = (store.clone(), family.id.clone(), spent.clone());
        rotations.push(tokio::spawn(async move {
            let next = new_id();
            let outcome = rotated.rotate_live_refresh_token(&spent, &next, at(60), None);
            (family, outcome.await, spent, next)
        }));
    }
    for stranger in futures_util::future::join_all(strangers).await {
        assert_eq!(
            stranger.unwrap().unwrap(),
            None,
            "an unknown token rotates nothing"
        );
    }
    let rotated = futures_util::future::join_all(rotations).await;

    // A store of its own sees only what was committed.
    let reopened = SqlStore::connect(&url).await.unwrap();
    for outcome in rotated {
        let (family, rotated, spent, next) = outcome.unwrap();
        let answered = rotated.unwrap().expect("a live token rotates");
        assert_eq!(answered.id, family, "each rotation answers its own session");
        let spent = reopened.find_refresh_token(&spent).await.unwrap().unwrap();
        assert!(spent.used_at.is_some(), "the spent token is stored spent");
        let next = reopened.find_refresh_token(&next).await.unwrap().unwrap();
        assert_eq!((next.family.id, next.used_at), (family, None));
    }
    reopened.close().await;
    store.close().await;
    let _ = std::fs::remove_file(path);
}

#[tokio::test]
async fn a_batch_that_cannot_commit_spends_nothing_and_its_retry_rotates() {
    let (path, url) = scratch();
    let store = SqlStore::connect(&url).await.unwrap();
    let made = sessions(&store, 2).await;

    // Another connection holds the write lock past the busy timeout (5 s).
    let mut holder = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::raw_sql("BEGIN IMMEDIATE")
        .execute(&mut holder)
        .await
        .unwrap();
    let attempts = made.iter().map(|(_, spent)| {
        let (store, spent) = (store.clone(), spent.clone());
        tokio::spawn(async move {
            let next = new_id();
            (store.rotate_live_refresh_token(&spent, &next, at(60), None)).await
        })
    });
    for attempt in futures_util::future::join_all(attempts).await {
        assert!(
            matches!(attempt.unwrap(), Err(StoreError::Unavailable(_))),
            "a rotation that could not commit fails closed"
        );
    }
    sqlx::raw_sql("ROLLBACK")
        .execute(&mut holder)
        .await
        .unwrap();

    for (family, spent) in &made {
        let token = store.find_refresh_token(spent).await.unwrap().unwrap();
        assert_eq!(token.used_at, None, "a failed batch spends nothing");
        let retried = store
            .rotate_live_refresh_token(spent, &new_id(), at(61), None)
            .await;
        let rotated = retried.unwrap().expect("the retry rotates");
        assert_eq!(rotated.id, family.id);
    }
    store.close().await;
    let _ = std::fs::remove_file(path);
}

#[tokio::test]
async fn a_closed_store_rotates_nothing() {
    let (path, url) = scratch();
    let store = SqlStore::connect(&url).await.unwrap();
    let (_, spent) = sessions(&store, 1).await.remove(0);
    store.close().await;
    let rotated = store
        .rotate_live_refresh_token(&spent, &new_id(), at(60), None)
        .await;
    assert!(matches!(rotated, Err(StoreError::Unavailable(_))));

    let reopened = SqlStore::connect(&url).await.unwrap();
    let token = reopened.find_refresh_token(&spent).await.unwrap().unwrap();
    assert_eq!(token.used_at, None, "the token is still unspent");
    reopened.close().await;
    let _ = std::fs::remove_file(path);
}
