//! [`IdentityStore`] for [`SqlStore`]: the `portcullis_identities` table.

use async_trait::async_trait;
use portcullis::store::{IdentityStore, StoreError};

use super::{SqlStore, seconds, unavailable};

#[async_trait]
impl IdentityStore for SqlStore {
    async fn find_identity(
        &self,
        provider: &str,
        subject: &str,
    ) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT user_id FROM portcullis_identities WHERE provider = $1 AND subject = $2",
        )
        .bind(provider)
        .bind(subject)
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)
    }

    async fn link_identity(
        &self,
        user_id: &str,
        provider: &str,
        subject: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO portcullis_identities (provider, subject, user_id, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(provider)
        .bind(subject)
        .bind(user_id)
        .bind(seconds(time::OffsetDateTime::now_utc()))
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn count_identities(&self, user_id: &str) -> Result<u64, StoreError> {
        let linked: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM portcullis_identities WHERE user_id = $1")
                .bind(user_id)
                .fetch_one(&self.pool)
                .await
                .map_err(unavailable)?;
        Ok(u64::try_from(linked).unwrap_or_default())
    }

    async fn unlink_identities(&self, user_id: &str) -> Result<u64, StoreError> {
        let unlinked = sqlx::query("DELETE FROM portcullis_identities WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(unlinked.rows_affected())
    }
}
