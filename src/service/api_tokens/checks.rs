//! What every token call checks: who may mint, which tokens are live,
//! lifetimes within policy, and minting itself.

use std::time::Duration;

use time::OffsetDateTime;

use crate::audit::AuthEvent;
use crate::error::{AuthError, Field, Rule};
use crate::identity::Identity;
use crate::store::{ApiToken, ApiTokenKind, User, Window};
use crate::token::opaque;

use super::super::throttle::limited;
use super::super::{Auth, Client};
use super::{HINT_LENGTH, TokenScope};

impl Auth {
    /// The caller as a user who may mint with one of `roles`: on-behalf-of
    /// callers may not (no chains of acting), nor may other roles.
    pub(super) async fn may_mint(
        &self,
        caller: &Identity,
        roles: &[String],
    ) -> Result<User, AuthError> {
        if caller.actor.is_some() {
            return Err(AuthError::Forbidden(
                "on-behalf-of tokens cannot mint tokens",
            ));
        }
        let user = self.active_user(&caller.user_id).await?;
        if roles.contains(&user.role) {
            Ok(user)
        } else {
            Err(AuthError::Forbidden(
                "your role may not create these tokens",
            ))
        }
    }

    /// Whether a role is one that mints tokens.
    pub(super) fn privileged(&self, role: &str) -> bool {
        let policy = &self.0.config.api_tokens;
        policy
            .app_token_roles
            .iter()
            .chain(&policy.act_for_others_roles)
            .any(|r| r == role)
    }

    /// The user, if active and still holding one of `roles`.
    pub(super) async fn still_allowed(
        &self,
        id: &str,
        roles: &[String],
    ) -> Result<User, AuthError> {
        let user = self.active_user(id).await?;
        if roles.contains(&user.role) {
            Ok(user)
        } else {
            Err(AuthError::TokenInvalid)
        }
    }

    /// A token of the scope that the caller made, found by its secret.
    pub(super) async fn owned_token(
        &self,
        caller: &Identity,
        scope: TokenScope,
        token: &str,
    ) -> Result<ApiToken, AuthError> {
        match self
            .0
            .api_tokens
            .find_api_token(&opaque::digest(token))
            .await?
        {
            Some(found)
                if found.owner_id == caller.user_id && scope.kinds().contains(&found.kind) =>
            {
                Ok(found)
            }
            _ => Err(AuthError::NotFound),
        }
    }

    /// A live token of one of `kinds`, with per-IP throttling of failures.
    pub(super) async fn live_token(
        &self,
        secret: &str,
        kinds: &[ApiTokenKind],
        client: Client,
    ) -> Result<ApiToken, AuthError> {
        if let Some(key) = client.ip_key("tokens") {
            let budget = self.0.config.throttles.ip;
            limited(self.0.limiter.peek(&key, budget.limit, self.now()).await?)?;
        }
        let found = self
            .0
            .api_tokens
            .find_api_token(&opaque::digest(secret))
            .await?;
        let verdict = match found {
            Some(token) if !kinds.contains(&token.kind) => Err(AuthError::TokenInvalid),
            Some(token) if token.expires_at <= self.now() => Err(AuthError::TokenExpired),
            Some(token) => Ok(token),
            None => Err(AuthError::TokenInvalid),
        };
        if verdict.is_err() {
            self.count_token_failure(client).await?;
        }
        verdict
    }

    pub(super) async fn count_token_failure(&self, client: Client) -> Result<(), AuthError> {
        self.record(AuthEvent::LoginFailed {
            user_id: None,
            factor: "api_token",
            ip: client.ip,
        });
        if let Some(key) = client.ip_key("tokens") {
            let budget = self.0.config.throttles.ip;
            self.0
                .limiter
                .hit(&key, budget.limit, Window::Fixed(budget.window), self.now())
                .await?;
        }
        Ok(())
    }

    /// now + `seconds`, or now + `lifetime` without them; never past
    /// `minted` + `lifetime`, the most the token's policy allows it.
    pub(super) fn expiry(
        &self,
        seconds: Option<i64>,
        lifetime: Duration,
        minted: OffsetDateTime,
        creating: bool,
    ) -> Result<OffsetDateTime, AuthError> {
        let now = self.now();
        let out_of_range = || AuthError::invalid(Field::Lifetime, Rule::OutOfRange);
        let ceiling = minted
            .checked_add(lifetime.try_into().map_err(|_| out_of_range())?)
            .ok_or_else(out_of_range)?;
        match seconds {
            None => Ok(ceiling),
            Some(s) if creating && s <= 0 => {
                Err(AuthError::invalid(Field::Lifetime, Rule::NotPositive))
            }
            // Ending a token needs no arithmetic: however negative, it is now.
            Some(s) if s <= 0 => Ok(now),
            Some(s) => now
                .checked_add(time::Duration::seconds(s))
                .filter(|wanted| *wanted <= ceiling)
                .ok_or_else(out_of_range),
        }
    }

    /// The most a token of `kind` may live, from its minting.
    pub(super) fn lifetime(&self, kind: ApiTokenKind) -> Duration {
        let policy = &self.0.config.api_tokens;
        match kind {
            ApiTokenKind::App => policy.app_token_ttl,
            ApiTokenKind::User => policy.user_token_ttl,
            ApiTokenKind::OnBehalfOf => policy.on_behalf_of_ttl,
        }
    }

    pub(super) async fn mint(
        &self,
        kind: ApiTokenKind,
        subject: &User,
        actor: Option<&str>,
        owner: &str,
        app_hash: Option<String>,
        expires_at: OffsetDateTime,
    ) -> Result<String, AuthError> {
        let secret = opaque::generate();
        let token = ApiToken {
            token_hash: opaque::digest(&secret),
            kind,
            user_id: subject.id.clone(),
            actor_id: actor.map(str::to_owned),
            owner_id: owner.to_owned(),
            app_hash,
            hint: secret[..HINT_LENGTH].to_owned(),
            created_at: self.now(),
            expires_at,
        };
        self.0.api_tokens.create_api_token(&token).await?;
        self.record(AuthEvent::TokenMinted {
            kind: kind.as_str(),
            user_id: token.user_id,
            actor: token.actor_id,
        });
        Ok(secret)
    }
}
