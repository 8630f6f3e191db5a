//! Signing in with a password, and registering.

use crate::audit::AuthEvent;
use crate::config::EmailVerification;
use crate::error::AuthError;
use crate::identity::AuthMethod;
use crate::store::User;

use super::measure;
use super::mfa::Source;
use super::notify::Notice;
use super::throttle::Guarded;
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
    /// The device mark the client kept from an earlier sign-in (the device
    /// cookie): with it, the right password passes the account's lockout.
    pub device: Option<String>,
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
            device: None,
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
        let proof = self
            .prove_password(
                &credentials.email,
                &credentials.password,
                client,
                credentials.device.as_deref(),
            )
            .await?;
        let user = proof.user;
        record_user(&user.id);
        self.may_sign_in(&user)?;
        if proof.device.is_none() {
            self.notify(&user, Notice::NewDevice);
        }
        let source = Source {
            client,
            device: proof.device.as_deref(),
        };
        let device = self.mark_device(&user, proof.device.clone());
        if !proof.mfa {
            let mut session = self
                .open_session(user, &[AuthMethod::Password], credentials.remember, client)
                .await?;
            session.device = device;
            return Ok(LoginOutcome::Session(session));
        }
        match &credentials.otp {
            Some(code) => {
                self.check_totp(&user, code, source).await?;
                let methods = [AuthMethod::Password, AuthMethod::Otp];
                let mut session = self
                    .open_session(user, &methods, credentials.remember, client)
                    .await?;
                session.device = device;
                Ok(LoginOutcome::Session(session))
            }
            None if !credentials.second_step => Err(AuthError::InvalidOtp),
            None => Ok(LoginOutcome::MfaRequired {
                mfa_token: self
                    .mfa_challenge(&user, &credentials, proof.device)
                    .await?,
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
        Ok(self
            .prove_password(email, password, client, None)
            .await?
            .user)
    }

    /// [`check_password`](Self::check_password), with a device mark: a
    /// device the account's owner signed in on before is charged its own
    /// budget, not the account's (which a stranger may have used up).
    async fn prove_password(
        &self,
        email: &str,
        password: &str,
        client: Client,
        device: Option<&str>,
    ) -> Result<Proof, AuthError> {
        let inner = &self.0;
        let ip_key = client.ip_key("login");
        self.charge_ip(client, "login").await?;
        let user =
            measure::store("find_user_by_email", inner.users.find_user_by_email(email)).await?;
        let device = match (device, &user) {
            (Some(mark), Some(user)) => self.known_device(mark, user),
            _ => None,
        };
        let guarded = self.charge_attempt(email, device.as_deref()).await?;
        let hash = user.as_ref().and_then(|u| u.password_hash.as_deref());
        let verified = match inner.hasher.verify(password, hash).await {
            Ok(verified) => verified,
            Err(err) => {
                // Not an attempt: the hasher could not take it (its queue
                // is full, say). The budgets charged up front are given back.
                if let Some(key) = &ip_key {
                    inner.limiter.forgive(key).await?;
                }
                inner.limiter.forgive(&guarded.short_key()).await?;
                return Err(err);
            }
        };
        match user {
            Some(user) if verified.matched && user.is_active => {
                // A hash made again later is as good: a failure here (the
                // hasher busy) must not fail a right password.
                if verified.rehash
                    && let Err(err) = self.rehash(&user, password).await
                {
                    tracing::warn!(error = %err, user = %user.id, "password hash not made again this time");
                }
                // With MFA, only the second factor proves the account: a
                // password alone must not wipe out failed codes, or new
                // challenges would allow endless guessing.
                let mfa = self.mfa_enabled(&user.id).await?;
                if !mfa {
                    self.clear_account(email).await?;
                    self.clear(guarded).await?;
                }
                if let Some(key) = &ip_key {
                    inner.limiter.forgive(key).await?;
                }
                let trusted = matches!(guarded, Guarded::Device(_));
                let device = trusted.then_some(device).flatten();
                Ok(Proof { user, mfa, device })
            }
            user => {
                self.record(AuthEvent::LoginFailed {
                    user_id: user.as_ref().map(|u| u.id.clone()),
                    factor: "password",
                    ip: client.ip,
                });
                self.count_failure(guarded, user.as_ref()).await?;
                Err(AuthError::InvalidCredentials)
            }
        }
    }
}

/// What a right password proved.
struct Proof {
    user: User,
    /// Whether a second factor must follow.
    mfa: bool,
    /// The id of the known device it came from.
    device: Option<String>,
}
