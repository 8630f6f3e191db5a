//! [`PgRevocations`]: strict sessions' revocations through PostgreSQL.

use std::collections::VecDeque;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::stream;
use portcullis::revocation::{Published, RevocationChannel, Subscription};
use portcullis::store::StoreError;
use sqlx::postgres::PgListener;
use sqlx::{AnyPool, Row};
use time::OffsetDateTime;

use super::{SqlStore, unavailable};

/// The `NOTIFY` channel; each notification carries an event's row id.
const CHANNEL: &str = "portcullis_revocations";
/// How long a silent listener waits before it checks that its connection
/// still stands: a half-open connection must not pass for a quiet channel.
const HEARTBEAT: Duration = Duration::from_secs(15);

/// Carries revocations to every instance through the database they share:
/// each event is a row of `portcullis_revocations` (kept for as long as an
/// access token can live, so that an instance that starts or reconnects
/// catches up) announced by `NOTIFY` with its id. For a fleet on
/// PostgreSQL without Redis.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use portcullis::{Auth, AuthConfig};
/// use portcullis_sqlx::{PgRevocations, SqlStore};
///
/// let url = "postgres://postgres@127.0.0.1/app";
/// let store = SqlStore::connect(url).await?;
/// let mut config = AuthConfig::new(b"a secret of at least 32 bytes....".to_vec());
/// config.sessions.strict = true;
/// let auth = Auth::builder(config)
///     .revocations(PgRevocations::new(&store, url))
///     .rate_limiter(store.clone())
///     .store(store)
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PgRevocations {
    pool: AnyPool,
    url: String,
}

impl PgRevocations {
    /// Revocations in `store`'s database; `url` (the same database) is
    /// where each subscriber opens the connection it listens on.
    pub fn new(store: &SqlStore, url: impl Into<String>) -> Self {
        Self {
            pool: store.pool.clone(),
            url: url.into(),
        }
    }
}

#[async_trait]
impl RevocationChannel for PgRevocations {
    async fn publish(&self, event: &Published, keep: Duration) -> Result<(), StoreError> {
        let json = serde_json::to_string(event).map_err(|e| StoreError::Unavailable(e.into()))?;
        let keep = i64::try_from(keep.as_secs()).unwrap_or(i64::MAX / 2);
        sqlx::query(
            "WITH event AS (INSERT INTO portcullis_revocations (at, forget_at, event) \
             VALUES ($1, $2, $3) RETURNING id) \
             SELECT pg_notify('portcullis_revocations', id::text) FROM event",
        )
        .bind(event.at)
        .bind(event.at.saturating_add(keep))
        .bind(json)
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        sqlx::query("DELETE FROM portcullis_revocations WHERE forget_at < $1")
            .bind(event.at)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn subscribe(&self, since: OffsetDateTime) -> Result<Subscription, StoreError> {
        // Listen first, then read the history: an event between the two
        // comes twice rather than never.
        let mut listener = PgListener::connect(&self.url).await.map_err(unavailable)?;
        listener.listen(CHANNEL).await.map_err(unavailable)?;
        let rows =
            sqlx::query("SELECT event FROM portcullis_revocations WHERE at >= $1 ORDER BY id")
                .bind(since.unix_timestamp())
                .fetch_all(&self.pool)
                .await
                .map_err(unavailable)?;
        let history = rows.iter().map(event).collect::<Result<_, _>>()?;
        let live = Live {
            listener,
            pool: self.pool.clone(),
            ready: VecDeque::new(),
            lost: false,
        };
        Ok(Subscription {
            history,
            live: Box::pin(stream::unfold(live, Live::next)),
        })
    }
}

fn event(row: &sqlx::any::AnyRow) -> Result<Published, StoreError> {
    let json: String = row.try_get("event").map_err(unavailable)?;
    serde_json::from_str(&json).map_err(|e| StoreError::Unavailable(e.into()))
}

/// A subscription's live half: notifications, each read back by its id.
struct Live {
    listener: PgListener,
    pool: AnyPool,
    ready: VecDeque<Published>,
    lost: bool,
}

impl Live {
    async fn next(mut self) -> Option<(Result<Published, StoreError>, Self)> {
        loop {
            if self.lost {
                return None;
            }
            if let Some(event) = self.ready.pop_front() {
                return Some((Ok(event), self));
            }
            if let Err(err) = self.receive().await {
                self.lost = true;
                return Some((Err(err), self));
            }
        }
    }

    /// Waits for the next notification and reads its event, checking the
    /// connection whenever it has been quiet for a heartbeat.
    async fn receive(&mut self) -> Result<(), StoreError> {
        let lost = || StoreError::Unavailable("the PostgreSQL listener lost its connection".into());
        let notification = match tokio::time::timeout(HEARTBEAT, self.listener.try_recv()).await {
            Ok(received) => received.map_err(unavailable)?.ok_or_else(lost)?,
            Err(_quiet) => {
                let ping = sqlx::query("SELECT 1").execute(&mut self.listener);
                return match tokio::time::timeout(HEARTBEAT, ping).await {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err(err)) => Err(unavailable(err)),
                    Err(_) => Err(lost()),
                };
            }
        };
        let id: i64 = notification.payload().parse().map_err(|_| lost())?;
        let row = sqlx::query("SELECT event FROM portcullis_revocations WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        if let Some(row) = row {
            self.ready.push_back(event(&row)?);
        }
        Ok(())
    }
}
