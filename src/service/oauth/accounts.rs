//! The account an external identity signs in to: linked, found by a
//! verified address, or created.

use super::OAuthFailure;
use crate::error::AuthError;
use crate::oauth::Profile;
use crate::service::Auth;
use crate::service::account::{valid_email, valid_name};
use crate::store::{NewUser, StoreError, User, UserChanges};

impl Auth {
    /// The account of an external identity: the linked one; else the one
    /// with the same verified address (linked now); else a new one.
    pub(super) async fn federated_user(
        &self,
        provider: &str,
        profile: &Profile,
    ) -> Result<Result<User, OAuthFailure>, AuthError> {
        let users = &self.0.users;
        let settings = &self.0.config.oauth;
        if let Some(user) = self.linked_user(provider, &profile.subject).await? {
            return Ok(usable(user));
        }
        // The provider's word is checked like anyone's: a malformed
        // address counts as none, and an overlong or blank name is dropped.
        let Some(email) = profile
            .email
            .as_deref()
            .and_then(|email| valid_email(email).ok())
        else {
            return Ok(Err(OAuthFailure::EmailMissing));
        };
        let name = profile
            .name
            .as_deref()
            .and_then(|name| valid_name(name).ok().flatten());
        if !profile.email_verified {
            return Ok(Err(OAuthFailure::EmailNotVerified));
        }
        let mut retried = false;
        let user = loop {
            match users.find_user_by_email(email).await? {
                // Linking to an address nobody proved would hand the account
                // to whoever registered it first (account pre-hijacking).
                Some(user) if !settings.link_by_email || !user.email_verified => {
                    return Ok(Err(OAuthFailure::AccountNotLinked));
                }
                Some(user) => break user,
                None if !settings.create_users => return Ok(Err(OAuthFailure::SignupClosed)),
                None => {
                    let mut account = NewUser::new(
                        email,
                        &self.0.config.accounts.default_role,
                        None,
                        self.now(),
                    );
                    account.name = name.clone();
                    account.email_verified = true;
                    match users.create_user(account).await {
                        Ok(user) => {
                            self.0.hooks.account_created(&user).await;
                            break user;
                        }
                        // The address was taken meanwhile: look again, by the same rules.
                        Err(StoreError::Conflict) if !retried => retried = true,
                        Err(err) => return Err(err.into()),
                    }
                }
            }
        };
        if let Err(failure) = usable(user.clone()) {
            return Ok(Err(failure));
        }
        match self
            .0
            .identities
            .link_identity(&user.id, provider, &profile.subject)
            .await
        {
            Ok(()) => {
                tracing::info!(user = %user.id, provider, "external identity linked");
            }
            // A concurrent callback linked it: the lookup now settles whose it is.
            Err(StoreError::Conflict) => {
                let linked = self
                    .linked_user(provider, &profile.subject)
                    .await?
                    .ok_or(AuthError::Unavailable)?;
                return Ok(usable(linked));
            }
            Err(err) => return Err(err.into()),
        }
        if user.name.is_none() && name.is_some() {
            let changes = UserChanges {
                name: Some(name),
                ..UserChanges::default()
            };
            return Ok(Ok(users.update_user(&user.id, changes).await?));
        }
        Ok(Ok(user))
    }

    /// The user an external identity is linked to, if it still exists.
    async fn linked_user(&self, provider: &str, subject: &str) -> Result<Option<User>, AuthError> {
        let Some(id) = self.0.identities.find_identity(provider, subject).await? else {
            return Ok(None);
        };
        match self.0.users.find_user(&id).await {
            Ok(Some(user)) => Ok(Some(user)),
            Ok(None) | Err(StoreError::InvalidId) => {
                tracing::warn!(provider, user = %id, "an external identity is linked to a user who is gone");
                Ok(None)
            }
            Err(err) => Err(err.into()),
        }
    }
}

fn usable(user: User) -> Result<User, OAuthFailure> {
    if user.is_active {
        Ok(user)
    } else {
        Err(OAuthFailure::AccountDisabled)
    }
}
