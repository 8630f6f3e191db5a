//! The embedded schema and the ledger of applied versions.

use std::future::Future;
use std::pin::Pin;

use portcullis::store::StoreError;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection};

use super::unavailable;

/// One schema change: the same SQL for every database, or one text each.
enum Change {
    Portable(&'static str),
    PerDatabase {
        sqlite: &'static str,
        postgres: &'static str,
    },
}

/// Every migration, oldest first; never edit one that has shipped.
const MIGRATIONS: &[(i64, Change)] = &[
    (
        1,
        Change::Portable(include_str!("../migrations/0001_users_and_sessions.sql")),
    ),
    (
        2,
        Change::Portable(include_str!("../migrations/0002_api_tokens.sql")),
    ),
    (
        3,
        Change::Portable(include_str!("../migrations/0003_mfa.sql")),
    ),
    (
        4,
        Change::Portable(include_str!("../migrations/0004_email_verification.sql")),
    ),
    (
        5,
        Change::Portable(include_str!("../migrations/0005_oauth_identities.sql")),
    ),
    (
        6,
        Change::PerDatabase {
            sqlite: include_str!("../migrations/0006_independent_seams.sqlite.sql"),
            postgres: include_str!("../migrations/0006_independent_seams.postgres.sql"),
        },
    ),
    (
        7,
        Change::PerDatabase {
            sqlite: include_str!("../migrations/0007_shared_state.sqlite.sql"),
            postgres: include_str!("../migrations/0007_shared_state.postgres.sql"),
        },
    ),
    (
        8,
        Change::Portable(include_str!("../migrations/0008_session_activity.sql")),
    ),
    (
        9,
        Change::Portable(include_str!("../migrations/0009_passkeys.sql")),
    ),
    (
        10,
        Change::PerDatabase {
            sqlite: include_str!("../migrations/0010_refresh_successors.sqlite.sql"),
            postgres: include_str!("../migrations/0010_refresh_successors.postgres.sql"),
        },
    ),
    (
        11,
        Change::PerDatabase {
            sqlite: include_str!("../migrations/0011_refresh_tokens_unchecked.sqlite.sql"),
            postgres: include_str!("../migrations/0011_refresh_tokens_unchecked.postgres.sql"),
        },
    ),
];

type StoreFuture<'a> = Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + 'a>>;

/// The database a store speaks to, where their SQL differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

/// Applies the migrations not yet in the ledger, each in its own transaction
/// that first claims its version: when a concurrent instance claimed it
/// first, ours is a conflict and is skipped. Answers which database it is.
pub(crate) async fn run(pool: &AnyPool) -> Result<Backend, StoreError> {
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
    let mut conn = pool.acquire().await.map_err(unavailable)?;
    let sqlite = conn.backend_name().eq_ignore_ascii_case("sqlite");
    for (version, change) in MIGRATIONS {
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT version FROM portcullis_migrations WHERE version = $1")
                .bind(version)
                .fetch_optional(&mut *conn)
                .await
                .map_err(unavailable)?;
        if applied.is_some() {
            continue;
        }
        let sql = match change {
            Change::Portable(sql) => sql,
            Change::PerDatabase { sqlite: sql, .. } if sqlite => sql,
            Change::PerDatabase { postgres, .. } => postgres,
        };
        match apply(&mut conn, sqlite, *version, sql).await {
            Ok(()) => tracing::info!(version, "portcullis schema migrated"),
            Err(StoreError::Conflict) => {
                tracing::info!(version, "migration applied by another instance")
            }
            Err(e) => return Err(e),
        }
    }
    Ok(if sqlite {
        Backend::Sqlite
    } else {
        Backend::Postgres
    })
}

/// One migration in one transaction, its ledger row first. On SQLite,
/// foreign keys are off meanwhile (a table rebuild must not cascade) and
/// checked before the commit.
///
/// Boxed as a `Send` future by hand: as a plain `async fn`, rustc cannot
/// prove the transaction's executor `Send` for every lifetime, and
/// `SqlStore::connect` could then not be spawned.
fn apply<'a>(
    conn: &'a mut PoolConnection<Any>,
    sqlite: bool,
    version: i64,
    sql: &'static str,
) -> StoreFuture<'a> {
    Box::pin(async move {
        if sqlite {
            pragma(conn, "PRAGMA foreign_keys = OFF").await?;
        }
        let applied = in_transaction(conn, sqlite, version, sql).await;
        if sqlite {
            pragma(conn, "PRAGMA foreign_keys = ON").await?;
        }
        applied
    })
}

async fn in_transaction(
    conn: &mut AnyConnection,
    sqlite: bool,
    version: i64,
    sql: &'static str,
) -> Result<(), StoreError> {
    let mut tx = conn.begin().await.map_err(unavailable)?;
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
    if sqlite {
        let broken = sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&mut *tx)
            .await
            .map_err(unavailable)?;
        if !broken.is_empty() {
            return Err(StoreError::Unavailable(
                format!(
                    "migration {version} leaves {} broken references",
                    broken.len()
                )
                .into(),
            ));
        }
    }
    tx.commit().await.map_err(unavailable)
}

async fn pragma(conn: &mut AnyConnection, sql: &'static str) -> Result<(), StoreError> {
    sqlx::query(sql)
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(unavailable)
}

/// The statements of a migration file: `--` comment lines dropped, the
/// rest split at semicolons, except inside a trigger's `BEGIN … END`.
/// (Our own files only: no semicolons in literals.)
fn statements(sql: &str) -> Vec<String> {
    let code: String = sql
        .lines()
        .filter(|line| !line.trim_start().starts_with("--"))
        .flat_map(|line| [line, "\n"])
        .collect();
    let mut statements: Vec<String> = Vec::new();
    let mut trigger: Option<String> = None;
    for piece in code.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        match trigger.as_mut() {
            Some(body) if piece.eq_ignore_ascii_case("END") => {
                body.push_str("; END");
                statements.extend(trigger.take());
            }
            Some(body) => {
                body.push_str("; ");
                body.push_str(piece);
            }
            None if opens_trigger_body(piece) => trigger = Some(piece.to_owned()),
            None => statements.push(piece.to_owned()),
        }
    }
    // A trigger left open goes as it is, for the database to refuse.
    statements.extend(trigger);
    statements
}

/// Whether `piece` begins a SQLite trigger whose `BEGIN … END` body holds
/// semicolons (a PostgreSQL trigger calls a function and has none).
fn opens_trigger_body(piece: &str) -> bool {
    let mut words = piece.split_whitespace().map(str::to_ascii_uppercase);
    let creates_trigger = words.next().as_deref() == Some("CREATE")
        && words.by_ref().take(2).any(|word| word == "TRIGGER");
    creates_trigger && words.any(|word| word == "BEGIN")
}

#[cfg(test)]
mod tests {
    use super::statements;

    #[test]
    fn a_trigger_is_one_statement_among_others() {
        let sql = "-- a comment; with a semicolon\nALTER TABLE t ADD COLUMN c TEXT;\n\
                   CREATE TRIGGER g AFTER UPDATE ON t BEGIN\n    INSERT INTO u VALUES (1);\n    \
                   UPDATE v SET w = 2;\nEND;\nCREATE INDEX i ON t (c);\n";
        assert_eq!(
            statements(sql),
            [
                "ALTER TABLE t ADD COLUMN c TEXT",
                "CREATE TRIGGER g AFTER UPDATE ON t BEGIN\n    INSERT INTO u VALUES (1); \
                 UPDATE v SET w = 2; END",
                "CREATE INDEX i ON t (c)",
            ]
        );
    }

    #[test]
    fn a_trigger_without_a_body_ends_at_its_semicolon() {
        let sql = "CREATE TRIGGER g AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();\n\
                   create temp trigger h after delete on t begin\n    delete from u;\nend;\n\
                   DROP TABLE v;\n";
        assert_eq!(
            statements(sql),
            [
                "CREATE TRIGGER g AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()",
                "create temp trigger h after delete on t begin\n    delete from u; END",
                "DROP TABLE v",
            ]
        );
    }
}
