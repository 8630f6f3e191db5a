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
async fn of_two_rotations_of_one_token_in_a_batch_the_one_that_spent_it_gets_its_row() {
    let (path, url) = scratch();
    let store = SqlStore::connect(&url).await.unwrap();
    let (family, spent) = sessions(&store, 1).await.remove(0);
    // The first comes after the session's end and is refused; the second,
    // queued behind it in the same batch, spends the token.
    let rotate = |now, next: &str| {
        let (store, spent, next) = (store.clone(), spent.clone(), next.to_owned());
        tokio::spawn(
            async move { (store.rotate_live_refresh_token(&spent, &next, now, None)).await },
        )
    };
    let (too_late, in_time) = (new_id(), new_id());
    let refused = rotate(at(86_401), &too_late);
    let rotated = rotate(at(60), &in_time);
    assert_eq!(
        refused.await.unwrap().unwrap(),
        None,
        "the late rotation gets no row"
    );
    let rotated = rotated
        .await
        .unwrap()
        .unwrap()
        .expect("the one in time rotates");
    assert_eq!(rotated.id, family.id);
    let added = store.find_refresh_token(&in_time).await.unwrap();
    assert_eq!(
        added.map(|token| token.used_at),
        Some(None),
        "its successor is the one added"
    );
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
async fn a_rotation_whose_caller_gave_up_while_it_waited_spends_nothing() {
    let (path, url) = scratch();
    let store = SqlStore::connect(&url).await.unwrap();
    let made = sessions(&store, 2).await;
    let rotate = |spent: &str| {
        let (store, spent) = (store.clone(), spent.to_owned());
        tokio::spawn(async move {
            (store.rotate_live_refresh_token(&spent, &new_id(), at(60), None)).await
        })
    };

    // The first batch waits for the write lock; the second rotation waits
    // behind it, and its caller gives up.
    let mut holder = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::raw_sql("BEGIN IMMEDIATE")
        .execute(&mut holder)
        .await
        .unwrap();
    let first = rotate(&made[0].1);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let second = rotate(&made[1].1);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    second.abort();
    assert!(second.await.unwrap_err().is_cancelled());
    sqlx::raw_sql("ROLLBACK")
        .execute(&mut holder)
        .await
        .unwrap();

    let rotated = first.await.unwrap().unwrap().expect("the first rotates");
    assert_eq!(rotated.id, made[0].0.id);
    // Once a rotation queued after it is answered, the queue is past it.
    assert!(
        rotate(&made[0].1).await.unwrap().unwrap().is_none(),
        "spent before"
    );
    let abandoned = store.find_refresh_token(&made[1].1).await.unwrap().unwrap();
    assert_eq!(
        abandoned.used_at, None,
        "a rotation nobody waits for spends nothing"
    );
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
