//! The admin API, for holders of `accounts.admin_role`: listing, reading,
//! creating, changing and deleting accounts, their sessions and second
//! factors. Each action is an audit event naming the admin. A user cannot
//! change their own role, and the last active admin can be neither
//! demoted, nor deactivated, nor deleted.
//!
//! Listing and deleting need the user store's [`UserDirectory`]; without
//! one they answer [`AuthError::Unsupported`].

mod changes;

use crate::audit::AuthEvent;
use crate::error::AuthError;
use crate::identity::Identity;
use crate::store::{RefreshFamily, User, UserDirectory, UserPage, UserQuery};

use super::Auth;

pub use changes::AccountChanges;

/// The most accounts one page lists.
const MAX_PAGE: usize = 100;

impl Auth {
    /// The caller as an admin: an active holder of the admin role, acting
    /// for no one.
    pub(crate) async fn as_admin(&self, by: &Identity) -> Result<User, AuthError> {
        if by.actor.is_some() {
            return Err(AuthError::Forbidden(
                "acting on behalf of someone cannot administer accounts",
            ));
        }
        let admin = self.me(by).await?;
        if admin.role != self.0.config.accounts.admin_role {
            return Err(AuthError::Forbidden("this needs an administrator"));
        }
        Ok(admin)
    }

    /// The user store's directory.
    fn directory(&self) -> Result<&dyn UserDirectory, AuthError> {
        self.0.directory.as_deref().ok_or(AuthError::Unsupported(
            "the user store lists and deletes no users: set .directory(..)",
        ))
    }

    pub(crate) fn admin_action(&self, admin: &User, action: &'static str, target: &str) {
        self.record(AuthEvent::AdminAction {
            admin_id: admin.id.clone(),
            action,
            target: target.to_owned(),
        });
    }

    /// A page of accounts, by address (`GET /admin/users`); at most 100.
    #[tracing::instrument(name = "portcullis.list_users", skip_all, fields(user = %by.user_id))]
    pub async fn list_users(&self, by: &Identity, query: UserQuery) -> Result<UserPage, AuthError> {
        let admin = self.as_admin(by).await?;
        let query = UserQuery {
            limit: query.limit.clamp(1, MAX_PAGE),
            ..query
        };
        let page = self.directory()?.list_users(&query).await?;
        self.admin_action(&admin, "list_users", query.search.as_deref().unwrap_or(""));
        Ok(page)
    }

    /// One account (`GET /admin/users/{id}`).
    pub async fn user_by_id(&self, by: &Identity, id: &str) -> Result<User, AuthError> {
        let admin = self.as_admin(by).await?;
        let user = self
            .0
            .users
            .find_user(id)
            .await?
            .ok_or(AuthError::NotFound)?;
        self.admin_action(&admin, "read_user", &user.id);
        Ok(user)
    }

    /// An account's open sessions (`GET /admin/users/{id}/sessions`).
    pub async fn sessions_of(
        &self,
        by: &Identity,
        id: &str,
    ) -> Result<Vec<RefreshFamily>, AuthError> {
        let user = self.user_by_id(by, id).await?;
        self.sessions(&user.id).await
    }

    /// Ends every session and token of an account (`DELETE
    /// /admin/users/{id}/sessions`).
    #[tracing::instrument(name = "portcullis.end_sessions_of", skip_all, fields(user = %by.user_id))]
    pub async fn end_sessions_of(&self, by: &Identity, id: &str) -> Result<(), AuthError> {
        let admin = self.as_admin(by).await?;
        let user = self
            .0
            .users
            .find_user(id)
            .await?
            .ok_or(AuthError::NotFound)?;
        self.end_user_access(&user.id, None).await?;
        self.admin_action(&admin, "end_sessions", &user.id);
        Ok(())
    }

    /// Ends one session, whoever's (`DELETE /admin/sessions/{id}`). Ending
    /// is idempotent: an unknown or already ended session is no error.
    #[tracing::instrument(name = "portcullis.end_session_by_id", skip_all, fields(user = %by.user_id))]
    pub async fn end_session_by_id(
        &self,
        by: &Identity,
        session_id: &str,
    ) -> Result<(), AuthError> {
        let admin = self.as_admin(by).await?;
        self.end_session(session_id).await?;
        self.admin_action(&admin, "end_session", session_id);
        Ok(())
    }

    /// Turns an account's MFA off (`POST /admin/users/{id}/reset-mfa`): see
    /// [`reset_mfa`](Self::reset_mfa).
    pub async fn reset_mfa_of(&self, by: &Identity, id: &str) -> Result<(), AuthError> {
        let admin = self.as_admin(by).await?;
        self.reset_mfa(id).await?;
        self.admin_action(&admin, "reset_mfa", id);
        Ok(())
    }
}
