//! Accounts: creating users, reading and changing one's own profile.

use crate::audit::AuthEvent;
use crate::error::{AuthError, Field, Rule};
use crate::identity::Identity;
use crate::store::{NewUser, User, UserChanges, email_key};

use super::notify::Notice;
use super::{Auth, Client, record_user};

/// Longest display name accepted, in characters.
const MAX_NAME_LENGTH: usize = 200;
/// Longest email address (RFC 5321 path limit).
const MAX_EMAIL_LENGTH: usize = 254;

/// A new account with a password.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct NewAccount {
    /// Email address.
    pub email: String,
    /// Password, checked against the policy.
    pub password: String,
    /// Display name.
    pub name: Option<String>,
    /// Role id (ignored by [`Auth::register`], which uses the default role).
    pub role: String,
    /// Whether the address counts as verified; default `true` here (an
    /// admin vouches for it), always `false` through [`Auth::register`].
    pub email_verified: bool,
}

impl NewAccount {
    /// An account with the given email, password and role.
    pub fn new(
        email: impl Into<String>,
        password: impl Into<String>,
        role: impl Into<String>,
    ) -> Self {
        Self {
            email: email.into(),
            password: password.into(),
            name: None,
            role: role.into(),
            email_verified: true,
        }
    }
}

/// Changes to one's own profile; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ProfileUpdate {
    /// New display name; `Some(None)` clears it.
    pub name: Option<Option<String>>,
    /// New password.
    pub password: Option<String>,
    /// The current password, required for a new password or address unless
    /// `require_current_password` is off.
    pub current_password: Option<String>,
    /// A new address: it changes once a link mailed to it is followed.
    pub email: Option<String>,
}

impl Auth {
    /// Creates an account with a password and any role (an admin API: it is
    /// not throttled and not subject to `registration_open`).
    #[tracing::instrument(name = "portcullis.create_user", skip_all, fields(user = tracing::field::Empty))]
    pub async fn create_user(&self, account: NewAccount) -> Result<User, AuthError> {
        let email = valid_email(&account.email)?;
        self.accept_password(&account.password, None).await?;
        let name = account
            .name
            .as_deref()
            .map(valid_name)
            .transpose()?
            .flatten();
        let hash = self.0.hasher.hash(&account.password).await?;
        let mut user = NewUser::new(email, &account.role, Some(hash), self.0.clock.now());
        user.name = name;
        user.email_verified = account.email_verified;
        match self.0.users.create_user(user).await {
            Err(crate::store::StoreError::Conflict) => {
                Err(AuthError::Conflict("a user with this email already exists"))
            }
            other => {
                let user = other?;
                record_user(&user.id);
                self.0.hooks.account_created(&user).await;
                Ok(user)
            }
        }
    }

    /// The account with this email, if any.
    pub async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, AuthError> {
        Ok(self.0.users.find_user_by_email(email).await?)
    }

    /// The signed-in user's own account, for changes to its credentials
    /// (password, email, MFA): someone acting on behalf of the user may not.
    pub(crate) async fn own_account(&self, identity: &Identity) -> Result<User, AuthError> {
        if identity.actor.is_some() {
            return Err(AuthError::Forbidden(
                "acting on behalf of a user cannot change their credentials",
            ));
        }
        self.me(identity).await
    }

    /// The signed-in user's account; a deleted or deactivated account is
    /// [`AuthError::TokenInvalid`] even while its access token lasts.
    pub async fn me(&self, identity: &Identity) -> Result<User, AuthError> {
        self.active_user(&identity.user_id).await
    }

    /// The user a token or challenge names, if it still exists and is
    /// active; otherwise the token is [`AuthError::TokenInvalid`].
    pub(crate) async fn active_user(&self, id: &str) -> Result<User, AuthError> {
        match self.0.users.find_user(id).await {
            Ok(Some(user)) if user.is_active => Ok(user),
            Ok(_) | Err(crate::store::StoreError::InvalidId) => Err(AuthError::TokenInvalid),
            Err(e) => Err(e.into()),
        }
    }

    /// Changes the signed-in user's profile: name, password, email.
    ///
    /// Everything is checked before anything is written. A new password or
    /// a new address needs the current password (unless
    /// `require_current_password` is off; guesses are throttled like
    /// logins) and cannot be set on someone's behalf. A new password ends
    /// every other session and voids pending links. A new address changes
    /// nothing yet: a confirmation link goes to it and a notice to the old
    /// one, and [`Auth::confirm_email_change`] finishes.
    #[tracing::instrument(name = "portcullis.update_me", skip_all, fields(user = %identity.user_id))]
    pub async fn update_me(
        &self,
        identity: &Identity,
        update: ProfileUpdate,
        client: Client,
    ) -> Result<User, AuthError> {
        let inner = &self.0;
        let user = self.me(identity).await?;
        let name = update
            .name
            .as_ref()
            .map(|name| {
                name.as_deref()
                    .map(valid_name)
                    .transpose()
                    .map(Option::flatten)
            })
            .transpose()?;
        let new_email = match &update.email {
            Some(email) => {
                let email = valid_email(email)?;
                (email_key(email) != email_key(&user.email)).then(|| email.to_owned())
            }
            None => None,
        };
        if let Some(password) = &update.password {
            self.accept_password(password, Some(&user.id)).await?;
        }
        if update.password.is_some() || new_email.is_some() {
            self.own_account(identity).await?;
            if inner.config.accounts.require_current_password {
                let current = update
                    .current_password
                    .as_deref()
                    .ok_or(AuthError::invalid(Field::CurrentPassword, Rule::Missing))?;
                self.check_password(&user.email, current, client)
                    .await
                    .map_err(|e| match e {
                        AuthError::InvalidCredentials => {
                            AuthError::invalid(Field::CurrentPassword, Rule::Incorrect)
                        }
                        other => other,
                    })?;
            }
        }
        if let Some(email) = &new_email {
            self.prepare_email_change(email, client).await?;
        }

        let mut changes = UserChanges {
            name,
            ..UserChanges::default()
        };
        if let Some(password) = &update.password {
            changes.password_hash = Some(inner.hasher.hash(password).await?);
        }
        let password_changed = changes.password_hash.is_some();
        let user = inner.users.update_user(&user.id, changes).await?;
        if password_changed {
            self.end_user_access(&user.id, identity.session_id.as_deref())
                .await?;
            inner.one_time.revoke_one_time_tokens(&user.id).await?;
            self.record(AuthEvent::PasswordChanged {
                user_id: user.id.clone(),
            });
            self.notify(&user, Notice::PasswordChanged);
        }
        if let Some(email) = new_email {
            self.request_email_change(&user, &email).await?;
            self.record(AuthEvent::EmailChangeRequested {
                user_id: user.id.clone(),
            });
        }
        Ok(user)
    }
}

/// The trimmed address, if it is shaped like one: `local@domain.tld`, no
/// spaces, at most 254 characters.
pub(crate) fn valid_email(email: &str) -> Result<&str, AuthError> {
    let email = email.trim();
    let shaped = email.len() <= MAX_EMAIL_LENGTH
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "\"(),:;<>[\\]".contains(c))
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if email.is_empty() {
        Err(AuthError::invalid(Field::Email, Rule::Missing))
    } else if shaped {
        Ok(email)
    } else {
        Err(AuthError::invalid(Field::Email, Rule::NotAnEmail))
    }
}

/// The trimmed name, `None` when blank.
pub(crate) fn valid_name(name: &str) -> Result<Option<String>, AuthError> {
    let name = name.trim();
    if name.chars().count() > MAX_NAME_LENGTH {
        return Err(AuthError::invalid(
            Field::Name,
            Rule::TooLong {
                max: MAX_NAME_LENGTH,
            },
        ));
    }
    Ok((!name.is_empty()).then(|| name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_shaped() {
        assert_eq!(
            valid_email("  ada@example.com ").ok(),
            Some("ada@example.com")
        );
        for bad in [
            "a:b@example.com",
            "a,b@example.com",
            "<a@example.com>",
            "",
            "ada",
            "ada@",
            "@example.com",
            "a b@example.com",
            "ada@example",
            "a@b@c.d",
            "ada@.com",
            "ada@example.",
            "a\u{7}b@example.com",
        ] {
            assert!(valid_email(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn an_address_may_have_254_characters_and_no_more() {
        let domain = "@example.com";
        let longest = format!("{}{domain}", "a".repeat(MAX_EMAIL_LENGTH - domain.len()));
        assert_eq!(valid_email(&longest).ok(), Some(longest.as_str()));
        assert!(valid_email(&format!("a{longest}")).is_err());
    }

    #[test]
    fn names_are_trimmed_blank_is_none_and_200_characters_the_most() {
        assert_eq!(valid_name("  Ada  ").ok(), Some(Some("Ada".to_owned())));
        assert_eq!(valid_name("   ").ok(), Some(None));
        // Two bytes each: counted in bytes, 101 would be too long.
        let longest = "é".repeat(MAX_NAME_LENGTH);
        assert_eq!(valid_name(&longest).ok(), Some(Some(longest.clone())));
        assert!(valid_name(&format!("{longest}é")).is_err());
    }
}
