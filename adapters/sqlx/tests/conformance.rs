//! The core's store conformance suite against SQLite and PostgreSQL.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;

use portcullis::store::conformance::{self, OpaqueIds, Report};
use portcullis::store::new_id;
use portcullis_sqlx::SqlStore;

async fn sqlite() -> (SqlStore, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!("portcullis-conformance-{}.db", new_id()));
    let store = SqlStore::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .expect("open a SQLite file");
    (store, path)
}

/// The PostgreSQL URL, or `None` (and a note) when the tests should skip it.
fn postgres_url() -> Option<String> {
    let url = std::env::var("PORTCULLIS_TEST_POSTGRES_URL").ok();
    if url.is_none() {
        // Written past the test harness's capture, so the skip is seen.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: PostgreSQL conformance test (set PORTCULLIS_TEST_POSTGRES_URL to run it)"
        );
    }
    url
}

/// Every seam's suite: sessions keyed by the store's own users, the other
/// seams by ids of another shape (they must not assume UUIDs).
async fn every_seam(store: &SqlStore) -> Vec<Report> {
    vec![
        conformance::user_store(store).await,
        conformance::session_store(store, store).await,
        conformance::sessions_beside_users(store).await,
        conformance::session_store(store, &OpaqueIds).await,
        conformance::one_time_token_store(store, &OpaqueIds).await,
        conformance::api_token_store(store, &OpaqueIds).await,
        conformance::second_factor_store(store, &OpaqueIds).await,
        conformance::identity_store(store, &OpaqueIds).await,
        conformance::passkey_store(store, &OpaqueIds).await,
        conformance::rate_limiter(store).await,
        conformance::user_directory(store).await,
    ]
}

fn assert_all_passed(reports: &[Report]) {
    for report in reports {
        println!("{report}");
    }
    let failed: Vec<String> = reports
        .iter()
        .flat_map(|r| {
            r.failures()
                .map(move |c| format!("{}::{}", r.suite, c.name))
        })
        .collect();
    assert!(failed.is_empty(), "failed cases: {failed:?}");
}

#[tokio::test]
async fn sqlite_every_seam() {
    let (store, path) = sqlite().await;
    assert_all_passed(&every_seam(&store).await);
    store.close().await;
    let _ = std::fs::remove_file(path);
}

#[tokio::test]
async fn sqlite_migrations_are_idempotent() {
    let (store, path) = sqlite().await;
    store.close().await;
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let again = SqlStore::connect(&url)
        .await
        .expect("reopen and migrate again");
    conformance::user_store(&again).await.assert_passed();
    again.close().await;
    let _ = std::fs::remove_file(path);
}

#[tokio::test]
async fn postgres_every_seam() {
    let Some(url) = postgres_url() else { return };
    let store = SqlStore::connect(&url)
        .await
        .expect("connect to PostgreSQL");
    assert_all_passed(&every_seam(&store).await);
}

#[tokio::test]
async fn sqlite_limiter_is_shared_by_two_pools_on_one_file() {
    let (first, path) = sqlite().await;
    let second = SqlStore::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .expect("a second pool");
    conformance::shared_rate_limiter(&first, &second)
        .await
        .assert_passed();
    let _ = std::fs::remove_file(path);
}

#[tokio::test]
async fn postgres_limiter_is_shared_by_two_pools() {
    let Some(url) = postgres_url() else { return };
    let first = SqlStore::connect(&url)
        .await
        .expect("connect to PostgreSQL");
    let second = SqlStore::connect(&url).await.expect("a second pool");
    conformance::shared_rate_limiter(&first, &second)
        .await
        .assert_passed();
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_revocation_channel() {
    let Some(url) = postgres_url() else { return };
    let first = SqlStore::connect(&url)
        .await
        .expect("connect to PostgreSQL");
    let second = SqlStore::connect(&url).await.expect("a second pool");
    conformance::revocation_channel(
        &portcullis_sqlx::PgRevocations::new(&first, &url),
        &portcullis_sqlx::PgRevocations::new(&second, &url),
    )
    .await
    .assert_passed();
}

#[tokio::test]
async fn postgres_concurrent_start_up_migrates_once() {
    let Some(url) = postgres_url() else { return };
    let starts = futures_join(&url).await;
    assert!(
        starts.iter().all(Result::is_ok),
        "every instance starts: {starts:?}"
    );
}

async fn futures_join(url: &str) -> Vec<Result<SqlStore, portcullis::store::StoreError>> {
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let url = url.to_owned();
            tokio::spawn(async move { SqlStore::connect(&url).await })
        })
        .collect();
    let mut results = Vec::new();
    for handle in handles {
        results.push(handle.await.expect("join"));
    }
    results
}

#[tokio::test]
async fn closed_pool_is_unavailable_not_a_panic() {
    let (store, path) = sqlite().await;
    store.close().await;
    let err = portcullis::store::UserStore::find_user_by_email(&store, "a@b.co").await;
    assert!(
        matches!(err, Err(portcullis::store::StoreError::Unavailable(_))),
        "{err:?}"
    );
    let _ = std::fs::remove_file(path);
}
