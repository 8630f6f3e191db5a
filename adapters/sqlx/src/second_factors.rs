//! [`SecondFactorStore`] for [`SqlStore`]: TOTP state in
//! `portcullis_second_factors`, recovery codes in `portcullis_recovery_codes`.

use async_trait::async_trait;
use portcullis::store::{SecondFactorStore, StoreError, TotpState};
use sqlx::Row;

use super::{SqlStore, unavailable};

#[async_trait]
impl SecondFactorStore for SqlStore {
    async fn totp(&self, user_id: &str) -> Result<TotpState, StoreError> {
        let row = sqlx::query(
            "SELECT totp_secret, totp_pending FROM portcullis_second_factors WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?;
        let Some(row) = row else {
            return Ok(TotpState::default());
        };
        Ok(TotpState {
            secret: row.try_get("totp_secret").map_err(unavailable)?,
            pending: row.try_get("totp_pending").map_err(unavailable)?,
        })
    }

    async fn set_pending_totp(
        &self,
        user_id: &str,
        sealed: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO portcullis_second_factors (user_id, totp_pending) VALUES ($1, $2) \
             ON CONFLICT (user_id) DO UPDATE SET totp_pending = excluded.totp_pending",
        )
        .bind(user_id)
        .bind(sealed)
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn confirm_totp(&self, user_id: &str, pending: &str) -> Result<bool, StoreError> {
        let confirmed = sqlx::query(
            "UPDATE portcullis_second_factors SET totp_secret = totp_pending, \
             totp_pending = NULL, totp_last_step = NULL \
             WHERE user_id = $1 AND totp_pending = $2",
        )
        .bind(user_id)
        .bind(pending)
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(confirmed.rows_affected() == 1)
    }

    async fn record_totp_step(&self, user_id: &str, step: i64) -> Result<bool, StoreError> {
        let recorded = sqlx::query(
            "UPDATE portcullis_second_factors SET totp_last_step = $1 \
             WHERE user_id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(user_id)
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(recorded.rows_affected() == 1)
    }

    async fn reseal_totp(
        &self,
        user_id: &str,
        current: &str,
        resealed: &str,
    ) -> Result<bool, StoreError> {
        let resealed = sqlx::query(
            "UPDATE portcullis_second_factors SET totp_secret = $1 \
             WHERE user_id = $2 AND totp_secret = $3",
        )
        .bind(resealed)
        .bind(user_id)
        .bind(current)
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(resealed.rows_affected() == 1)
    }

    async fn remove_second_factors(&self, user_id: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        for sql in [
            "DELETE FROM portcullis_second_factors WHERE user_id = $1",
            "DELETE FROM portcullis_recovery_codes WHERE user_id = $1",
        ] {
            sqlx::query(sql)
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
        }
        tx.commit().await.map_err(unavailable)
    }

    async fn replace_recovery_codes(
        &self,
        user_id: &str,
        code_hashes: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        sqlx::query("DELETE FROM portcullis_recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        for hash in code_hashes {
            sqlx::query(
                "INSERT INTO portcullis_recovery_codes (user_id, code_hash) VALUES ($1, $2)",
            )
            .bind(user_id)
            .bind(hash)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        }
        tx.commit().await.map_err(unavailable)
    }

    async fn spend_recovery_code(
        &self,
        user_id: &str,
        code_hash: &str,
    ) -> Result<bool, StoreError> {
        let spent = sqlx::query(
            "DELETE FROM portcullis_recovery_codes WHERE user_id = $1 AND code_hash = $2",
        )
        .bind(user_id)
        .bind(code_hash)
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(spent.rows_affected() == 1)
    }
}
