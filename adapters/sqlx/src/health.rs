//! When a PostgreSQL connection is checked before use: what the process
//! has seen of its database connections.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a PostgreSQL connection may have been idle in the pool and
/// still be handed out unchecked, while no connection has failed lately
/// (see [`SqlStore::connect`](crate::SqlStore::connect)).
pub const RECHECK_IDLE_AFTER: Duration = Duration::from_millis(100);

/// How long after a call failed on a broken connection every connection is
/// checked before use: a restart or an outage drops them all, and each
/// would otherwise fail one call of its own.
pub const CHECK_ALL_AFTER_FAILURE: Duration = Duration::from_secs(5);

static SINCE: LazyLock<Instant> = LazyLock::new(Instant::now);

/// Milliseconds after [`SINCE`] of the last connection failure, plus one
/// (0: none yet). Process-wide: the stores of one process reach their
/// databases the same way.
static LAST_FAILURE: AtomicU64 = AtomicU64::new(0);

fn now_millis() -> u64 {
    u64::try_from(SINCE.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1
}

/// Notes `err` if it says the connection, not the query, failed.
pub(crate) fn note(err: &sqlx::Error) {
    let broken = match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::WorkerCrashed => true,
        // SQLSTATE classes 08 (connection exception) and 57 (operator
        // intervention: shutdown, terminated by an administrator).
        sqlx::Error::Database(db) => {
            (db.code()).is_some_and(|code| code.starts_with("08") || code.starts_with("57"))
        }
        _ => false,
    };
    if broken {
        LAST_FAILURE.store(now_millis(), Ordering::Relaxed);
    }
}

/// Whether a PostgreSQL connection idle for `idle_for` is checked before
/// use: after [`RECHECK_IDLE_AFTER`] idle, and any connection within
/// [`CHECK_ALL_AFTER_FAILURE`] of a connection failure.
pub(crate) fn check_before_use(idle_for: Duration) -> bool {
    let last = LAST_FAILURE.load(Ordering::Relaxed);
    let since_failure = u128::from(now_millis().saturating_sub(last));
    let lately = last != 0 && since_failure < CHECK_ALL_AFTER_FAILURE.as_millis();
    idle_for >= RECHECK_IDLE_AFTER || lately
}
