//! TOTP second factors: the types of the API, and checking a code.
//! `enrolment.rs` turns MFA on and off; `challenge.rs` is the second
//! login step and recovery.

mod challenge;
mod enrolment;

use serde::{Deserialize, Serialize};

use crate::audit::AuthEvent;
use crate::error::AuthError;
use crate::mfa;
use crate::store::User;

use super::throttle::Guarded;
use super::{Auth, Client, Session};

/// What a password login leads to.
#[derive(Debug, Clone)]
#[non_exhaustive]
// Made once per login and matched at once: boxing the session buys nothing.
#[allow(clippy::large_enum_variant)]
pub enum LoginOutcome {
    /// Signed in.
    Session(Session),
    /// The password was right; a second factor must follow, with this
    /// `mfaToken` (short-lived, single-use, bound to the user).
    MfaRequired {
        /// The challenge to present with the code.
        mfa_token: String,
    },
}

impl LoginOutcome {
    /// The session, when the login finished in one step.
    pub fn session(self) -> Option<Session> {
        match self {
            Self::Session(session) => Some(session),
            Self::MfaRequired { .. } => None,
        }
    }
}

/// A TOTP enrolment to show the user: scan `qr_png_base64`, or type `secret`.
/// Pending until a code confirms it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MfaEnrolment {
    /// The secret in base32, for typing into an app.
    pub secret: String,
    /// `otpauth://totp/<issuer>:<email>?secret=…&issuer=…`
    pub otpauth_url: String,
    /// A PNG QR code of `otpauth_url`, base64-encoded (feature `qr`;
    /// `None` without it: apps draw their own from `otpauth_url`).
    pub qr_png_base64: Option<String>,
}

/// A completed second login step.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SecondFactorLogin {
    /// The new session.
    pub session: Session,
    /// The `context` the login began with (see [`Credentials::context`](crate::Credentials::context)).
    pub context: Option<String>,
}

/// What proves the user may turn MFA off.
#[derive(Debug, Clone)]
pub enum MfaProof {
    /// A current TOTP code.
    Code(String),
    /// The account's password.
    Password(String),
}

/// What a challenge remembers of the login that made it.
#[derive(Serialize, Deserialize)]
struct Challenge {
    remember: bool,
    context: Option<String>,
    /// The first factor was an external provider, not a password.
    #[serde(default)]
    federated: bool,
    /// The first factor was a mailed sign-in link.
    #[serde(default)]
    emailed: bool,
    /// The known device the password came from: the code is charged to
    /// its budget, not the account's (which a stranger may have used up).
    #[serde(default)]
    device: Option<String>,
}

/// Where a code comes from: the client, and the known device its sign-in
/// began on, if any.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Source<'a> {
    pub(crate) client: Client,
    pub(crate) device: Option<&'a str>,
}

impl Auth {
    /// Whether the user has MFA on (a confirmed TOTP secret).
    pub async fn mfa_enabled(&self, user_id: &str) -> Result<bool, AuthError> {
        Ok(self.0.factors.totp(user_id).await?.secret.is_some())
    }

    /// Checks a code against the user's active TOTP secret, once per
    /// code, charged to the budget of where it comes from.
    pub(crate) async fn check_totp(
        &self,
        user: &User,
        code: &str,
        source: Source<'_>,
    ) -> Result<(), AuthError> {
        let totp = self.0.factors.totp(&user.id).await?;
        let sealed = totp.secret.ok_or(AuthError::InvalidOtp)?;
        let guarded = self.charge_attempt(&user.email, source.device).await?;
        let step = match self.code_step(user, &sealed, code).await {
            Ok(step) => step,
            Err(AuthError::InvalidOtp) => {
                return Err(self.code_failed(user, guarded, source).await);
            }
            Err(other) => return Err(other),
        };
        if !self.0.factors.record_totp_step(&user.id, step).await? {
            return Err(self.code_failed(user, guarded, source).await);
        }
        self.reseal_if_stale(user, &sealed).await?;
        self.clear(guarded).await?;
        self.clear_account(&user.email).await
    }

    /// A wrong code: counted toward the lockout ceiling of whoever was
    /// charged for it.
    async fn code_failed(
        &self,
        user: &User,
        guarded: Guarded<'_>,
        source: Source<'_>,
    ) -> AuthError {
        self.record(AuthEvent::LoginFailed {
            user_id: Some(user.id.clone()),
            factor: "code",
            ip: source.client.ip,
        });
        match self.count_failure(guarded, Some(user)).await {
            Ok(()) => AuthError::InvalidOtp,
            Err(err) => err,
        }
    }

    /// Seals a secret again under the first sealing key when another sealed
    /// it, so that old keys can be retired once their users have signed in.
    async fn reseal_if_stale(&self, user: &User, sealed: &str) -> Result<(), AuthError> {
        let secrets = &self.0.secrets;
        if !secrets.is_stale(sealed) {
            return Ok(());
        }
        let resealed = secrets.seal(&secrets.open(sealed, &user.id)?, &user.id)?;
        if self
            .0
            .factors
            .reseal_totp(&user.id, sealed, &resealed)
            .await?
        {
            tracing::info!(user = %user.id, "TOTP secret sealed again under the newest key");
        }
        Ok(())
    }

    /// The time step of a code for a sealed secret, or [`AuthError::InvalidOtp`].
    async fn code_step(&self, user: &User, sealed: &str, code: &str) -> Result<i64, AuthError> {
        let secret = self.0.secrets.open(sealed, &user.id).inspect_err(|_| {
            tracing::error!(user = %user.id, "the stored TOTP secret does not open: a missing key or damaged data");
        })?;
        let totp = mfa::totp(secret, &self.0.config.mfa.issuer, &user.email)?;
        mfa::matching_step(&totp, code, self.now().unix_timestamp()).ok_or(AuthError::InvalidOtp)
    }
}
