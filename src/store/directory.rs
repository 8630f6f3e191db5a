use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::{StoreError, User, email_key};

/// One page of a user listing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserQuery {
    /// Only accounts whose address or name holds this text, whatever its
    /// case.
    pub search: Option<String>,
    /// Most accounts in the page.
    pub limit: usize,
    /// Where the page starts: the `next` of the page before.
    pub cursor: Option<String>,
}

impl UserQuery {
    /// The first `limit` accounts matching `search`.
    pub fn new(search: Option<String>, limit: usize) -> Self {
        Self {
            search,
            limit,
            cursor: None,
        }
    }

    /// The same query, from where a page ended.
    pub fn after(self, cursor: Option<String>) -> Self {
        Self { cursor, ..self }
    }
}

/// Accounts in the order of their address, from a cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserPage {
    /// The accounts, by address (compared as `email_key`), then id.
    pub users: Vec<User>,
    /// The cursor of the next page; `None` on the last.
    pub next: Option<String>,
}

impl UserPage {
    /// A page of `users`, with the cursor of the next.
    pub fn new(users: Vec<User>, next: Option<String>) -> Self {
        Self { users, next }
    }
}

/// What the admin API needs of the user store beyond [`super::UserStore`]:
/// listing, counting and deleting accounts. Optional: an app with its own
/// users table implements it (and sets it with `.directory(..)`) to get the
/// admin API; without it, listing and deleting answer 501.
///
/// Pages are in the order of `email_key` then id; a cursor is opaque to
/// callers (the bundled stores use `email_key` and id).
#[async_trait]
pub trait UserDirectory: Send + Sync + 'static {
    /// A page of accounts matching the query.
    async fn list_users(&self, query: &UserQuery) -> Result<UserPage, StoreError>;

    /// How many active accounts hold `role`: the last admin is never removed.
    async fn count_active_users(&self, role: &str) -> Result<u64, StoreError>;

    /// Deletes the account; returns whether it existed.
    async fn delete_user(&self, id: &str) -> Result<bool, StoreError>;
}

/// The cursor of the page after `user`, for stores that page by address
/// and id (as the bundled ones do).
pub fn cursor_after(user: &User) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}\n{}", email_key(&user.email), user.id))
}

/// The address key and id a [`cursor_after`] cursor names; `None` for
/// anything else.
pub fn read_cursor(cursor: &str) -> Option<(String, String)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    let (key, id) = text.split_once('\n')?;
    Some((key.to_owned(), id.to_owned()))
}
