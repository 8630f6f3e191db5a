//! SQLite and PostgreSQL stores for [`portcullis`], on sqlx.
//!
//! One [`SqlStore`] serves both databases: it speaks portable SQL through
//! sqlx's `Any` driver, and the URL picks the database. It implements every
//! storage seam of portcullis, one file per seam (mirroring
//! `portcullis::store`), so `Auth::builder(config).store(sql)` keeps
//! everything in the database, and `.users(my_users).store(sql)` keeps
//! everything but the users, keyed by the ids the app's own user store
//! mints: no table of ours refers to `portcullis_users`.
//!
//! ```no_run
//! # async fn run() -> Result<(), portcullis::store::StoreError> {
//! use portcullis_sqlx::SqlStore;
//!
//! let sqlite = SqlStore::connect("sqlite://portcullis.db?mode=rwc").await?;
//! let postgres = SqlStore::connect("postgres://postgres@127.0.0.1/app").await?;
//! # Ok(()) }
//! ```
//!
//! [`SqlStore::connect`] runs the embedded migrations before it returns.
//! They keep their own ledger, the `portcullis_migrations` table, so they
//! never collide with the host application's own sqlx migrations in the same
//! database; several instances starting at once apply each migration once.
//! Every table is prefixed `portcullis_`.
//!
//! `SqlStore` is also a [`RateLimiter`](portcullis::store::RateLimiter)
//! (one statement per decision), for a fleet without Redis; one process is
//! better served by the in-memory limiter. With PostgreSQL (feature `postgres`),
//! `PgRevocations` carries strict sessions' revocations to every instance
//! by `LISTEN/NOTIFY`.

#![warn(unreachable_pub)]

mod api_tokens;
mod directory;
mod health;
mod identities;
mod limits;
mod migrate;
mod one_time;
mod passkeys;
#[cfg(feature = "postgres")]
mod revocations;
mod rotations;
mod second_factors;
mod sessions;
mod users;

pub use health::{CHECK_ALL_AFTER_FAILURE, RECHECK_IDLE_AFTER};
#[cfg(feature = "postgres")]
pub use revocations::PgRevocations;

use std::str::FromStr;
use std::time::Duration;

use portcullis::store::StoreError;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Connection};
use time::OffsetDateTime;

/// Every storage seam in SQLite or PostgreSQL. Cheap to clone (a pool handle).
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: migrate::Backend,
    /// SQLite files' refresh rotations, committed together (see
    /// `rotations`); through the pool otherwise.
    rotations: Option<rotations::Rotations>,
}

impl SqlStore {
    /// Connects to `sqlite://…` or `postgres://…` and migrates the schema.
    ///
    /// SQLite connections use WAL journaling, a 5 s busy timeout and foreign
    /// keys. `sqlite::memory:` gives every pooled connection its own empty
    /// database: use a file (or `?mode=memory&cache=shared`) instead.
    ///
    /// The pool keeps up to 10 SQLite connections, and two PostgreSQL
    /// connections per core this process may use (at least 4, at most 10):
    /// a pool larger than the work only spreads it over more database
    /// processes.
    ///
    /// On a SQLite file, refresh rotations bypass the pool: one connection
    /// of their own runs the rotations waiting at once in one transaction
    /// (one lock, one `fsync` for all) and answers each only once it is
    /// committed; a batch that fails spends nothing. SQLite in memory, and
    /// a pool passed to [`from_pool`](Self::from_pool), rotate through the
    /// pool.
    ///
    /// A PostgreSQL connection idle for [`RECHECK_IDLE_AFTER`] or longer
    /// is checked (pinged) as the pool hands it out, so that one a restart
    /// or an administrator dropped while the pool was quiet is replaced
    /// rather than failing a call; for [`CHECK_ALL_AFTER_FAILURE`] after a
    /// call failed on a broken connection (a restart, an outage), every
    /// one is. A busy pool's connections are otherwise not: sqlx already
    /// pings every connection as it comes back to the pool, and a check
    /// before each use as well cost a busy server a fifth of its refreshes.
    /// So only a connection dropped within that time of its last use, with
    /// no failure seen before, fails its next call (503) and is replaced.
    /// Where this store keeps both the users and the sessions
    /// (`AuthBuilder::store`), a refresh is one statement that spends its
    /// token and reads the user together, so a refresh that fails so has
    /// spent nothing and the client's retry succeeds; with users kept
    /// elsewhere, and in the flows that spend a one-time link and then
    /// write, the second call may be the one that fails. For a check before
    /// every use, pass a pool of your own to [`from_pool`](Self::from_pool).
    /// A SQLite connection, which nothing but this process can drop, is not
    /// checked.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let options = AnyConnectOptions::from_str(url).map_err(unavailable)?;
        let sqlite = url.starts_with("sqlite:");
        let pool = AnyPoolOptions::new()
            .max_connections(if sqlite { 10 } else { postgres_connections() })
            .acquire_timeout(Duration::from_secs(5))
            .test_before_acquire(false);
        let pool = if sqlite {
            pool
        } else {
            // An error closes the connection, and the pool opens another.
            pool.before_acquire(|connection, meta| {
                Box::pin(async move {
                    if health::check_before_use(meta.idle_for) {
                        connection.ping().await?;
                    }
                    Ok(true)
                })
            })
        };
        let pool = pool
            .connect_with(options.clone())
            .await
            .map_err(unavailable)?;
        // A database in memory is one connection's (or one shared cache's):
        // only a file is shared with a connection of the rotations' own.
        let rotations = (sqlite && !url.contains("memory"))
            .then(|| rotations::Rotations::start(options, pool.close_event()));
        if sqlite {
            // Persistent in the file: readers no longer block the writer.
            // (sqlx already sets a 5 s busy timeout and foreign keys.)
            sqlx::raw_sql("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await
                .map_err(unavailable)?;
        }
        Ok(Self {
            rotations,
            ..Self::from_pool(pool).await?
        })
    }

    /// Uses an existing pool (for your own pool settings) and migrates the schema.
    pub async fn from_pool(pool: AnyPool) -> Result<Self, StoreError> {
        let backend = migrate::run(&pool).await?;
        Ok(Self {
            pool,
            backend,
            rotations: None,
        })
    }

    /// The pool, for your own queries.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes the pool; later calls fail with [`StoreError::Unavailable`].
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// How many PostgreSQL connections [`SqlStore::connect`] keeps: two per
/// core this process may use, at least 4 and at most 10 (sqlx's default).
///
/// Few on purpose. sqlx hands out the longest-idle connection and checks
/// each one as it comes back, so a pool larger than the work cycles through
/// all its connections, and the database through as many processes: with
/// 10 on two cores, four clients refreshing cost PostgreSQL 342 µs of CPU
/// per refresh, with 4 connections 267 µs, and the refresh rate rose by
/// 14% (one run each). For another size, pass your own pool to
/// [`SqlStore::from_pool`].
fn postgres_connections() -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    u32::try_from(cores.saturating_mul(2)).map_or(10, |twice| twice.clamp(4, 10))
}

/// Unique violations are conflicts; every other failure fails closed
/// (and, if the connection broke, has the next ones checked).
fn unavailable(err: sqlx::Error) -> StoreError {
    health::note(&err);
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
        _ => StoreError::Unavailable(Box::new(err)),
    }
}

fn seconds(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

fn time_at(secs: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp(secs).map_err(|e| StoreError::Unavailable(Box::new(e)))
}

/// Reads a 0/1 flag column.
fn flag(row: &sqlx::any::AnyRow, column: &str) -> Result<bool, StoreError> {
    use sqlx::Row;
    row.try_get::<i64, _>(column)
        .map(|v| v != 0)
        .map_err(unavailable)
}
