//! [`UserDirectory`] for [`MemoryStore`].

use async_trait::async_trait;

use super::{MemoryStore, check_id, count};
use crate::store::{
    StoreError, User, UserDirectory, UserPage, UserQuery, cursor_after, email_key, read_cursor,
};

/// Whether `user`'s address or name holds `search`, whatever its case.
fn matches(user: &User, search: Option<&str>) -> bool {
    let Some(search) = search.map(str::to_lowercase) else {
        return true;
    };
    user.email.to_lowercase().contains(&search)
        || user
            .name
            .as_deref()
            .is_some_and(|name| name.to_lowercase().contains(&search))
}

#[async_trait]
impl UserDirectory for MemoryStore {
    async fn list_users(&self, query: &UserQuery) -> Result<UserPage, StoreError> {
        let after = match &query.cursor {
            Some(cursor) => Some(read_cursor(cursor).ok_or(StoreError::InvalidId)?),
            None => None,
        };
        let mut users: Vec<User> = self
            .state()
            .users
            .values()
            .filter(|u| matches(u, query.search.as_deref()))
            .filter(|u| {
                after.as_ref().is_none_or(|(key, id)| {
                    (email_key(&u.email), u.id.clone()) > (key.clone(), id.clone())
                })
            })
            .cloned()
            .collect();
        users.sort_by_key(|u| (email_key(&u.email), u.id.clone()));
        let more = users.len() > query.limit;
        users.truncate(query.limit);
        let next = more.then(|| users.last().map(cursor_after)).flatten();
        Ok(UserPage::new(users, next))
    }

    async fn count_active_users(&self, role: &str) -> Result<u64, StoreError> {
        Ok(count(
            self.state()
                .users
                .values()
                .filter(|u| u.is_active && u.role == role)
                .count(),
        ))
    }

    async fn delete_user(&self, id: &str) -> Result<bool, StoreError> {
        check_id(id)?;
        Ok(self.state().users.remove(id).is_some())
    }
}
