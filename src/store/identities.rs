use async_trait::async_trait;

use super::StoreError;

/// Where external identities are linked to accounts: `provider` names an
/// OAuth provider (`"google"`), `subject` is its stable id for the person.
#[async_trait]
pub trait IdentityStore: Send + Sync + 'static {
    /// The id of the user this external identity is linked to.
    async fn find_identity(
        &self,
        provider: &str,
        subject: &str,
    ) -> Result<Option<String>, StoreError>;

    /// Links an external identity to a user, so that later logins with it
    /// find the account. An identity linked to any user already gives
    /// [`StoreError::Conflict`]; a user may have several identities.
    async fn link_identity(
        &self,
        user_id: &str,
        provider: &str,
        subject: &str,
    ) -> Result<(), StoreError>;

    /// How many external identities are linked to a user (a user with one
    /// can sign in without a password).
    async fn count_identities(&self, user_id: &str) -> Result<u64, StoreError>;

    /// Unlinks every external identity of a user; returns how many went.
    async fn unlink_identities(&self, user_id: &str) -> Result<u64, StoreError>;
}
