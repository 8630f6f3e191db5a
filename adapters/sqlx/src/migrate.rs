//! The embedded schema and the ledger of applied versions.

use std::future::Future;
use std::pin::Pin;

use portcullis::store::StoreError;
use sqlx::AnyPool;

use super::unavailable;

/// Every migration, oldest first; never edit one that has shipped.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_users_and_sessions.sql")),
    (2, include_str!("../migrations/0002_api_tokens.sql")),
    (3, include_str!("../migrations/0003_mfa.sql")),
    (4, include_str!("../migrations/0004_email_verification.sql")),
    (5, include_str!("../migrations/0005_oauth_identities.sql")),
];

type StoreFuture<'a> = Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + 'a>>;

/// Applies the migrations not yet in the ledger, each in its own transaction
/// that first claims its version: when a concurrent instance claimed it
/// first, ours is a conflict and is skipped.
pub(crate) async fn run(pool: &AnyPool) -> Result<(), StoreError> {
    let ledger = sqlx::query(
        "CREATE TABLE IF NOT EXISTS portcullis_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
    )
    .execute(pool)
    .await;
    match ledger.map_err(unavailable) {
        // PostgreSQL reports a concurrent CREATE TABLE IF NOT EXISTS as a
        // unique violation: the other instance made the ledger.
        Ok(_) | Err(StoreError::Conflict) => {}
        Err(e) => return Err(e),
    }
    for &(version, sql) in MIGRATIONS {
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT version FROM portcullis_migrations WHERE version = $1")
                .bind(version)
                .fetch_optional(pool)
                .await
                .map_err(unavailable)?;
        if applied.is_some() {
            continue;
        }
        match apply(pool, version, sql).await {
            Ok(()) => tracing::info!(version, "portcullis schema migrated"),
            Err(StoreError::Conflict) => {
                tracing::info!(version, "migration applied by another instance")
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// One migration in one transaction, its ledger row first.
///
/// Boxed as a `Send` future by hand: as a plain `async fn`, rustc cannot
/// prove the transaction's executor `Send` for every lifetime, and
/// `SqlStore::connect` could then not be spawned.
fn apply<'a>(pool: &'a AnyPool, version: i64, sql: &'static str) -> StoreFuture<'a> {
    Box::pin(async move {
        let mut tx = pool.begin().await.map_err(unavailable)?;
        sqlx::query("INSERT INTO portcullis_migrations (version, applied_at) VALUES ($1, $2)")
            .bind(version)
            .bind(time::OffsetDateTime::now_utc().unix_timestamp())
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        for statement in statements(sql) {
            sqlx::query(&statement)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
        }
        tx.commit().await.map_err(unavailable)
    })
}

/// The statements of a migration file: `--` comment lines dropped, the
/// rest split at semicolons. (Our own files only: no semicolons in literals.)
fn statements(sql: &str) -> Vec<String> {
    let code: String = sql
        .lines()
        .filter(|line| !line.trim_start().starts_with("--"))
        .flat_map(|line| [line, "\n"])
        .collect();
    code.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}
