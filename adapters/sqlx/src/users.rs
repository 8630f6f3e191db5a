//! [`UserStore`] for [`SqlStore`].

use async_trait::async_trait;
use portcullis::store::{NewUser, StoreError, User, UserChanges, UserStore, email_key};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{SqlStore, flag, seconds, time_at, unavailable};

const COLUMNS: &str = "id, email, name, role, is_active, email_verified, password_hash, \
     totp_secret, totp_pending, created_at";

fn user(row: &AnyRow) -> Result<User, StoreError> {
    Ok(User {
        id: row.try_get("id").map_err(unavailable)?,
        email: row.try_get("email").map_err(unavailable)?,
        name: row.try_get("name").map_err(unavailable)?,
        role: row.try_get("role").map_err(unavailable)?,
        is_active: flag(row, "is_active")?,
        email_verified: flag(row, "email_verified")?,
        password_hash: row.try_get("password_hash").map_err(unavailable)?,
        totp_secret: row.try_get("totp_secret").map_err(unavailable)?,
        totp_pending: row.try_get("totp_pending").map_err(unavailable)?,
        created_at: time_at(row.try_get("created_at").map_err(unavailable)?)?,
    })
}

fn check_id(id: &str) -> Result<(), StoreError> {
    uuid::Uuid::try_parse(id)
        .map(|_| ())
        .map_err(|_| StoreError::InvalidId)
}

#[async_trait]
impl UserStore for SqlStore {
    async fn create_user(&self, new: NewUser) -> Result<User, StoreError> {
        let id = portcullis::token::new_id();
        let email = new.email.trim().to_owned();
        let created = seconds(new.created_at);
        sqlx::query(
            "INSERT INTO portcullis_users \
             (id, email, email_key, name, role, is_active, email_verified, password_hash, \
             created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        )
        .bind(&id)
        .bind(&email)
        .bind(email_key(&email))
        .bind(&new.name)
        .bind(&new.role)
        .bind(i64::from(new.is_active))
        .bind(i64::from(new.email_verified))
        .bind(&new.password_hash)
        .bind(created)
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        self.find_user(&id).await?.ok_or(StoreError::NotFound)
    }

    async fn find_user(&self, id: &str) -> Result<Option<User>, StoreError> {
        check_id(id)?;
        let sql = format!("SELECT {COLUMNS} FROM portcullis_users WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        row.as_ref().map(user).transpose()
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM portcullis_users WHERE email_key = $1");
        let row = sqlx::query(&sql)
            .bind(email_key(email))
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        row.as_ref().map(user).transpose()
    }

    async fn update_user(&self, id: &str, changes: UserChanges) -> Result<User, StoreError> {
        check_id(id)?;
        let updated = sqlx::query(
            "UPDATE portcullis_users SET \
             name = CASE WHEN $1 THEN $2 ELSE name END, \
             password_hash = COALESCE($3, password_hash), \
             is_active = COALESCE($4, is_active), \
             totp_secret = CASE WHEN $5 THEN $6 ELSE totp_secret END, \
             totp_last_step = CASE WHEN $5 THEN NULL ELSE totp_last_step END, \
             totp_pending = CASE WHEN $7 THEN $8 ELSE totp_pending END, \
             email = COALESCE($9, email), \
             email_key = COALESCE($10, email_key), \
             email_verified = COALESCE($11, email_verified), \
             updated_at = $12 \
             WHERE id = $13",
        )
        .bind(changes.name.is_some())
        .bind(changes.name.flatten())
        .bind(changes.password_hash)
        .bind(changes.is_active.map(i64::from))
        .bind(changes.totp_secret.is_some())
        .bind(changes.totp_secret.flatten())
        .bind(changes.totp_pending.is_some())
        .bind(changes.totp_pending.flatten())
        .bind(changes.email.as_deref().map(str::trim))
        .bind(changes.email.as_deref().map(email_key))
        .bind(changes.email_verified.map(i64::from))
        .bind(seconds(time::OffsetDateTime::now_utc()))
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.find_user(id).await?.ok_or(StoreError::NotFound)
    }

    async fn confirm_totp(&self, user_id: &str, pending: &str) -> Result<bool, StoreError> {
        check_id(user_id)?;
        let confirmed = sqlx::query(
            "UPDATE portcullis_users SET totp_secret = totp_pending, totp_pending = NULL, \
             totp_last_step = NULL WHERE id = $1 AND totp_pending = $2",
        )
        .bind(user_id)
        .bind(pending)
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(confirmed.rows_affected() == 1)
    }

    async fn record_totp_step(&self, user_id: &str, step: i64) -> Result<bool, StoreError> {
        check_id(user_id)?;
        let recorded = sqlx::query(
            "UPDATE portcullis_users SET totp_last_step = $1 \
             WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(user_id)
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(recorded.rows_affected() == 1)
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

    async fn find_user_by_identity(
        &self,
        provider: &str,
        subject: &str,
    ) -> Result<Option<User>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM portcullis_users WHERE id = \
             (SELECT user_id FROM portcullis_identities WHERE provider = $1 AND subject = $2)"
        );
        let row = sqlx::query(&sql)
            .bind(provider)
            .bind(subject)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        row.as_ref().map(user).transpose()
    }

    async fn link_identity(
        &self,
        user_id: &str,
        provider: &str,
        subject: &str,
    ) -> Result<(), StoreError> {
        if self.find_user(user_id).await?.is_none() {
            return Err(StoreError::NotFound);
        }
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
}
