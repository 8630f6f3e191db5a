//! [`PasskeyStore`] for [`SqlStore`]: the `portcullis_passkeys` table.

use async_trait::async_trait;
use portcullis::store::{PasskeyStore, StoreError, StoredPasskey};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use super::{SqlStore, seconds, time_at, unavailable};

const COLUMNS: &str = "id, user_id, user_handle, name, credential, created_at, last_used_at";

fn passkey(row: &AnyRow) -> Result<StoredPasskey, StoreError> {
    let text = |column: &str| row.try_get::<String, _>(column).map_err(unavailable);
    let last_used: Option<i64> = row.try_get("last_used_at").map_err(unavailable)?;
    Ok(StoredPasskey {
        id: text("id")?,
        user_id: text("user_id")?,
        user_handle: text("user_handle")?,
        name: text("name")?,
        credential: text("credential")?,
        created_at: time_at(row.try_get("created_at").map_err(unavailable)?)?,
        last_used_at: last_used.map(time_at).transpose()?,
    })
}

#[async_trait]
impl PasskeyStore for SqlStore {
    async fn add_passkey(&self, passkey: &StoredPasskey) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO portcullis_passkeys \
             (id, user_id, user_handle, name, credential, created_at, last_used_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&passkey.id)
        .bind(&passkey.user_id)
        .bind(&passkey.user_handle)
        .bind(&passkey.name)
        .bind(&passkey.credential)
        .bind(seconds(passkey.created_at))
        .bind(passkey.last_used_at.map(seconds))
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn find_passkey(&self, id: &str) -> Result<Option<StoredPasskey>, StoreError> {
        let query = format!("SELECT {COLUMNS} FROM portcullis_passkeys WHERE id = $1");
        let row = sqlx::query(&query)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        row.as_ref().map(passkey).transpose()
    }

    async fn passkeys_of(&self, user_id: &str) -> Result<Vec<StoredPasskey>, StoreError> {
        let query = format!(
            "SELECT {COLUMNS} FROM portcullis_passkeys WHERE user_id = $1 ORDER BY created_at, id"
        );
        let rows = sqlx::query(&query)
            .bind(user_id)
            .fetch_all(&self.pool)
            .await
            .map_err(unavailable)?;
        rows.iter().map(passkey).collect()
    }

    async fn record_passkey_use(
        &self,
        id: &str,
        previous: &str,
        credential: &str,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let used = sqlx::query(
            "UPDATE portcullis_passkeys SET credential = $1, last_used_at = $2 \
             WHERE id = $3 AND credential = $4",
        )
        .bind(credential)
        .bind(seconds(at))
        .bind(id)
        .bind(previous)
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(used.rows_affected() == 1)
    }

    async fn rename_passkey(
        &self,
        user_id: &str,
        id: &str,
        name: &str,
    ) -> Result<bool, StoreError> {
        let renamed =
            sqlx::query("UPDATE portcullis_passkeys SET name = $1 WHERE id = $2 AND user_id = $3")
                .bind(name)
                .bind(id)
                .bind(user_id)
                .execute(&self.pool)
                .await
                .map_err(unavailable)?;
        Ok(renamed.rows_affected() == 1)
    }

    async fn remove_passkey(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        let removed = sqlx::query("DELETE FROM portcullis_passkeys WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(removed.rows_affected() == 1)
    }

    async fn remove_passkeys(&self, user_id: &str) -> Result<u64, StoreError> {
        let removed = sqlx::query("DELETE FROM portcullis_passkeys WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(removed.rows_affected())
    }
}
