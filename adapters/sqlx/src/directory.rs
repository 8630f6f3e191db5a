//! [`UserDirectory`] for [`SqlStore`]: pages of `portcullis_users` by
//! address, for the admin API.

use async_trait::async_trait;
use portcullis::store::{
    StoreError, UserDirectory, UserPage, UserQuery, cursor_after, read_cursor,
};

use super::users::{COLUMNS, check_id, user};
use super::{SqlStore, unavailable};

/// `text` for a LIKE pattern that matches it anywhere, its wildcards escaped.
fn anywhere(text: &str) -> String {
    let escaped: String = text
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '\\' | '%' | '_' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("%{escaped}%")
}

#[async_trait]
impl UserDirectory for SqlStore {
    async fn list_users(&self, query: &UserQuery) -> Result<UserPage, StoreError> {
        let after = match &query.cursor {
            Some(cursor) => Some(read_cursor(cursor).ok_or(StoreError::InvalidId)?),
            None => None,
        };
        let mut conditions = Vec::new();
        let mut at = 0;
        let mut next = || {
            at += 1;
            format!("${at}")
        };
        if query.search.is_some() {
            let pattern = next();
            conditions.push(format!(
                "(LOWER(email) LIKE {pattern} ESCAPE '\\' OR LOWER(COALESCE(name, '')) LIKE {pattern} ESCAPE '\\')"
            ));
        }
        if after.is_some() {
            let (key, id) = (next(), next());
            conditions.push(format!("(email_key, id) > ({key}, {id})"));
        }
        let limit = next();
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM portcullis_users {filter} ORDER BY email_key, id LIMIT {limit}"
        );
        let mut statement = sqlx::query(&sql);
        if let Some(search) = &query.search {
            statement = statement.bind(anywhere(search));
        }
        if let Some((key, id)) = after {
            statement = statement.bind(key).bind(id);
        }
        // One more than asked: whether a next page exists.
        let wanted = i64::try_from(query.limit).unwrap_or(i64::MAX - 1) + 1;
        let rows = statement
            .bind(wanted)
            .fetch_all(&self.pool)
            .await
            .map_err(unavailable)?;
        let mut users = rows.iter().map(user).collect::<Result<Vec<_>, _>>()?;
        let more = users.len() > query.limit;
        users.truncate(query.limit);
        let next = more.then(|| users.last().map(cursor_after)).flatten();
        Ok(UserPage::new(users, next))
    }

    async fn count_active_users(&self, role: &str) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM portcullis_users WHERE role = $1 AND is_active = 1",
        )
        .bind(role)
        .fetch_one(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn delete_user(&self, id: &str) -> Result<bool, StoreError> {
        check_id(id)?;
        let deleted = sqlx::query("DELETE FROM portcullis_users WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(deleted.rows_affected() == 1)
    }
}
