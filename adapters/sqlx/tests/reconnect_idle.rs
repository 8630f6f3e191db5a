//! A pooled PostgreSQL connection the database dropped (a restart, an
//! administrator) while it sat idle for `RECHECK_IDLE_AFTER` fails no call:
//! the store checks it before use and replaces it. (A binary of its own:
//! a failure elsewhere in the process would have every connection checked.)

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use portcullis_sqlx::{RECHECK_IDLE_AFTER, SqlStore};
use support::{connection_name, drop_connections, look_up, named_url};

#[tokio::test]
async fn a_connection_dropped_while_idle_fails_no_call() {
    let name = connection_name("dropped");
    let Some(url) = named_url(&name) else {
        return;
    };
    let store = SqlStore::connect(&url)
        .await
        .expect("connect to PostgreSQL");
    look_up(&store).await.expect("a first look-up");
    assert!(
        drop_connections(&name, true).await >= 1,
        "the store's connections were dropped"
    );
    tokio::time::sleep(RECHECK_IDLE_AFTER).await;
    for call in 0..3 {
        look_up(&store)
            .await
            .unwrap_or_else(|err| panic!("call {call} after the drop failed: {err:?}"));
    }
}
