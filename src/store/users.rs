use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;

/// A user account as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Opaque id minted by the store; every other seam keys by it.
    pub id: String,
    /// The email address as the user gave it (trimmed).
    pub email: String,
    /// Display name.
    pub name: Option<String>,
    /// Role id, such as `"admin"` or `"user"`.
    pub role: String,
    /// Inactive users cannot sign in.
    pub is_active: bool,
    /// Whether the user proved the address is theirs (a link was followed).
    pub email_verified: bool,
    /// PHC string of the Argon2id hash; `None` for accounts without a password.
    pub password_hash: Option<String>,
    /// When the account was created.
    pub created_at: OffsetDateTime,
}

/// What [`UserStore::create_user`] needs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct NewUser {
    /// Email address, trimmed; unique by [`super::email_key`].
    pub email: String,
    /// Display name.
    pub name: Option<String>,
    /// Role id.
    pub role: String,
    /// Whether the account may sign in.
    pub is_active: bool,
    /// Whether the address is known to be the user's.
    pub email_verified: bool,
    /// PHC string of the password hash.
    pub password_hash: Option<String>,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

impl NewUser {
    /// An active account with the given email, role and password hash.
    pub fn new(
        email: &str,
        role: &str,
        password_hash: Option<String>,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            email: email.trim().to_owned(),
            name: None,
            role: role.to_owned(),
            is_active: true,
            email_verified: false,
            password_hash,
            created_at: now,
        }
    }
}

/// Profile fields to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct UserChanges {
    /// New display name (`Some(None)` clears it).
    pub name: Option<Option<String>>,
    /// New password hash (PHC string).
    pub password_hash: Option<String>,
    /// New active flag.
    pub is_active: Option<bool>,
    /// New email address (trimmed); a taken one is [`StoreError::Conflict`].
    pub email: Option<String>,
    /// New verified flag.
    pub email_verified: Option<bool>,
    /// New role id.
    pub role: Option<String>,
}

/// Where user accounts live: the one seam an app with its own users table
/// implements, in four methods. Every other seam keeps its records by the
/// ids this one mints.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use portcullis::store::{MemoryStore, NewUser, UserStore};
/// use portcullis::{Clock, SystemClock};
///
/// let store = MemoryStore::new();
/// let user = store
///     .create_user(NewUser::new("Ada@Example.com", "user", None, SystemClock.now()))
///     .await?;
/// let found = store.find_user_by_email("  ada@example.COM").await?;
/// assert_eq!(found.map(|u| u.id), Some(user.id));
/// # Ok::<_, portcullis::store::StoreError>(())
/// # }).unwrap();
/// ```
#[async_trait]
pub trait UserStore: Send + Sync + 'static {
    /// Creates an account and mints its id; a taken email gives [`StoreError::Conflict`].
    async fn create_user(&self, user: NewUser) -> Result<User, StoreError>;

    /// The account with this id. An id of a shape this store never mints
    /// may give [`StoreError::InvalidId`] instead of `None`.
    async fn find_user(&self, id: &str) -> Result<Option<User>, StoreError>;

    /// The account with this email, compared by [`super::email_key`].
    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, StoreError>;

    /// Applies the changes and returns the account as it now is;
    /// an unknown id gives [`StoreError::NotFound`].
    async fn update_user(&self, id: &str, changes: UserChanges) -> Result<User, StoreError>;
}
