//! [`OneTimeTokenStore`] for [`SqlStore`]: links and MFA challenges.

use async_trait::async_trait;
use portcullis::store::{OneTimePurpose, OneTimeToken, OneTimeTokenStore, StoreError};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use super::{SqlStore, seconds, time_at, unavailable};

const COLUMNS: &str = "token_hash, purpose, user_id, data, failures, created_at, expires_at";

fn one_time_token(row: &AnyRow) -> Result<OneTimeToken, StoreError> {
    let purpose: String = row.try_get("purpose").map_err(unavailable)?;
    let failures: i64 = row.try_get("failures").map_err(unavailable)?;
    Ok(OneTimeToken {
        token_hash: row.try_get("token_hash").map_err(unavailable)?,
        purpose: OneTimePurpose::parse(&purpose).ok_or_else(|| {
            StoreError::Unavailable(format!("unknown one-time purpose {purpose:?}").into())
        })?,
        user_id: row.try_get("user_id").map_err(unavailable)?,
        data: row.try_get("data").map_err(unavailable)?,
        failures: u32::try_from(failures).unwrap_or(u32::MAX),
        created_at: time_at(row.try_get("created_at").map_err(unavailable)?)?,
        expires_at: time_at(row.try_get("expires_at").map_err(unavailable)?)?,
    })
}

#[async_trait]
impl OneTimeTokenStore for SqlStore {
    async fn create_one_time_token(&self, t: &OneTimeToken) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO portcullis_one_time_tokens ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ))
        .bind(&t.token_hash)
        .bind(t.purpose.as_str())
        .bind(&t.user_id)
        .bind(&t.data)
        .bind(i64::from(t.failures))
        .bind(seconds(t.created_at))
        .bind(seconds(t.expires_at))
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn find_one_time_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<OneTimeToken>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM portcullis_one_time_tokens WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?;
        row.as_ref().map(one_time_token).transpose()
    }

    async fn consume_one_time_token(&self, token_hash: &str) -> Result<bool, StoreError> {
        let deleted = sqlx::query("DELETE FROM portcullis_one_time_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(deleted.rows_affected() == 1)
    }

    async fn count_one_time_token_failure(&self, token_hash: &str) -> Result<u32, StoreError> {
        let failures: Option<i64> = sqlx::query_scalar(
            "UPDATE portcullis_one_time_tokens SET failures = failures + 1 \
             WHERE token_hash = $1 RETURNING failures",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(failures.map_or(0, |f| u32::try_from(f).unwrap_or(u32::MAX)))
    }

    async fn revoke_one_time_tokens(&self, user_id: &str) -> Result<u64, StoreError> {
        let deleted = sqlx::query("DELETE FROM portcullis_one_time_tokens WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(deleted.rows_affected())
    }

    async fn purge_expired_one_time_tokens(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        let deleted = sqlx::query("DELETE FROM portcullis_one_time_tokens WHERE expires_at <= $1")
            .bind(seconds(now))
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(deleted.rows_affected())
    }
}
