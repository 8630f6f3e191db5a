//! A refresh's rotation reads the session's user in the same statement, on
//! SQLite and PostgreSQL: the user as the users table has it now (role,
//! active flag), and a deleted user as missing.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;

use portcullis::store::{
    NewUser, RefreshFamily, SessionStore, SessionUser, UserChanges, UserDirectory, UserStore,
    new_id,
};
use portcullis_sqlx::SqlStore;
use time::OffsetDateTime;

fn at(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000 + seconds).unwrap()
}

/// Rotates `spent` into a new token at `now`: the family's user as read,
/// and the new token's digest.
async fn rotate(store: &SqlStore, spent: &str, now: OffsetDateTime) -> (SessionUser, String) {
    let next = new_id();
    let (_, owner) = store
        .rotate_live_refresh_token_with_user(spent, &next, now, None)
        .await
        .unwrap()
        .expect("a live token rotates");
    (owner, next)
}

async fn reads_the_user_as_it_is_now(store: &SqlStore) {
    let user = store
        .create_user(NewUser::new(
            &format!("{}@example.com", new_id()),
            "user",
            None,
            at(0),
        ))
        .await
        .unwrap();
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
    let first = new_id();
    store.create_family(&family, &first).await.unwrap();

    let (owner, second) = rotate(store, &first, at(60)).await;
    let stored = store.find_user(&user.id).await.unwrap().unwrap();
    assert_eq!(
        owner,
        SessionUser::Found(stored),
        "the user, as find_user has it"
    );

    let mut demoted = UserChanges::default();
    demoted.role = Some("guest".into());
    demoted.is_active = Some(false);
    let changed = store.update_user(&user.id, demoted).await.unwrap();
    let (owner, third) = rotate(store, &second, at(120)).await;
    assert_eq!(
        owner,
        SessionUser::Found(changed),
        "its role and active flag as changed"
    );

    // The store deletes the user's row only (the service ends its sessions).
    assert!(store.delete_user(&user.id).await.unwrap());
    let (owner, _) = rotate(store, &third, at(180)).await;
    assert_eq!(
        owner,
        SessionUser::Missing,
        "a deleted user reads as missing"
    );
}

#[tokio::test]
async fn sqlite_rotation_reads_the_user() {
    let path = std::env::temp_dir().join(format!("portcullis-rotation-{}.db", new_id()));
    let store = SqlStore::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    reads_the_user_as_it_is_now(&store).await;
    store.close().await;
    let _ = std::fs::remove_file(path);
}

#[tokio::test]
async fn postgres_rotation_reads_the_user() {
    let Ok(url) = std::env::var("PORTCULLIS_TEST_POSTGRES_URL") else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: PostgreSQL rotation test (set PORTCULLIS_TEST_POSTGRES_URL to run it)"
        );
        return;
    };
    let store = SqlStore::connect(&url).await.unwrap();
    reads_the_user_as_it_is_now(&store).await;
}
