//! Signing in with a password, and registering.

use crate::error::AuthError;
use crate::identity::AuthMethod;
use crate::store::{Decision, User, Window, email_key};
use crate::token::opaque;

use super::{Auth, Client, NewAccount, Session};

/// What a password login needs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Credentials {
    /// The account's email address (trimmed and compared case-insensitively).
    pub email: String,
    /// The password.
    pub password: String,
    /// Whether the session should last `remembered_session_ttl`.
    pub remember: bool,
}

impl Credentials {
    /// Credentials for a session of the normal length.
    pub fn new(email: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            email: email.into(),
            password: password.into(),
            remember: false,
        }
    }
}

impl Auth {
    /// Signs in with email and password and opens a session.
    ///
    /// Unknown email, wrong password and inactive account all answer
    /// [`AuthError::InvalidCredentials`] after the same Argon2 work.
    /// Attempts are throttled per account (consecutive failures, each within
    /// `account_throttle.window` of the last, reset by a success) and per
    /// client IP (failures per window); over budget answers
    /// [`AuthError::RateLimited`] before any password is checked.
    pub async fn login(
        &self,
        credentials: Credentials,
        client: Client,
    ) -> Result<Session, AuthError> {
        let user = self
            .check_password(&credentials.email, &credentials.password, client)
            .await?;
        self.open_session(user, &[AuthMethod::Password], credentials.remember)
            .await
    }

    /// Creates an account for a visitor (`POST /auth/register`), with the
    /// configured default role; refused when registration is closed, and
    /// throttled per client IP with the `ip_throttle` budget.
    pub async fn register(
        &self,
        mut account: NewAccount,
        client: Client,
    ) -> Result<User, AuthError> {
        if !self.0.config.registration_open {
            return Err(AuthError::Forbidden("registration is closed"));
        }
        account.role = self.0.config.default_role.clone();
        if let Some(key) = client.ip_key("register") {
            let budget = self.0.config.ip_throttle;
            limited(
                self.0
                    .limiter
                    .hit(&key, budget.limit, Window::Fixed(budget.window), self.now())
                    .await?,
            )?;
        }
        self.create_user(account).await
    }

    /// The account these credentials prove, with throttling and equal timing.
    ///
    /// Both budgets are charged before the password is checked, so a burst
    /// of parallel attempts is counted in full; a success then resets the
    /// account's count and takes back its charge to the IP.
    pub(crate) async fn check_password(
        &self,
        email: &str,
        password: &str,
        client: Client,
    ) -> Result<User, AuthError> {
        let inner = &self.0;
        let now = inner.clock.now();
        let (account, per_ip) = (inner.config.account_throttle, inner.config.ip_throttle);
        // A digest keeps keys short whatever the client sends as an email.
        let account_key = format!("login:account:{}", opaque::digest(&email_key(email)));
        let ip_key = client.ip_key("login");

        if let Some(key) = &ip_key {
            limited(
                inner
                    .limiter
                    .hit(key, per_ip.limit, Window::Fixed(per_ip.window), now)
                    .await?,
            )?;
        }
        limited(
            inner
                .limiter
                .hit(
                    &account_key,
                    account.limit,
                    Window::Sliding(account.window),
                    now,
                )
                .await?,
        )?;

        let user = inner.users.find_user_by_email(email).await?;
        let hash = user.as_ref().and_then(|u| u.password_hash.as_deref());
        let matched = inner.hasher.verify(password, hash).await?;
        match user {
            Some(user) if matched && user.is_active => {
                inner.limiter.reset(&account_key).await?;
                if let Some(key) = &ip_key {
                    inner.limiter.forgive(key).await?;
                }
                Ok(user)
            }
            _ => Err(AuthError::InvalidCredentials),
        }
    }
}

pub(crate) fn limited(decision: Decision) -> Result<(), AuthError> {
    match decision {
        Decision::Allowed { .. } => Ok(()),
        Decision::Limited { retry_after } => Err(AuthError::RateLimited { retry_after }),
    }
}
