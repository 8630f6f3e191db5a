use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;

/// A passkey (a WebAuthn credential) registered to a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPasskey {
    /// The credential id the authenticator chose, base64url without
    /// padding: unique across all users.
    pub id: String,
    /// The user it signs in.
    pub user_id: String,
    /// The WebAuthn user handle the authenticator keeps with the
    /// credential (a UUID, the same for all of a user's passkeys): a
    /// discoverable credential names its user by it.
    pub user_handle: String,
    /// The user's name for it ("laptop"), shown in their list.
    pub name: String,
    /// The public key, sign counter and backup flags, serialized by the
    /// service: opaque to stores, rewritten after each use.
    pub credential: String,
    /// When it was registered.
    pub created_at: OffsetDateTime,
    /// When it last signed the user in.
    pub last_used_at: Option<OffsetDateTime>,
}

/// Where passkeys live. Only public keys pass through here: a passkey's
/// private key never leaves its authenticator.
#[async_trait]
pub trait PasskeyStore: Send + Sync + 'static {
    /// Stores a new passkey; a taken credential id (of any user) is
    /// [`StoreError::Conflict`].
    async fn add_passkey(&self, passkey: &StoredPasskey) -> Result<(), StoreError>;

    /// The passkey with this credential id, of whichever user.
    async fn find_passkey(&self, id: &str) -> Result<Option<StoredPasskey>, StoreError>;

    /// A user's passkeys, oldest first.
    async fn passkeys_of(&self, user_id: &str) -> Result<Vec<StoredPasskey>, StoreError>;

    /// After a sign-in: the credential as it is now (its counter and backup
    /// state) and when it was used, written only while the stored
    /// credential is still `previous` (atomically: of two uses that read
    /// the same credential, exactly one writes). Returns whether it wrote.
    async fn record_passkey_use(
        &self,
        id: &str,
        previous: &str,
        credential: &str,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// Renames one of the user's passkeys; `false` when the user has none
    /// with this id.
    async fn rename_passkey(&self, user_id: &str, id: &str, name: &str)
    -> Result<bool, StoreError>;

    /// Removes one of the user's passkeys; `false` when the user has none
    /// with this id.
    async fn remove_passkey(&self, user_id: &str, id: &str) -> Result<bool, StoreError>;

    /// Removes every passkey of a user (their account is deleted); returns
    /// how many went.
    async fn remove_passkeys(&self, user_id: &str) -> Result<u64, StoreError>;
}
