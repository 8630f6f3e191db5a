//! What admins change: accounts created (or invited), changed, deleted.

use crate::audit::AuthEvent;
use crate::error::{AuthError, Field, Rule};
use crate::identity::Identity;
use crate::revocation::Revocation;
use crate::store::{NewUser, OneTimePurpose, User, UserChanges};

use super::super::email::with_token;
use super::super::{Auth, NewAccount, record_user};

/// What an admin may change of an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct AccountChanges {
    /// A new display name (`Some(None)` clears it).
    pub name: Option<Option<String>>,
    /// A new role (never one's own).
    pub role: Option<String>,
    /// Whether the account may sign in.
    pub is_active: Option<bool>,
    /// Whether its address counts as verified.
    pub email_verified: Option<bool>,
}

impl Auth {
    /// Refuses to remove the last active admin: when `user_id` is one, it
    /// must not be the only one.
    async fn keep_an_admin(&self, user_id: &str) -> Result<(), AuthError> {
        let admin_role = &self.0.config.accounts.admin_role;
        let Some(user) = self.0.users.find_user(user_id).await? else {
            return Ok(());
        };
        if user.role != *admin_role || !user.is_active {
            return Ok(());
        }
        if self.directory()?.count_active_users(admin_role).await? <= 1 {
            return Err(AuthError::Conflict(
                "the last active admin cannot be demoted, deactivated or deleted",
            ));
        }
        Ok(())
    }

    /// Creates an account with a password (`POST /admin/users`).
    pub async fn create_user_as_admin(
        &self,
        by: &Identity,
        account: NewAccount,
    ) -> Result<User, AuthError> {
        let admin = self.as_admin(by).await?;
        let user = self.create_user(account).await?;
        self.admin_action(&admin, "create_user", &user.id);
        Ok(user)
    }

    /// Creates an account without a password and mails its owner an
    /// invitation: a link (of `mail.invitation_ttl`) to the reset page,
    /// where they choose one (`POST /admin/users` with `invite`).
    pub async fn invite_user(
        &self,
        by: &Identity,
        email: &str,
        name: Option<String>,
        role: &str,
    ) -> Result<User, AuthError> {
        let admin = self.as_admin(by).await?;
        let email = super::super::valid_email(email)?;
        let mut new = NewUser::new(email, role, None, self.now());
        new.name = name;
        new.email_verified = false;
        let user = match self.0.users.create_user(new).await {
            Err(crate::store::StoreError::Conflict) => {
                return Err(AuthError::Conflict("a user with this email already exists"));
            }
            other => other?,
        };
        record_user(&user.id);
        let mail = &self.0.config.mail;
        let page = self.page(&mail.reset_path)?;
        let token = self
            .issue_one_time(
                OneTimePurpose::PasswordReset,
                &user.id,
                "",
                mail.invitation_ttl,
            )
            .await?;
        let (auth, invited, link) = (self.clone(), user.clone(), with_token(&page, &token));
        self.in_background(async move {
            let template = &auth.0.config.mail.templates.invitation;
            auth.mail(template, &invited, &invited.email, &link).await
        })?;
        self.admin_action(&admin, "invite_user", &user.id);
        self.0.hooks.account_created(&user).await;
        Ok(user)
    }

    /// Changes an account (`PATCH /admin/users/{id}`): its name, role,
    /// active flag, or verified flag. An admin never changes their own
    /// role, and the last active admin stays one.
    #[tracing::instrument(name = "portcullis.update_user", skip_all, fields(user = %by.user_id))]
    pub async fn update_user(
        &self,
        by: &Identity,
        id: &str,
        changes: AccountChanges,
    ) -> Result<User, AuthError> {
        let admin = self.as_admin(by).await?;
        if changes.role.is_some() && id == admin.id {
            return Err(AuthError::Forbidden("you cannot change your own role"));
        }
        let mut user = self
            .0
            .users
            .find_user(id)
            .await?
            .ok_or(AuthError::NotFound)?;
        // Every rule is checked before anything is written: a refused
        // change changes nothing.
        let role = changes
            .role
            .map(|role| role.trim().to_owned())
            .filter(|role| *role != user.role);
        if let Some(role) = &role {
            if role.is_empty() {
                return Err(AuthError::invalid(
                    Field::Named("role".into()),
                    Rule::Missing,
                ));
            }
            if *role != self.0.config.accounts.admin_role {
                self.keep_an_admin(&user.id).await?;
            }
        }
        let active = changes.is_active.filter(|active| *active != user.is_active);
        if active == Some(false) {
            self.keep_an_admin(&user.id).await?;
        }
        let name = changes
            .name
            .map(|name| {
                name.as_deref()
                    .map(super::super::account::valid_name)
                    .transpose()
            })
            .transpose()?
            .map(Option::flatten);
        if name.is_some() || changes.email_verified.is_some() {
            let plain = UserChanges {
                name,
                email_verified: changes.email_verified,
                ..UserChanges::default()
            };
            user = self.0.users.update_user(&user.id, plain).await?;
        }
        if let Some(role) = role {
            user = self.set_user_role(&user.id, &role).await?;
        }
        if let Some(active) = active {
            user = self.set_user_active(&user.id, active).await?;
        }
        self.admin_action(&admin, "update_user", &user.id);
        Ok(user)
    }

    /// Deletes an account (`DELETE /admin/users/{id}`): its sessions and
    /// tokens end at once (on every instance with strict sessions), its
    /// second factors, links and linked identities go, then the account.
    #[tracing::instrument(name = "portcullis.delete_user", skip_all, fields(user = %by.user_id))]
    pub async fn delete_user(&self, by: &Identity, id: &str) -> Result<(), AuthError> {
        let admin = self.as_admin(by).await?;
        let directory = self.directory()?;
        let user = self
            .0
            .users
            .find_user(id)
            .await?
            .ok_or(AuthError::NotFound)?;
        self.keep_an_admin(&user.id).await?;
        self.end_user_access(&user.id, None).await?;
        self.0.factors.remove_second_factors(&user.id).await?;
        self.0.identities.unlink_identities(&user.id).await?;
        if let Some(passkeys) = &self.0.passkeys {
            passkeys.remove_passkeys(&user.id).await?;
        }
        self.0.one_time.revoke_one_time_tokens(&user.id).await?;
        directory.delete_user(&user.id).await?;
        self.admin_action(&admin, "delete_user", &user.id);
        Ok(())
    }

    /// Activates or deactivates an account (an admin API). Deactivating also
    /// revokes every session; access tokens already out stop at `/me` and at
    /// refresh, and expire within `access_token_ttl`. The last active admin
    /// is never deactivated ([`AuthError::Conflict`]).
    #[tracing::instrument(name = "portcullis.set_user_active", skip_all, fields(user = %user_id))]
    pub async fn set_user_active(&self, user_id: &str, active: bool) -> Result<User, AuthError> {
        if !active {
            self.keep_an_admin(user_id).await?;
        }
        let changes = UserChanges {
            is_active: Some(active),
            ..UserChanges::default()
        };
        let user = self.0.users.update_user(user_id, changes).await?;
        if !active {
            self.end_user_access(user_id, None).await?;
        }
        self.record(AuthEvent::ActiveChanged {
            user_id: user.id.clone(),
            active,
        });
        Ok(user)
    }

    /// Gives an account another role (an admin API). With strict sessions
    /// the access tokens already out act with the new role from the next
    /// request, on every instance; otherwise from their next refresh. The
    /// last active admin is never demoted ([`AuthError::Conflict`]).
    #[tracing::instrument(name = "portcullis.set_user_role", skip_all, fields(user = %user_id))]
    pub async fn set_user_role(&self, user_id: &str, role: &str) -> Result<User, AuthError> {
        let role = role.trim();
        if role.is_empty() {
            return Err(AuthError::invalid(
                Field::Named("role".into()),
                Rule::Missing,
            ));
        }
        if *role != self.0.config.accounts.admin_role {
            self.keep_an_admin(user_id).await?;
        }
        let changes = UserChanges {
            role: Some(role.to_owned()),
            ..UserChanges::default()
        };
        let user = self.0.users.update_user(user_id, changes).await?;
        self.announce(Revocation::RoleChanged {
            user_id: user.id.clone(),
            role: user.role.clone(),
        })
        .await;
        self.record(AuthEvent::RoleChanged {
            user_id: user.id.clone(),
            role: user.role.clone(),
        });
        Ok(user)
    }

    /// Ends every session of an account, on every instance with strict
    /// sessions: for an account deleted from the app's own users table,
    /// or a device reported stolen.
    #[tracing::instrument(name = "portcullis.end_all_sessions", skip_all, fields(user = %user_id))]
    pub async fn end_all_sessions(&self, user_id: &str) -> Result<(), AuthError> {
        self.end_user_access(user_id, None).await
    }
}
