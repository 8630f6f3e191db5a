//! [`UserStore`] for [`SqlStore`]: the `portcullis_users` table.

use std::borrow::Cow;

use async_trait::async_trait;
use portcullis::store::{NewUser, StoreError, User, UserChanges, UserStore, email_key, new_id};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{SqlStore, flag, seconds, time_at, unavailable};

pub(crate) const COLUMNS: &str =
    "id, email, name, role, is_active, email_verified, password_hash, created_at";

pub(crate) fn user(row: &AnyRow) -> Result<User, StoreError> {
    user_named(row, "")
}

/// A user from a row whose user columns are named with `prefix`
/// (`owner_id`, …), beside the columns of another table.
pub(crate) fn user_named(row: &AnyRow, prefix: &str) -> Result<User, StoreError> {
    // Plain names (every user read but a refresh's) are not copied.
    let column = |name: &'static str| -> Cow<'static, str> {
        if prefix.is_empty() {
            Cow::Borrowed(name)
        } else {
            Cow::Owned(format!("{prefix}{name}"))
        }
    };
    Ok(User {
        id: row.try_get(column("id").as_ref()).map_err(unavailable)?,
        email: row.try_get(column("email").as_ref()).map_err(unavailable)?,
        name: row.try_get(column("name").as_ref()).map_err(unavailable)?,
        role: row.try_get(column("role").as_ref()).map_err(unavailable)?,
        is_active: flag(row, &column("is_active"))?,
        email_verified: flag(row, &column("email_verified"))?,
        password_hash: row
            .try_get(column("password_hash").as_ref())
            .map_err(unavailable)?,
        created_at: time_at(
            row.try_get(column("created_at").as_ref())
                .map_err(unavailable)?,
        )?,
    })
}

pub(crate) fn check_id(id: &str) -> Result<(), StoreError> {
    uuid::Uuid::try_parse(id)
        .map(|_| ())
        .map_err(|_| StoreError::InvalidId)
}

#[async_trait]
impl UserStore for SqlStore {
    async fn create_user(&self, new: NewUser) -> Result<User, StoreError> {
        let id = new_id();
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
             email = COALESCE($5, email), \
             email_key = COALESCE($6, email_key), \
             email_verified = COALESCE($7, email_verified), \
             role = COALESCE($8, role), \
             updated_at = $9 \
             WHERE id = $10",
        )
        .bind(changes.name.is_some())
        .bind(changes.name.flatten())
        .bind(changes.password_hash)
        .bind(changes.is_active.map(i64::from))
        .bind(changes.email.as_deref().map(str::trim))
        .bind(changes.email.as_deref().map(email_key))
        .bind(changes.email_verified.map(i64::from))
        .bind(changes.role)
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
}
