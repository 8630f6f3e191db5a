//! Signing in with a password, and registering.

use crate::config::EmailVerification;
use crate::error::AuthError;
use crate::identity::AuthMethod;
use crate::store::{Decision, User, Window, email_key};
use crate::token::opaque;

use super::{Auth, Client, LoginOutcome, NewAccount, record_user};

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
    /// A TOTP code, for users with MFA who sign in in one step.
    pub otp: Option<String>,
    /// Opaque to the service: kept with an MFA challenge and handed back when
    /// it completes (a dialect remembers a cookie-mode login this way).
    pub context: Option<String>,
    /// Whether the client can take a second login step (an `mfaToken`); a
    /// client that cannot (Directus) gets [`AuthError::InvalidOtp`] instead.
    pub second_step: bool,
}

impl Credentials {
    /// Credentials for a session of the normal length.
    pub fn new(email: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            email: email.into(),
            password: password.into(),
            remember: false,
            otp: None,
            context: None,
            second_step: true,
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
    ///
    /// A user with MFA gets [`LoginOutcome::MfaRequired`] instead of a
    /// session, unless the credentials carry a valid `otp` (one step); a
    /// wrong `otp` is [`AuthError::InvalidOtp`].
    #[tracing::instrument(name = "portcullis.login", skip_all, fields(user = tracing::field::Empty))]
    pub async fn login(
        &self,
        credentials: Credentials,
        client: Client,
    ) -> Result<LoginOutcome, AuthError> {
        let (user, mfa) = self
            .prove_password(&credentials.email, &credentials.password, client)
            .await?;
        record_user(&user.id);
        self.may_sign_in(&user)?;
        if !mfa {
            let session = self
                .open_session(user, &[AuthMethod::Password], credentials.remember)
                .await?;
            return Ok(LoginOutcome::Session(session));
        }
        match &credentials.otp {
            Some(code) => {
                self.check_totp(&user, code).await?;
                let methods = [AuthMethod::Password, AuthMethod::Otp];
                let session = self
                    .open_session(user, &methods, credentials.remember)
                    .await?;
                Ok(LoginOutcome::Session(session))
            }
            None if !credentials.second_step => Err(AuthError::InvalidOtp),
            None => Ok(LoginOutcome::MfaRequired {
                mfa_token: self.mfa_challenge(&user, &credentials).await?,
            }),
        }
    }

    /// Creates an account for a visitor (`POST /auth/register`), with the
    /// configured default role; refused when registration is closed, and
    /// throttled per client IP with the `ip_throttle` budget.
    #[tracing::instrument(name = "portcullis.register", skip_all, fields(user = tracing::field::Empty))]
    pub async fn register(
        &self,
        mut account: NewAccount,
        client: Client,
    ) -> Result<User, AuthError> {
        if !self.0.config.accounts.registration_open {
            return Err(AuthError::Forbidden("registration is closed"));
        }
        account.role = self.0.config.accounts.default_role.clone();
        self.charge_ip(client, "register").await?;
        account.email_verified = false;
        let user = self.create_user(account).await?;
        record_user(&user.id);
        self.after_registration(&user)?;
        Ok(user)
    }

    /// Refuses a proven user who still has to verify their address.
    pub(crate) fn may_sign_in(&self, user: &User) -> Result<(), AuthError> {
        let required = self.0.config.mail.email_verification == EmailVerification::Required;
        if required && !user.email_verified {
            return Err(AuthError::EmailNotVerified);
        }
        Ok(())
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
        Ok(self.prove_password(email, password, client).await?.0)
    }

    /// [`check_password`](Self::check_password), and whether the account
    /// has MFA on.
    async fn prove_password(
        &self,
        email: &str,
        password: &str,
        client: Client,
    ) -> Result<(User, bool), AuthError> {
        let inner = &self.0;
        let ip_key = client.ip_key("login");
        self.charge_ip(client, "login").await?;
        self.charge_account(email).await?;

        let user = inner.users.find_user_by_email(email).await?;
        let hash = user.as_ref().and_then(|u| u.password_hash.as_deref());
        let matched = inner.hasher.verify(password, hash).await?;
        match user {
            Some(user) if matched && user.is_active => {
                // With MFA, only the second factor proves the account: a
                // password alone must not wipe out failed codes, or new
                // challenges would allow endless guessing.
                let mfa = self.mfa_enabled(&user.id).await?;
                if !mfa {
                    self.clear_account(email).await?;
                }
                if let Some(key) = &ip_key {
                    inner.limiter.forgive(key).await?;
                }
                Ok((user, mfa))
            }
            _ => Err(AuthError::InvalidCredentials),
        }
    }
}

impl Auth {
    /// Counts one attempt by the client's IP under `purpose` against the
    /// `ip_throttle` budget (nothing without a known IP).
    pub(crate) async fn charge_ip(&self, client: Client, purpose: &str) -> Result<(), AuthError> {
        let Some(key) = client.ip_key(purpose) else {
            return Ok(());
        };
        let budget = self.0.config.throttles.ip;
        let decision = self
            .0
            .limiter
            .hit(&key, budget.limit, Window::Fixed(budget.window), self.now())
            .await?;
        limited(decision)
    }

    /// Counts one attempt at proving an account (a password or a code)
    /// against its budget of consecutive failures.
    pub(crate) async fn charge_account(&self, email: &str) -> Result<(), AuthError> {
        let budget = self.0.config.throttles.account;
        let decision = self
            .0
            .limiter
            .hit(
                &account_key(email),
                budget.limit,
                Window::Sliding(budget.window),
                self.now(),
            )
            .await?;
        limited(decision)
    }

    /// Forgets an account's failures after it was proven.
    pub(crate) async fn clear_account(&self, email: &str) -> Result<(), AuthError> {
        Ok(self.0.limiter.reset(&account_key(email)).await?)
    }
}

/// A digest keeps keys short whatever the client sends as an email.
fn account_key(email: &str) -> String {
    format!("login:account:{}", opaque::digest(&email_key(email)))
}

pub(crate) fn limited(decision: Decision) -> Result<(), AuthError> {
    match decision {
        Decision::Allowed { .. } => Ok(()),
        Decision::Limited { retry_after } => Err(AuthError::RateLimited { retry_after }),
    }
}
