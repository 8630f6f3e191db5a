//! [`ApiTokenStore`] for [`SqlStore`]: the v1 token API's tokens.

use async_trait::async_trait;
use portcullis::store::{ApiToken, ApiTokenKind, ApiTokenStore, StoreError};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use super::{SqlStore, seconds, time_at, unavailable};

const COLUMNS: &str =
    "token_hash, kind, user_id, actor_id, owner_id, app_hash, hint, created_at, expires_at";

fn api_token(row: &AnyRow) -> Result<ApiToken, StoreError> {
    let kind: String = row.try_get("kind").map_err(unavailable)?;
    Ok(ApiToken {
        token_hash: row.try_get("token_hash").map_err(unavailable)?,
        kind: ApiTokenKind::parse(&kind).ok_or_else(|| {
            StoreError::Unavailable(format!("unknown api token kind {kind:?}").into())
        })?,
        user_id: row.try_get("user_id").map_err(unavailable)?,
        actor_id: row.try_get("actor_id").map_err(unavailable)?,
        owner_id: row.try_get("owner_id").map_err(unavailable)?,
        app_hash: row.try_get("app_hash").map_err(unavailable)?,
        hint: row.try_get("hint").map_err(unavailable)?,
        created_at: time_at(row.try_get("created_at").map_err(unavailable)?)?,
        expires_at: time_at(row.try_get("expires_at").map_err(unavailable)?)?,
    })
}

#[async_trait]
impl ApiTokenStore for SqlStore {
    async fn create_api_token(&self, t: &ApiToken) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO portcullis_api_tokens ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(&t.token_hash)
        .bind(t.kind.as_str())
        .bind(&t.user_id)
        .bind(&t.actor_id)
        .bind(&t.owner_id)
        .bind(&t.app_hash)
        .bind(&t.hint)
        .bind(seconds(t.created_at))
        .bind(seconds(t.expires_at))
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn find_api_token(&self, token_hash: &str) -> Result<Option<ApiToken>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM portcullis_api_tokens WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?;
        row.as_ref().map(api_token).transpose()
    }

    async fn set_api_token_expiry(
        &self,
        token_hash: &str,
        expires_at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let updated =
            sqlx::query("UPDATE portcullis_api_tokens SET expires_at = $1 WHERE token_hash = $2")
                .bind(seconds(expires_at))
                .bind(token_hash)
                .execute(&self.pool)
                .await
                .map_err(unavailable)?;
        Ok(updated.rows_affected() == 1)
    }

    async fn delete_api_token(&self, token_hash: &str) -> Result<bool, StoreError> {
        let deleted = sqlx::query("DELETE FROM portcullis_api_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(deleted.rows_affected() == 1)
    }

    async fn end_user_api_tokens(
        &self,
        user_id: &str,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let ended = sqlx::query(
            "UPDATE portcullis_api_tokens SET expires_at = $1 \
             WHERE (user_id = $2 OR actor_id = $2) AND kind <> 'app' AND expires_at > $1",
        )
        .bind(seconds(now))
        .bind(user_id)
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(ended.rows_affected())
    }

    async fn purge_expired_api_tokens(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        let purged = sqlx::query("DELETE FROM portcullis_api_tokens WHERE expires_at <= $1")
            .bind(seconds(now))
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(purged.rows_affected())
    }

    async fn list_api_tokens(
        &self,
        owner_id: &str,
        kinds: &[ApiTokenKind],
    ) -> Result<Vec<ApiToken>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM portcullis_api_tokens WHERE owner_id = $1 ORDER BY created_at, token_hash"
        ))
        .bind(owner_id)
        .fetch_all(&self.pool)
        .await
        .map_err(unavailable)?;
        let tokens = rows.iter().map(api_token).collect::<Result<Vec<_>, _>>()?;
        Ok(tokens
            .into_iter()
            .filter(|t| kinds.contains(&t.kind))
            .collect())
    }
}
