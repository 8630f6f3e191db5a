//! Sessions: opening one, refreshing it with rotation and reuse detection,
//! closing it, and verifying access tokens.

use crate::audit::AuthEvent;
use crate::error::AuthError;
use crate::hooks;
use crate::identity::{AuthMethod, Identity};
use crate::store::new_id;
use crate::store::{RefreshFamily, SessionUser, StoreError, User};
use crate::token::jwt::AccessClaims;
use crate::token::opaque;

use super::strict::Verdict;
use super::{Auth, Client, Session, measure, record_user, until};

impl Auth {
    /// The public keys of access tokens as a JWK Set (RFC 7517): what other
    /// services fetch to verify them (`GET /.well-known/jwks.json`). HMAC
    /// secrets are never in it.
    pub fn jwks(&self) -> serde_json::Value {
        self.0.config.keys.signing.jwks()
    }

    /// Verifies an access token, with no store round trip: its signature
    /// and claims and, with strict sessions, the revocation view. While an
    /// instance in strict mode has lost its revocation channel this cannot
    /// vouch for any token and answers [`AuthError::Unavailable`]: use
    /// [`check_access_token`](Self::check_access_token), which then asks
    /// the store.
    pub fn authenticate(&self, access_token: &str) -> Result<Identity, AuthError> {
        match self.verdict(access_token) {
            Verdict::Settled(identity) => identity,
            Verdict::AskStore(_) => Err(AuthError::Unavailable),
        }
    }

    /// Verifies an access token like [`authenticate`](Self::authenticate);
    /// in strict mode with the revocation channel lost, the store judges
    /// (the session must still be open, the user active; the role is the
    /// user's role now).
    pub async fn check_access_token(&self, access_token: &str) -> Result<Identity, AuthError> {
        match self.verdict(access_token) {
            Verdict::Settled(identity) => identity,
            Verdict::AskStore(identity) => self.confirm_with_store(identity).await,
        }
    }

    /// What can be said of an access token without the store.
    pub(crate) fn verdict(&self, access_token: &str) -> Verdict {
        let identity = match self.0.access.verify(access_token, self.0.clock.now()) {
            Ok(identity) => identity,
            Err(err) => return Verdict::Settled(Err(err)),
        };
        match &self.0.strict {
            Some(strict) => strict.judge(identity),
            None => Verdict::Settled(Ok(identity)),
        }
    }

    /// Exchanges a refresh token for a new access token and a new refresh
    /// token. The presented token is spent: presenting it again revokes the
    /// whole session (RFC 9700 §4.14), and of concurrent refreshes with one
    /// token at most one succeeds.
    #[tracing::instrument(name = "portcullis.refresh", skip_all, fields(user = tracing::field::Empty, session = tracing::field::Empty))]
    pub async fn refresh(&self, refresh_token: &str) -> Result<Session, AuthError> {
        let refreshed = self.rotate(&opaque::digest(refresh_token)).await;
        measure::refresh(refreshed.is_ok());
        refreshed
    }

    /// A refresh, from the digest of the refresh token it spends: in the
    /// common case one store call rotates it (and, where the session store
    /// keeps the users too, reads the user); only a refused rotation reads
    /// the token to tell why (reuse ends the session).
    pub(crate) async fn rotate(&self, spent: &str) -> Result<Session, AuthError> {
        let inner = &self.0;
        let now = inner.clock.now();
        let idle_since = inner.config.sessions.idle_timeout.map(|idle| now - idle);
        let next = opaque::generate();
        let next_digest = opaque::digest(&next);
        let rotated = self.rotate_reading_user(spent, &next_digest, now, idle_since);
        let Some((family, read)) = measure::store("rotate_refresh_token", rotated).await? else {
            return Err(self.refused_rotation(spent, now, idle_since).await);
        };
        record_user(&family.user_id);
        tracing::Span::current().record("session", family.id.as_str());
        let user = match read {
            // A user row that is not the family's user fails closed.
            SessionUser::Found(user) => Some(user).filter(|user| user.id == family.user_id),
            SessionUser::Missing => None,
            SessionUser::NotRead => {
                let found = inner.users.find_user(&family.user_id);
                measure::store("find_user", found).await?
            }
        };
        let user = match user {
            Some(user) if user.is_active => user,
            _ => {
                self.end_session(&family.id).await?;
                return Err(AuthError::TokenInvalid);
            }
        };
        self.session(user, &family, next).await
    }

    /// A refresh's store call: the rotation, and the user too where the
    /// session store keeps the users.
    async fn rotate_reading_user(
        &self,
        spent: &str,
        next: &str,
        now: time::OffsetDateTime,
        idle_since: Option<time::OffsetDateTime>,
    ) -> Result<Option<(RefreshFamily, SessionUser)>, StoreError> {
        let sessions = &self.0.sessions;
        if self.0.sessions_hold_users {
            return (sessions.rotate_live_refresh_token_with_user(spent, next, now, idle_since))
                .await;
        }
        let rotated = (sessions.rotate_live_refresh_token(spent, next, now, idle_since)).await?;
        Ok(rotated.map(|family| (family, SessionUser::NotRead)))
    }

    /// Why a token did not rotate: unknown or revoked, reused (the session
    /// ends), expired, or idle too long (the session ends).
    async fn refused_rotation(
        &self,
        spent: &str,
        now: time::OffsetDateTime,
        idle_since: Option<time::OffsetDateTime>,
    ) -> AuthError {
        let token = match measure::store(
            "find_refresh_token",
            self.0.sessions.find_refresh_token(spent),
        )
        .await
        {
            Ok(Some(token)) => token,
            Ok(None) => return AuthError::TokenInvalid,
            Err(err) => return err.into(),
        };
        let family = token.family;
        record_user(&family.user_id);
        tracing::Span::current().record("session", family.id.as_str());
        if family.revoked_at.is_some() {
            return AuthError::TokenInvalid;
        }
        // Spent before, or by a concurrent refresh that won: reuse.
        if token.used_at.is_some() {
            return self.revoke_reused(&family).await;
        }
        if family.expires_at <= now {
            return AuthError::TokenExpired;
        }
        if idle_since.is_some_and(|since| family.last_used_at <= since) {
            return match self.end_session(&family.id).await {
                Ok(()) => AuthError::TokenExpired,
                Err(err) => err,
            };
        }
        // Live and unspent, yet not rotated: fail closed.
        AuthError::TokenInvalid
    }

    /// Ends the session a refresh token belongs to. Unknown or already
    /// revoked tokens are accepted silently: logging out is idempotent.
    #[tracing::instrument(name = "portcullis.logout", skip_all, fields(session = tracing::field::Empty))]
    pub async fn logout(&self, refresh_token: &str) -> Result<(), AuthError> {
        let inner = &self.0;
        if let Some(token) = inner
            .sessions
            .find_refresh_token(&opaque::digest(refresh_token))
            .await?
        {
            tracing::Span::current().record("session", token.family.id.as_str());
            self.end_session(&token.family.id).await?;
        }
        Ok(())
    }

    /// Deletes ended sessions, expired one-time tokens and API tokens, and
    /// (where the limiter keeps them) spent rate-limit counters;
    /// run it now and then (the quickstart does, hourly). Returns how many
    /// records went.
    #[tracing::instrument(name = "portcullis.purge_expired", skip_all)]
    pub async fn purge_expired(&self) -> Result<u64, AuthError> {
        let inner = &self.0;
        let now = self.now();
        let sessions = inner.sessions.purge_expired_sessions(now).await?;
        let links = inner.one_time.purge_expired_one_time_tokens(now).await?;
        let tokens = inner.api_tokens.purge_expired_api_tokens(now).await?;
        let counters = inner.limiter.purge_expired_counters(now).await?;
        Ok(sessions + links + tokens + counters)
    }

    /// The signed-in user's own open sessions, oldest first (`GET
    /// /auth/sessions`); someone acting on the user's behalf may not see them.
    pub async fn my_sessions(&self, identity: &Identity) -> Result<Vec<RefreshFamily>, AuthError> {
        let user = self.own_account(identity).await?;
        self.sessions(&user.id).await
    }

    /// The user's open sessions, oldest first.
    #[tracing::instrument(name = "portcullis.sessions", skip_all, fields(user = %user_id))]
    pub async fn sessions(&self, user_id: &str) -> Result<Vec<RefreshFamily>, AuthError> {
        Ok(self
            .0
            .sessions
            .list_families(user_id, self.0.clock.now())
            .await?)
    }

    /// Opens a session for a proven user: within the budget of successes,
    /// and ending the user's oldest sessions beyond `max_per_user`.
    pub(crate) async fn open_session(
        &self,
        user: User,
        methods: &[AuthMethod],
        remember: bool,
        client: Client,
    ) -> Result<Session, AuthError> {
        let names: Vec<String> = methods.iter().map(|m| m.as_str().to_owned()).collect();
        if let Err(reason) = self.0.hooks.before_login(&user, &names).await {
            tracing::info!(user = %user.id, reason, "a hook refused a sign-in");
            return Err(AuthError::LoginRefused(reason));
        }
        self.charge_success(&user, client).await?;
        self.record(AuthEvent::LoginSucceeded {
            user_id: user.id.clone(),
            methods: names,
            ip: client.ip,
        });
        let inner = &self.0;
        let now = inner.clock.now();
        let ttl = if remember {
            inner.config.sessions.remembered_ttl
        } else {
            inner.config.sessions.ttl
        };
        let family = RefreshFamily {
            id: new_id(),
            user_id: user.id.clone(),
            amr: methods.iter().map(|m| m.as_str().to_owned()).collect(),
            remember,
            created_at: now,
            expires_at: now + ttl,
            revoked_at: None,
            last_used_at: now,
            client: client.label(),
        };
        let secret = opaque::generate();
        let digest = opaque::digest(&secret);
        let created = inner.sessions.create_family(&family, &digest);
        measure::store("create_family", created).await?;
        self.cap_sessions(&user.id).await?;
        self.session(user, &family, secret).await
    }

    /// Ends a user's oldest sessions beyond `sessions.max_per_user`.
    async fn cap_sessions(&self, user_id: &str) -> Result<(), AuthError> {
        let open = self.0.sessions.list_families(user_id, self.now()).await?;
        let beyond = open
            .len()
            .saturating_sub(self.0.config.sessions.max_per_user);
        for oldest in &open[..beyond] {
            self.end_session(&oldest.id).await?;
        }
        Ok(())
    }

    async fn session(
        &self,
        user: User,
        family: &RefreshFamily,
        refresh_token: String,
    ) -> Result<Session, AuthError> {
        let custom = hooks::bounded(self.0.hooks.custom_claims(&user).await);
        let inner = &self.0;
        let now = inner.clock.now();
        let expires_in = inner.config.sessions.access_token_ttl;
        let claims = AccessClaims {
            sub: user.id.clone(),
            sid: Some(family.id.clone()),
            iat: now.unix_timestamp(),
            exp: (now + expires_in).unix_timestamp(),
            iss: inner.config.keys.issuer.clone(),
            aud: inner.config.keys.audience.clone(),
            role: user.role.clone(),
            amr: family.amr.clone(),
            auth_time: Some(family.created_at.unix_timestamp()),
            jti: new_id(),
            custom,
        };
        Ok(Session {
            access_token: inner.access.sign(&claims)?,
            refresh_token,
            expires_in,
            refresh_expires_in: until(family.expires_at, now),
            user,
            device: None,
        })
    }

    async fn revoke_reused(&self, family: &RefreshFamily) -> AuthError {
        self.record(AuthEvent::RefreshReused {
            user_id: family.user_id.clone(),
            session_id: family.id.clone(),
        });
        match self.end_session(&family.id).await {
            Ok(()) => AuthError::TokenInvalid,
            Err(e) => e,
        }
    }
}
