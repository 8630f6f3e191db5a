//! New passwords (the policy, and the breached-password service when one is
//! set) and old hashes made again.

use crate::error::{AuthError, Field, Rule};
use crate::password::normalized;
use crate::store::{User, UserChanges};

use super::Auth;

impl Auth {
    /// Accepts a new password for the account `user_id` (`None`: a new
    /// account): the policy, with its single-factor minimum when the
    /// account has no second factor; then the breached-password service.
    pub(crate) async fn accept_password(
        &self,
        password: &str,
        user_id: Option<&str>,
    ) -> Result<(), AuthError> {
        let single_factor = match user_id {
            Some(id) => !self.mfa_enabled(id).await?,
            None => true,
        };
        self.0.hasher.check_policy(password, single_factor)?;
        let Some(breached) = &self.0.breached else {
            return Ok(());
        };
        match breached.is_breached(&normalized(password)).await {
            Ok(false) => Ok(()),
            Ok(true) => Err(AuthError::invalid(Field::Password, Rule::Breached)),
            Err(why) => {
                tracing::error!(
                    why,
                    "the breached-password service failed; refusing the password"
                );
                Err(AuthError::Unavailable)
            }
        }
    }

    /// Hashes again a password that matched a hash made with other
    /// parameters (or before normalization): the stored hash follows the
    /// policy as users sign in.
    pub(crate) async fn rehash(&self, user: &User, password: &str) -> Result<(), AuthError> {
        let changes = UserChanges {
            password_hash: Some(self.0.hasher.hash(password).await?),
            ..UserChanges::default()
        };
        self.0.users.update_user(&user.id, changes).await?;
        tracing::info!(user = %user.id, "password hash made again with the current parameters");
        Ok(())
    }
}
