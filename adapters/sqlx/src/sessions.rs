//! [`SessionStore`] for [`SqlStore`]: refresh families and their tokens.

use std::sync::LazyLock;

use async_trait::async_trait;
use portcullis::store::{RefreshFamily, RefreshToken, SessionStore, SessionUser, StoreError};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use super::{SqlStore, flag, rotations, seconds, time_at, unavailable, users};
use crate::migrate::Backend;

const FAMILY_COLUMNS: &str = "f.id, f.user_id, f.amr, f.remember, f.created_at, f.expires_at, \
     f.revoked_at, f.last_used_at, f.client";

fn family(row: &AnyRow) -> Result<RefreshFamily, StoreError> {
    let amr: String = row.try_get("amr").map_err(unavailable)?;
    let revoked_at: Option<i64> = row.try_get("revoked_at").map_err(unavailable)?;
    let created_at = time_at(row.try_get("created_at").map_err(unavailable)?)?;
    // Sessions from before schema 8 were never marked: their start stands in.
    let last_used_at: Option<i64> = row.try_get("last_used_at").map_err(unavailable)?;
    Ok(RefreshFamily {
        id: row.try_get("id").map_err(unavailable)?,
        user_id: row.try_get("user_id").map_err(unavailable)?,
        amr: amr.split_whitespace().map(str::to_owned).collect(),
        remember: flag(row, "remember")?,
        created_at,
        expires_at: time_at(row.try_get("expires_at").map_err(unavailable)?)?,
        revoked_at: revoked_at.map(time_at).transpose()?,
        last_used_at: last_used_at.map_or(Ok(created_at), time_at)?,
        client: row.try_get("client").map_err(unavailable)?,
    })
}

/// A rotation on PostgreSQL, whose data-modifying CTEs run it in one
/// statement (SQLite has none: there a trigger does the same). It first
/// locks the family — only a live one matches (not revoked, expiring after
/// `$5`, last used after `$4`), so a revocation committed meanwhile is seen
/// and a later one waits — then spends the token only if it is unspent (of
/// concurrent rotations of one token exactly one matches) and names its
/// successor; only a spent token marks the family used and adds the
/// successor, so a rotation that fails writes nothing. The family comes
/// back (as it was found) when the token was spent, and with `read_user`
/// its user beside it (see [`user_columns`]).
fn postgres_rotation(read_user: bool) -> String {
    let (user, join) = if read_user {
        let columns = user_columns(|column| format!("u.{column}"));
        (
            format!(", {columns}"),
            "LEFT JOIN portcullis_users u ON u.id = f.user_id",
        )
    } else {
        (String::new(), "")
    };
    format!(
        "WITH live AS ( \
            SELECT f.* FROM portcullis_refresh_families f \
            WHERE revoked_at IS NULL AND expires_at > $5 \
              AND COALESCE(last_used_at, created_at) > $4 AND id = \
                (SELECT family_id FROM portcullis_refresh_tokens WHERE token_hash = $2) \
            FOR UPDATE), \
        spent AS ( \
            UPDATE portcullis_refresh_tokens SET used_at = $1, successor_hash = $3 \
            WHERE token_hash = $2 AND used_at IS NULL AND family_id IN (SELECT id FROM live) \
            RETURNING family_id), \
        touched AS ( \
            UPDATE portcullis_refresh_families SET last_used_at = $1 \
            WHERE id IN (SELECT family_id FROM spent)), \
        added AS ( \
            INSERT INTO portcullis_refresh_tokens (token_hash, family_id, used_at) \
            SELECT $3, family_id, NULL FROM spent) \
        SELECT {FAMILY_COLUMNS}{user} FROM live f {join} \
        WHERE f.id IN (SELECT family_id FROM spent)"
    )
}

/// A rotation on SQLite, in one statement too. The conditional update is
/// the arbiter: of concurrent rotations of one token, the database lets
/// exactly one see `used_at IS NULL`, and only while its family is live
/// (SQLite serialises writers, so a revocation is either before it or waits
/// for it). Naming the successor fires the trigger of schema 10, which adds
/// it and marks the family used. SQLite's `RETURNING` names only the updated
/// table, so the family (as it was found), and with `read_user` its user,
/// come back column by column, beside the successor it added (by which a
/// batch of rotations, see `rotations`, tells whose row is whose).
fn sqlite_rotation(read_user: bool) -> String {
    let of_family = |column: &str| {
        format!(
            "(SELECT {column} FROM portcullis_refresh_families \
             WHERE id = portcullis_refresh_tokens.family_id)"
        )
    };
    let family = names(FAMILY_COLUMNS).map(|column| format!("{} AS {column}", of_family(column)));
    let mut returned: Vec<String> = family.collect();
    returned.push(format!("successor_hash AS {}", rotations::SUCCESSOR));
    if read_user {
        let user_id = of_family("user_id");
        returned.push(user_columns(|column| {
            format!("(SELECT {column} FROM portcullis_users WHERE id = {user_id})")
        }));
    }
    format!(
        "UPDATE portcullis_refresh_tokens SET used_at = $1, successor_hash = $3 \
         WHERE token_hash = $2 AND used_at IS NULL AND family_id IN \
            (SELECT id FROM portcullis_refresh_families WHERE revoked_at IS NULL \
             AND expires_at > $5 AND COALESCE(last_used_at, created_at) > $4) \
         RETURNING {}",
        returned.join(", "),
    )
}

static POSTGRES_ROTATION: LazyLock<[String; 2]> =
    LazyLock::new(|| [postgres_rotation(false), postgres_rotation(true)]);
static SQLITE_ROTATION: LazyLock<[String; 2]> =
    LazyLock::new(|| [sqlite_rotation(false), sqlite_rotation(true)]);

/// The names in a list of columns (`f.id, f.user_id` gives `id`, `user_id`).
fn names(columns: &str) -> impl Iterator<Item = &str> {
    columns.split(',').map(|column| {
        let column = column.trim();
        column.split_once('.').map_or(column, |(_, name)| name)
    })
}

/// The user's columns, each read by `source` and named `owner_…`, so that
/// a refresh reads its user in the rotation's own round trip; all null
/// when the user is gone.
fn user_columns(source: impl Fn(&str) -> String) -> String {
    let named = names(users::COLUMNS).map(|column| format!("{} AS owner_{column}", source(column)));
    named.collect::<Vec<_>>().join(", ")
}

/// The user beside a rotated family, from its `owner_…` columns.
fn session_user(row: &AnyRow) -> Result<SessionUser, StoreError> {
    let id: Option<String> = row.try_get("owner_id").map_err(unavailable)?;
    match id {
        Some(_) => Ok(SessionUser::Found(users::user_named(row, "owner_")?)),
        None => Ok(SessionUser::Missing),
    }
}

/// What a family must satisfy, besides not being revoked, for its token to
/// rotate: it expires after `expires_after` and was last used after
/// `used_after` (unix seconds; `i64::MIN` asks nothing).
struct Live {
    expires_after: i64,
    used_after: i64,
}

impl Live {
    /// Unexpired at `now`, and used after `idle_since` when there is one.
    fn at(now: OffsetDateTime, idle_since: Option<OffsetDateTime>) -> Self {
        Self {
            expires_after: seconds(now),
            used_after: idle_since.map_or(i64::MIN, seconds),
        }
    }
}

impl SqlStore {
    /// Spends `spent_hash` and adds `next_hash` to its family if the token
    /// is unspent and its family `live`; the family when it did, and with
    /// `read_user` its user (else [`SessionUser::NotRead`]).
    async fn rotate_if(
        &self,
        spent_hash: &str,
        next_hash: &str,
        now: OffsetDateTime,
        live: Live,
        read_user: bool,
    ) -> Result<Option<(RefreshFamily, SessionUser)>, StoreError> {
        // One round trip instead of five (BEGIN, three statements, COMMIT),
        // or six with the user: the same steps, in one statement.
        let statements = match self.backend {
            Backend::Postgres => &POSTGRES_ROTATION,
            Backend::Sqlite => &SQLITE_ROTATION,
        };
        let statement = statements[usize::from(read_user)].as_str();
        let arguments = rotations::Arguments {
            now: seconds(now),
            spent_hash: spent_hash.to_owned(),
            next_hash: next_hash.to_owned(),
            used_after: live.used_after,
            expires_after: live.expires_after,
        };
        let row = match &self.rotations {
            Some(rotations) => rotations.rotate(statement, arguments).await?,
            None => (arguments
                .bind(sqlx::query(statement))
                .fetch_optional(&self.pool))
            .await
            .map_err(unavailable)?,
        };
        let Some(row) = row else {
            return Ok(None);
        };
        let user = if read_user {
            session_user(&row)?
        } else {
            SessionUser::NotRead
        };
        Ok(Some((family(&row)?, user)))
    }
}

#[async_trait]
impl SessionStore for SqlStore {
    async fn create_family(&self, f: &RefreshFamily, token_hash: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        sqlx::query(
            "INSERT INTO portcullis_refresh_families \
             (id, user_id, amr, remember, created_at, expires_at, revoked_at, last_used_at, client) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&f.id)
        .bind(&f.user_id)
        .bind(f.amr.join(" "))
        .bind(i64::from(f.remember))
        .bind(seconds(f.created_at))
        .bind(seconds(f.expires_at))
        .bind(f.revoked_at.map(seconds))
        .bind(seconds(f.last_used_at))
        .bind(f.client.as_deref())
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        sqlx::query("INSERT INTO portcullis_refresh_tokens (token_hash, family_id, used_at) VALUES ($1, $2, NULL)")
            .bind(token_hash)
            .bind(&f.id)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)
    }

    async fn find_refresh_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<RefreshToken>, StoreError> {
        let sql = format!(
            "SELECT t.token_hash, t.used_at, {FAMILY_COLUMNS} FROM portcullis_refresh_tokens t \
             JOIN portcullis_refresh_families f ON f.id = t.family_id WHERE t.token_hash = $1"
        );
        let Some(row) = sqlx::query(&sql)
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?
        else {
            return Ok(None);
        };
        let used_at: Option<i64> = row.try_get("used_at").map_err(unavailable)?;
        Ok(Some(RefreshToken {
            token_hash: row.try_get("token_hash").map_err(unavailable)?,
            family: family(&row)?,
            used_at: used_at.map(time_at).transpose()?,
        }))
    }

    async fn rotate_refresh_token(
        &self,
        spent_hash: &str,
        next_hash: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let any_live = Live {
            expires_after: i64::MIN,
            used_after: i64::MIN,
        };
        let rotated = (self.rotate_if(spent_hash, next_hash, now, any_live, false)).await?;
        Ok(rotated.is_some())
    }

    async fn rotate_live_refresh_token(
        &self,
        spent_hash: &str,
        next_hash: &str,
        now: OffsetDateTime,
        idle_since: Option<OffsetDateTime>,
    ) -> Result<Option<RefreshFamily>, StoreError> {
        let live = Live::at(now, idle_since);
        let rotated = self.rotate_if(spent_hash, next_hash, now, live, false);
        Ok(rotated.await?.map(|(family, _)| family))
    }

    async fn rotate_live_refresh_token_with_user(
        &self,
        spent_hash: &str,
        next_hash: &str,
        now: OffsetDateTime,
        idle_since: Option<OffsetDateTime>,
    ) -> Result<Option<(RefreshFamily, SessionUser)>, StoreError> {
        let live = Live::at(now, idle_since);
        self.rotate_if(spent_hash, next_hash, now, live, true).await
    }

    async fn revoke_family(&self, family_id: &str, now: OffsetDateTime) -> Result<(), StoreError> {
        sqlx::query("UPDATE portcullis_refresh_families SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(seconds(now))
            .bind(family_id)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn revoke_user_families(
        &self,
        user_id: &str,
        keep: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar(
            "UPDATE portcullis_refresh_families SET revoked_at = $1 \
             WHERE user_id = $2 AND revoked_at IS NULL AND id <> $3 RETURNING id",
        )
        .bind(seconds(now))
        .bind(user_id)
        .bind(keep.unwrap_or(""))
        .fetch_all(&self.pool)
        .await
        .map_err(unavailable)
    }

    async fn revoked_since(&self, since: OffsetDateTime) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar("SELECT id FROM portcullis_refresh_families WHERE revoked_at >= $1")
            .bind(seconds(since))
            .fetch_all(&self.pool)
            .await
            .map_err(unavailable)
    }

    async fn list_families(
        &self,
        user_id: &str,
        now: OffsetDateTime,
    ) -> Result<Vec<RefreshFamily>, StoreError> {
        let sql = format!(
            "SELECT {FAMILY_COLUMNS} FROM portcullis_refresh_families f \
             WHERE f.user_id = $1 AND f.revoked_at IS NULL AND f.expires_at > $2 \
             ORDER BY f.created_at, f.id"
        );
        let rows = sqlx::query(&sql)
            .bind(user_id)
            .bind(seconds(now))
            .fetch_all(&self.pool)
            .await
            .map_err(unavailable)?;
        rows.iter().map(family).collect()
    }

    async fn purge_expired_sessions(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        let now = seconds(now);
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        if self.backend == Backend::Postgres {
            // A rotation adds a token only to a family it has locked, and
            // (with no foreign key since schema 11) no cascade would delete
            // a token added after the first DELETE: so the families go
            // locked first, and a rotation under way is waited for.
            sqlx::query(
                "SELECT id FROM portcullis_refresh_families WHERE expires_at <= $1 FOR UPDATE",
            )
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        }
        let mut purged = 0;
        for sql in [
            "DELETE FROM portcullis_refresh_tokens WHERE family_id IN \
             (SELECT id FROM portcullis_refresh_families WHERE expires_at <= $1)",
            "DELETE FROM portcullis_refresh_families WHERE expires_at <= $1",
        ] {
            let done = sqlx::query(sql)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
            purged += done.rows_affected();
        }
        tx.commit().await.map_err(unavailable)?;
        Ok(purged)
    }
}
