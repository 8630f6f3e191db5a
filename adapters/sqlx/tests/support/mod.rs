//! What the reconnect tests share: connections named so that only they are
//! dropped. Each of those tests is a binary of its own, as the failures
//! they cause or count on are noted process-wide.
// Not every one of those binaries uses every helper.
#![allow(dead_code)]

use std::io::Write;

use portcullis::store::{StoreError, UserStore, new_id};
use portcullis_sqlx::SqlStore;

/// A name for a store's connections, short enough for PostgreSQL (which
/// cuts names at 63 bytes) with a suffix added.
pub fn connection_name(what: &str) -> String {
    format!("{what}-{}", &new_id()[..8])
}

/// The PostgreSQL URL naming its connections `name`; `None` (and a note)
/// when the tests should skip.
pub fn named_url(name: &str) -> Option<String> {
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

/// Ends every server process serving connections named `name` (waiting,
/// up to 5 s each, until it has exited when `wait`); how many there were.
pub async fn drop_connections(name: &str, wait: bool) -> i64 {
    let other = SqlStore::connect(&named_url(&format!("{name}-other")).unwrap())
        .await
        .expect("a second store");
    let timeout = if wait { 5000 } else { 0 };
    sqlx::query_scalar(
        "SELECT COUNT(*) FILTER (WHERE pg_terminate_backend(pid, $2)) \
         FROM pg_stat_activity WHERE application_name = $1",
    )
    .bind(name)
    .bind(timeout)
    .fetch_one(other.pool())
    .await
    .expect("terminate the named connections")
}

/// One call: a user looked up.
pub async fn look_up(store: &SqlStore) -> Result<(), StoreError> {
    store.find_user(&new_id()).await.map(|_| ())
}
