//! Ids the SQL store never mints (it mints UUIDs) are refused before any
//! query with `InvalidId`, which the service answers as a malformed id, not
//! as an account nobody has. The conformance suite allows either answer, so
//! this store's choice is pinned here.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use portcullis::store::{StoreError, UserChanges, UserDirectory, UserStore, new_id};
use portcullis_sqlx::SqlStore;

#[tokio::test]
async fn ids_it_never_mints_are_refused_before_any_query() {
    let path = std::env::temp_dir().join(format!("portcullis-ids-{}.db", new_id()));
    let store = SqlStore::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .expect("open a SQLite file");
    for junk in ["not-a-uuid", "", "1' OR '1'='1"] {
        assert!(
            matches!(store.find_user(junk).await, Err(StoreError::InvalidId)),
            "find {junk:?}"
        );
        assert!(
            matches!(
                store.update_user(junk, UserChanges::default()).await,
                Err(StoreError::InvalidId)
            ),
            "update {junk:?}"
        );
        assert!(
            matches!(store.delete_user(junk).await, Err(StoreError::InvalidId)),
            "delete {junk:?}"
        );
    }
    assert!(
        matches!(store.find_user(&new_id()).await, Ok(None)),
        "a well-formed id nobody has is nobody"
    );
    let _ = std::fs::remove_file(path);
}
