//! Signing in with a password, and registering.

use crate::error::AuthError;
use crate::identity::AuthMethod;
use crate::store::{Decision, User, email_key};

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
    /// [`AuthError::InvalidCredentials`] after the same Argon2 work. Attempts
    /// are throttled per account (consecutive failures, reset by a success)
    /// and failures per client IP; over budget answers
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
    /// configured default role; refused when registration is closed.
    pub async fn register(&self, mut account: NewAccount) -> Result<User, AuthError> {
        if !self.0.config.registration_open {
            return Err(AuthError::Forbidden("registration is closed"));
        }
        account.role = self.0.config.default_role.clone();
        self.create_user(account).await
    }

    /// The account these credentials prove, with throttling and equal timing.
    pub(crate) async fn check_password(
        &self,
        email: &str,
        password: &str,
        client: Client,
    ) -> Result<User, AuthError> {
        let inner = &self.0;
        let now = inner.clock.now();
        let (account_limit, ip_limit) = (inner.config.account_throttle, inner.config.ip_throttle);
        let account_key = format!("login:account:{}", email_key(email));
        let ip_key = client.ip.map(|ip| format!("login:ip:{ip}"));

        if let Some(key) = &ip_key {
            limited(
                inner
                    .limiter
                    .peek(key, ip_limit.limit, ip_limit.window, now)
                    .await?,
            )?;
        }
        // Counted before the check, so that a burst of parallel guesses is
        // counted in full; a success resets the count.
        limited(
            inner
                .limiter
                .hit(&account_key, account_limit.limit, account_limit.window, now)
                .await?,
        )?;

        let user = inner.users.find_user_by_email(email).await?;
        let hash = user.as_ref().and_then(|u| u.password_hash.as_deref());
        let matched = inner.hasher.verify(password, hash).await?;
        match user {
            Some(user) if matched && user.is_active => {
                inner.limiter.reset(&account_key).await?;
                Ok(user)
            }
            _ => {
                if let Some(key) = &ip_key {
                    inner
                        .limiter
                        .hit(key, ip_limit.limit, ip_limit.window, now)
                        .await?;
                }
                Err(AuthError::InvalidCredentials)
            }
        }
    }
}

fn limited(decision: Decision) -> Result<(), AuthError> {
    match decision {
        Decision::Allowed { .. } => Ok(()),
        Decision::Limited { retry_after } => Err(AuthError::RateLimited { retry_after }),
    }
}
