//! The v1 token API: app tokens, user tokens and on-behalf-of tokens.
//!
//! All three are opaque 256-bit secrets stored as SHA-256 digests; the
//! secret is also the token's id in URLs. Checking one costs store lookups,
//! never a password hash. Failed checks count against the client IP like
//! failed logins. Every token minted and every request made on behalf of
//! someone is an audit event naming the subject and the actor.

mod checks;

use crate::audit::AuthEvent;
use crate::error::{AuthError, Field, Rule};
use crate::identity::Identity;
use crate::store::{ApiToken, ApiTokenKind, StoreError};

use super::mfa::Source;
use super::{Auth, Client, record_user};

/// Characters of a secret kept as its hint in listings.
const HINT_LENGTH: usize = 6;

/// Which tokens a call manages: `/v1/app_tokens/` or `/v1/tokens/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenScope {
    /// App tokens.
    App,
    /// User tokens and on-behalf-of tokens.
    User,
}

impl TokenScope {
    fn kinds(self) -> &'static [ApiTokenKind] {
        match self {
            Self::App => &[ApiTokenKind::App],
            Self::User => &[ApiTokenKind::User, ApiTokenKind::OnBehalfOf],
        }
    }
}

impl Auth {
    /// Exchanges an app token and a user's credentials for a user token
    /// (`POST /v1/token/`); the user token works only beside that app token.
    /// A user with MFA must add a current TOTP code.
    #[tracing::instrument(name = "portcullis.issue_user_token", skip_all, fields(user = tracing::field::Empty))]
    pub async fn issue_user_token(
        &self,
        app_token: &str,
        email: &str,
        password: &str,
        otp: Option<&str>,
        client: Client,
    ) -> Result<String, AuthError> {
        let app = self
            .live_token(app_token, &[ApiTokenKind::App], client)
            .await?;
        let user = self.check_password(email, password, client).await?;
        record_user(&user.id);
        self.may_sign_in(&user)?;
        if self.mfa_enabled(&user.id).await? {
            let source = Source {
                client,
                device: None,
            };
            self.check_totp(&user, otp.ok_or(AuthError::InvalidOtp)?, source)
                .await?;
        }
        let ttl = self.0.config.api_tokens.user_token_ttl;
        let expires_at = self.now() + ttl;
        self.mint(
            ApiTokenKind::User,
            &user,
            None,
            &user.id,
            Some(app.token_hash),
            expires_at,
        )
        .await
    }

    /// Creates an app token for a caller whose role may (`POST /v1/app_tokens/`);
    /// `seconds` overrides the default lifetime.
    #[tracing::instrument(name = "portcullis.create_app_token", skip_all, fields(user = %caller.user_id))]
    pub async fn create_app_token(
        &self,
        caller: &Identity,
        seconds: Option<i64>,
    ) -> Result<String, AuthError> {
        let policy = &self.0.config.api_tokens;
        let owner = self.may_mint(caller, &policy.app_token_roles).await?;
        let expires_at = self.expiry(seconds, policy.app_token_ttl, self.now(), true)?;
        self.mint(ApiTokenKind::App, &owner, None, &owner.id, None, expires_at)
            .await
    }

    /// Creates a token that acts as `user_id` on behalf of the caller
    /// (`POST /v1/tokens/`), for callers whose role may act for others.
    #[tracing::instrument(name = "portcullis.create_on_behalf_of_token", skip_all, fields(user = %caller.user_id, subject = %user_id))]
    pub async fn create_on_behalf_of_token(
        &self,
        caller: &Identity,
        user_id: &str,
        seconds: Option<i64>,
    ) -> Result<String, AuthError> {
        let policy = &self.0.config.api_tokens;
        let actor = self.may_mint(caller, &policy.act_for_others_roles).await?;
        let subject = match self.0.users.find_user(user_id).await {
            Ok(Some(user)) => user,
            Ok(None) => return Err(AuthError::NotFound),
            Err(StoreError::InvalidId) => {
                return Err(AuthError::invalid(Field::User, Rule::Malformed));
            }
            Err(e) => return Err(e.into()),
        };
        if self.privileged(&subject.role) && subject.role != actor.role {
            // No acting above one's own rights: a role that may mint tokens
            // can be acted for only by a holder of that same role.
            return Err(AuthError::Forbidden(
                "you may not act for a user with that role",
            ));
        }
        let expires_at = self.expiry(seconds, policy.on_behalf_of_ttl, self.now(), true)?;
        let token = self
            .mint(
                ApiTokenKind::OnBehalfOf,
                &subject,
                Some(&actor.id),
                &actor.id,
                None,
                expires_at,
            )
            .await?;
        Ok(token)
    }

    /// The tokens the caller made in a scope, oldest first (digests and
    /// hints, never secrets). A request on behalf of someone manages that
    /// someone's tokens, never the actor's.
    #[tracing::instrument(name = "portcullis.api_tokens", skip_all, fields(user = %caller.user_id))]
    pub async fn api_tokens(
        &self,
        caller: &Identity,
        scope: TokenScope,
    ) -> Result<Vec<ApiToken>, AuthError> {
        Ok(self
            .0
            .api_tokens
            .list_api_tokens(&caller.user_id, scope.kinds())
            .await?)
    }

    /// Sets a token's expiry to now + `seconds` (`seconds <= 0` ends it at
    /// once). Tokens of other users are [`AuthError::NotFound`].
    ///
    /// Extending needs the maker's rights today (minting such a token),
    /// never the token itself (a `Token` cannot extend its own life), and
    /// goes no further than the token's policy lifetime from its minting.
    #[tracing::instrument(name = "portcullis.set_api_token_expiry", skip_all, fields(user = %caller.user_id))]
    pub async fn set_api_token_expiry(
        &self,
        caller: &Identity,
        scope: TokenScope,
        token: &str,
        seconds: i64,
    ) -> Result<ApiToken, AuthError> {
        let mut found = self.owned_token(caller, scope, token).await?;
        if seconds > 0 {
            let own = [&caller.api_token, &caller.app_token];
            if own
                .iter()
                .any(|used| used.as_deref() == Some(found.token_hash.as_str()))
            {
                return Err(AuthError::Forbidden("a token cannot extend its own life"));
            }
            // An ended token (by its expiry, or by a change of credentials)
            // stays ended: a stolen one is not brought back.
            if found.expires_at <= self.now() {
                return Err(AuthError::Forbidden("an ended token cannot be extended"));
            }
            let policy = &self.0.config.api_tokens;
            match found.kind {
                ApiTokenKind::App => self.may_mint(caller, &policy.app_token_roles).await?,
                ApiTokenKind::OnBehalfOf => {
                    self.may_mint(caller, &policy.act_for_others_roles).await?
                }
                ApiTokenKind::User => self.own_account(caller).await?,
            };
        }
        let lifetime = self.lifetime(found.kind);
        found.expires_at = self.expiry(Some(seconds), lifetime, found.created_at, false)?;
        if !self
            .0
            .api_tokens
            .set_api_token_expiry(&found.token_hash, found.expires_at)
            .await?
        {
            return Err(AuthError::NotFound);
        }
        self.record(AuthEvent::TokenChanged {
            kind: found.kind.as_str(),
            owner_id: found.owner_id.clone(),
            change: "expiry",
        });
        Ok(found)
    }

    /// Deletes one of the caller's tokens; others' are [`AuthError::NotFound`].
    #[tracing::instrument(name = "portcullis.delete_api_token", skip_all, fields(user = %caller.user_id))]
    pub async fn delete_api_token(
        &self,
        caller: &Identity,
        scope: TokenScope,
        token: &str,
    ) -> Result<(), AuthError> {
        let found = self.owned_token(caller, scope, token).await?;
        if !self
            .0
            .api_tokens
            .delete_api_token(&found.token_hash)
            .await?
        {
            return Err(AuthError::NotFound);
        }
        self.record(AuthEvent::TokenChanged {
            kind: found.kind.as_str(),
            owner_id: found.owner_id,
            change: "deleted",
        });
        Ok(())
    }

    /// Authenticates an `App-Token` + `Token` pair: both live, the user token
    /// (or on-behalf-of token) bound to that app if it was minted through
    /// one, and its users active.
    #[tracing::instrument(name = "portcullis.authenticate_tokens", skip_all, fields(user = tracing::field::Empty))]
    pub async fn authenticate_tokens(
        &self,
        app_token: &str,
        user_token: &str,
        client: Client,
    ) -> Result<Identity, AuthError> {
        let app = self
            .live_token(app_token, &[ApiTokenKind::App], client)
            .await?;
        let token = self
            .live_token(
                user_token,
                &[ApiTokenKind::User, ApiTokenKind::OnBehalfOf],
                client,
            )
            .await?;
        if token
            .app_hash
            .as_ref()
            .is_some_and(|bound| *bound != app.token_hash)
        {
            self.count_token_failure(client).await?;
            return Err(AuthError::TokenInvalid);
        }
        // Tokens never outlive their makers' rights: the app token's maker
        // must still be allowed app tokens, an actor still allowed to act.
        let policy = &self.0.config.api_tokens;
        self.still_allowed(&app.user_id, &policy.app_token_roles)
            .await?;
        record_user(&token.user_id);
        let subject = self.active_user(&token.user_id).await?;
        if let Some(actor) = &token.actor_id {
            let actor = self
                .still_allowed(actor, &policy.act_for_others_roles)
                .await?;
            // The rule of minting holds at each use: the subject may have
            // been given a role above the actor's since.
            if self.privileged(&subject.role) && subject.role != actor.role {
                return Err(AuthError::TokenInvalid);
            }
            let actor = &actor.id;
            self.record(AuthEvent::ActedOnBehalf {
                actor: actor.clone(),
                subject: subject.id.clone(),
            });
        }
        Ok(Identity {
            user_id: subject.id,
            role: subject.role,
            session_id: None,
            amr: Vec::new(),
            actor: token.actor_id,
            expires_at: token.expires_at,
            auth_time: None,
            claims: serde_json::Map::new(),
            api_token: Some(token.token_hash),
            app_token: Some(app.token_hash),
        })
    }
}
