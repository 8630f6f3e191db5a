use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;

/// A user account as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Opaque id minted by the store.
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
    /// The confirmed TOTP secret, sealed (encrypted); `Some` means MFA is on.
    pub totp_secret: Option<String>,
    /// A TOTP secret being enrolled, sealed, until a code confirms it.
    pub totp_pending: Option<String>,
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
    /// New confirmed TOTP secret (sealed), or `Some(None)` to turn MFA off;
    /// either way the store forgets the last TOTP step it accepted.
    pub totp_secret: Option<Option<String>>,
    /// New pending TOTP secret (sealed), or `Some(None)` to drop it.
    pub totp_pending: Option<Option<String>>,
}

/// Where user accounts live.
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

    /// The account with this id; a malformed id gives [`StoreError::InvalidId`].
    async fn find_user(&self, id: &str) -> Result<Option<User>, StoreError>;

    /// The account with this email, compared by [`super::email_key`].
    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, StoreError>;

    /// Applies the changes and returns the account as it now is;
    /// an unknown id gives [`StoreError::NotFound`].
    async fn update_user(&self, id: &str, changes: UserChanges) -> Result<User, StoreError>;

    /// Makes the pending TOTP secret the active one, atomically and only if
    /// the pending secret is still `pending` (of two concurrent
    /// confirmations, one wins); clears the pending slot and the replay guard.
    async fn confirm_totp(&self, user_id: &str, pending: &str) -> Result<bool, StoreError>;

    /// Records that the TOTP code of time step `step` was used, atomically
    /// and only if it is later than every step accepted before (since the
    /// secret was last set): a code works once, and never after a later one.
    async fn record_totp_step(&self, user_id: &str, step: i64) -> Result<bool, StoreError>;

    /// Replaces the user's recovery codes (their digests) with these.
    async fn replace_recovery_codes(
        &self,
        user_id: &str,
        code_hashes: &[String],
    ) -> Result<(), StoreError>;

    /// Spends one recovery code, atomically; returns whether it was there.
    async fn spend_recovery_code(&self, user_id: &str, code_hash: &str)
    -> Result<bool, StoreError>;

    /// The account linked to this external identity: `provider` names an
    /// OAuth provider (`"google"`), `subject` is its stable id for the person.
    async fn find_user_by_identity(
        &self,
        provider: &str,
        subject: &str,
    ) -> Result<Option<User>, StoreError>;

    /// Links an external identity to an account, so that later logins with
    /// it find the account. An identity linked to any account already gives
    /// [`StoreError::Conflict`]; an unknown user gives [`StoreError::NotFound`].
    async fn link_identity(
        &self,
        user_id: &str,
        provider: &str,
        subject: &str,
    ) -> Result<(), StoreError>;
}
