//! TOTP second factors: enrolment, the second login step, recovery, and
//! turning MFA off.

use serde::{Deserialize, Serialize};

use crate::config::EmailVerification;
use crate::error::{AuthError, Field, Rule};
use crate::identity::{AuthMethod, Identity};
use crate::mfa;
use crate::store::{OneTimePurpose, OneTimeToken, User};
use crate::token::opaque;

use super::{Auth, Client, Credentials, Session, record_user};

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
    /// The `context` the login began with (see [`Credentials::context`]).
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
}

impl Auth {
    /// Starts (or restarts) TOTP enrolment for the signed-in user. The new
    /// secret stays pending, and any earlier pending one is dropped, until
    /// [`confirm_mfa_enrolment`](Self::confirm_mfa_enrolment).
    ///
    /// A stolen access token alone must not enrol the thief's device, so
    /// the user proves themselves again: with `current_password`, or, for
    /// an account without a password, with a login at most
    /// `mfa.recent_login` old. With email verification on, the address
    /// must be verified first.
    #[tracing::instrument(name = "portcullis.begin_mfa_enrolment", skip_all, fields(user = %identity.user_id))]
    pub async fn begin_mfa_enrolment(
        &self,
        identity: &Identity,
        current_password: Option<&str>,
        client: Client,
    ) -> Result<MfaEnrolment, AuthError> {
        let user = self.own_account(identity).await?;
        self.reauthenticate(&user, identity, current_password, client)
            .await?;
        if self.0.config.mail.email_verification != EmailVerification::Off && !user.email_verified {
            return Err(AuthError::Forbidden(
                "verify your address before enrolling a second factor",
            ));
        }
        if self.mfa_enabled(&user.id).await? && !identity.has_second_factor() {
            // Replacing a second factor takes one: otherwise a stolen
            // password-only session could move MFA to another device.
            return Err(AuthError::Forbidden(
                "MFA is on: sign in with a code (or a recovery code) to enrol again",
            ));
        }
        let secret = mfa::new_secret();
        let totp = mfa::totp(secret.clone(), &self.0.config.mfa.issuer, &user.email)?;
        let qr_png_base64 = mfa::qr_png_base64(&totp)?;
        let sealed = self.0.secrets.seal(&secret, &user.id)?;
        self.0
            .factors
            .set_pending_totp(&user.id, Some(&sealed))
            .await?;
        Ok(MfaEnrolment {
            secret: totp.get_secret_base32(),
            otpauth_url: totp.get_url(),
            qr_png_base64,
        })
    }

    /// Confirms the pending enrolment with a code from the app: MFA is on,
    /// and the returned recovery codes (shown once, stored as digests)
    /// replace any earlier ones.
    #[tracing::instrument(name = "portcullis.confirm_mfa_enrolment", skip_all, fields(user = %identity.user_id))]
    pub async fn confirm_mfa_enrolment(
        &self,
        identity: &Identity,
        code: &str,
    ) -> Result<Vec<String>, AuthError> {
        let user = self.own_account(identity).await?;
        let pending = self
            .0
            .factors
            .totp(&user.id)
            .await?
            .pending
            .ok_or_else(|| AuthError::invalid(Field::Code, Rule::NothingPending))?;
        self.charge_account(&user.email).await?;
        let step = self.code_step(&user, &pending, code).await?;
        // Of two concurrent confirmations only one promotes the secret, and
        // only that one hands out recovery codes.
        if !self.0.factors.confirm_totp(&user.id, &pending).await? {
            return Err(AuthError::Conflict(
                "this enrolment was confirmed or replaced meanwhile",
            ));
        }
        self.clear_account(&user.email).await?;
        // The confirming code must not serve again at the next login.
        self.0.factors.record_totp_step(&user.id, step).await?;
        let codes = mfa::recovery_codes(self.0.config.mfa.recovery_codes);
        let digests: Vec<String> = codes.iter().map(|c| mfa::recovery_code_digest(c)).collect();
        self.0
            .factors
            .replace_recovery_codes(&user.id, &digests)
            .await?;
        // Sessions that began without the second factor end here.
        self.end_user_access(&user.id, identity.session_id.as_deref())
            .await?;
        Ok(codes)
    }

    /// The second login step: a TOTP code for an `mfaToken`. A wrong code
    /// counts against the challenge (it is void after
    /// `mfa.max_code_failures`) and against the account.
    #[tracing::instrument(name = "portcullis.complete_mfa_login", skip_all, fields(user = tracing::field::Empty))]
    pub async fn complete_mfa_login(
        &self,
        mfa_token: &str,
        code: &str,
    ) -> Result<SecondFactorLogin, AuthError> {
        let (challenge, user) = self.live_challenge(mfa_token).await?;
        if let Err(err) = self.check_totp(&user, code).await {
            if err == AuthError::InvalidOtp {
                self.challenge_failed(&challenge).await?;
            }
            return Err(err);
        }
        self.finish_challenge(challenge, user, AuthMethod::Otp)
            .await
    }

    /// Signs in with a recovery code instead of a TOTP code: the code is
    /// spent and MFA is turned off (the user enrols again).
    #[tracing::instrument(name = "portcullis.recover_mfa", skip_all, fields(user = tracing::field::Empty))]
    pub async fn recover_mfa(
        &self,
        mfa_token: &str,
        recovery_code: &str,
    ) -> Result<SecondFactorLogin, AuthError> {
        let (challenge, user) = self.live_challenge(mfa_token).await?;
        self.charge_account(&user.email).await?;
        let digest = mfa::recovery_code_digest(recovery_code);
        if !self
            .0
            .factors
            .spend_recovery_code(&user.id, &digest)
            .await?
        {
            self.challenge_failed(&challenge).await?;
            return Err(AuthError::InvalidOtp);
        }
        self.clear_account(&user.email).await?;
        // Own the challenge before turning MFA off: a concurrent TOTP step
        // that won it must not find MFA gone.
        let user_id = user.id.clone();
        let login = self
            .finish_challenge(challenge, user, AuthMethod::Recovery)
            .await?;
        self.0.factors.remove_second_factors(&user_id).await?;
        Ok(login)
    }

    /// The user proves themselves again: the current password (throttled
    /// like a login), or without one a recent login.
    async fn reauthenticate(
        &self,
        user: &User,
        identity: &Identity,
        current_password: Option<&str>,
        client: Client,
    ) -> Result<(), AuthError> {
        if user.password_hash.is_none() {
            let recent = self.now() - self.0.config.mfa.recent_login;
            return match identity.auth_time {
                Some(signed_in) if signed_in >= recent => Ok(()),
                _ => Err(AuthError::Forbidden(
                    "sign in again to change your second factor",
                )),
            };
        }
        let password = current_password
            .ok_or_else(|| AuthError::invalid(Field::CurrentPassword, Rule::Missing))?;
        match self.check_password(&user.email, password, client).await {
            Err(AuthError::InvalidCredentials) => {
                Err(AuthError::invalid(Field::CurrentPassword, Rule::Incorrect))
            }
            other => other.map(drop),
        }
    }

    /// Checks the signed-in user's own password (throttled like a login); a
    /// wrong one is [`AuthError::InvalidCredentials`].
    #[tracing::instrument(name = "portcullis.confirm_own_password", skip_all, fields(user = %identity.user_id))]
    pub async fn confirm_own_password(
        &self,
        identity: &Identity,
        password: &str,
        client: Client,
    ) -> Result<(), AuthError> {
        let user = self.own_account(identity).await?;
        self.check_password(&user.email, password, client)
            .await
            .map(|_| ())
    }

    /// Turns MFA off for the signed-in user, who proves it with a current
    /// code or the password (both throttled like logins).
    #[tracing::instrument(name = "portcullis.disable_mfa", skip_all, fields(user = %identity.user_id))]
    pub async fn disable_mfa(
        &self,
        identity: &Identity,
        proof: MfaProof,
        client: Client,
    ) -> Result<(), AuthError> {
        let user = self.own_account(identity).await?;
        match proof {
            MfaProof::Code(code) => self.check_totp(&user, &code).await?,
            MfaProof::Password(password) => {
                self.check_password(&user.email, &password, client)
                    .await
                    .map_err(|e| match e {
                        AuthError::InvalidCredentials => {
                            AuthError::invalid(Field::Password, Rule::Incorrect)
                        }
                        other => other,
                    })?;
            }
        }
        Ok(self.0.factors.remove_second_factors(&user.id).await?)
    }

    /// Turns a user's MFA off, voids their recovery codes and ends their
    /// sessions (an admin API, for users who lost their device and their
    /// codes).
    #[tracing::instrument(name = "portcullis.reset_mfa", skip_all, fields(user = %user_id))]
    pub async fn reset_mfa(&self, user_id: &str) -> Result<(), AuthError> {
        self.0
            .users
            .find_user(user_id)
            .await?
            .ok_or(AuthError::NotFound)?;
        self.0.factors.remove_second_factors(user_id).await?;
        // Sessions that began with the factor that is gone end with it.
        self.end_user_access(user_id, None).await
    }

    /// Whether the user has MFA on (a confirmed TOTP secret).
    pub async fn mfa_enabled(&self, user_id: &str) -> Result<bool, AuthError> {
        Ok(self.0.factors.totp(user_id).await?.secret.is_some())
    }

    /// The `context` of a live MFA challenge, without spending it (a dialect
    /// asks before the second step, to apply the right CSRF rule).
    pub async fn mfa_challenge_context(
        &self,
        mfa_token: &str,
    ) -> Result<Option<String>, AuthError> {
        let token = self
            .0
            .one_time
            .find_one_time_token(&opaque::digest(mfa_token))
            .await?;
        Ok(token
            .filter(|t| t.purpose == OneTimePurpose::MfaChallenge)
            .and_then(|t| serde_json::from_str::<Challenge>(&t.data).ok())
            .and_then(|c| c.context))
    }

    /// Checks a code against the user's active TOTP secret, once per code.
    pub(crate) async fn check_totp(&self, user: &User, code: &str) -> Result<(), AuthError> {
        let totp = self.0.factors.totp(&user.id).await?;
        let sealed = totp.secret.ok_or(AuthError::InvalidOtp)?;
        self.charge_account(&user.email).await?;
        let step = self.code_step(user, &sealed, code).await?;
        if !self.0.factors.record_totp_step(&user.id, step).await? {
            return Err(AuthError::InvalidOtp);
        }
        self.reseal_if_stale(user, &sealed).await?;
        self.clear_account(&user.email).await
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

    pub(crate) async fn mfa_challenge(
        &self,
        user: &User,
        credentials: &Credentials,
    ) -> Result<String, AuthError> {
        let data = Challenge {
            remember: credentials.remember,
            context: credentials.context.clone(),
            federated: false,
        };
        self.issue_challenge(user, &data).await
    }

    /// A challenge after a login through an external provider.
    pub(crate) async fn federated_mfa_challenge(
        &self,
        user: &User,
        context: Option<String>,
    ) -> Result<String, AuthError> {
        let data = Challenge {
            remember: false,
            context,
            federated: true,
        };
        self.issue_challenge(user, &data).await
    }

    async fn issue_challenge(&self, user: &User, data: &Challenge) -> Result<String, AuthError> {
        let secret = opaque::generate();
        let now = self.now();
        let token = OneTimeToken {
            token_hash: opaque::digest(&secret),
            purpose: OneTimePurpose::MfaChallenge,
            user_id: user.id.clone(),
            data: serde_json::to_string(data).map_err(|_| AuthError::Unavailable)?,
            failures: 0,
            created_at: now,
            expires_at: now + self.0.config.mfa.challenge_ttl,
        };
        self.0.one_time.create_one_time_token(&token).await?;
        Ok(secret)
    }

    async fn live_challenge(&self, mfa_token: &str) -> Result<(OneTimeToken, User), AuthError> {
        let tokens = &self.0.one_time;
        let challenge = tokens
            .find_one_time_token(&opaque::digest(mfa_token))
            .await?
            .filter(|t| t.purpose == OneTimePurpose::MfaChallenge)
            .ok_or(AuthError::TokenInvalid)?;
        if challenge.expires_at <= self.now() {
            tokens.consume_one_time_token(&challenge.token_hash).await?;
            return Err(AuthError::TokenExpired);
        }
        record_user(&challenge.user_id);
        let user = self.active_user(&challenge.user_id).await?;
        Ok((challenge, user))
    }

    /// Counts a wrong answer; the last allowed one voids the challenge.
    async fn challenge_failed(&self, challenge: &OneTimeToken) -> Result<(), AuthError> {
        let tokens = &self.0.one_time;
        let failures = tokens
            .count_one_time_token_failure(&challenge.token_hash)
            .await?;
        if failures >= self.0.config.mfa.max_code_failures {
            tokens.consume_one_time_token(&challenge.token_hash).await?;
        }
        Ok(())
    }

    async fn finish_challenge(
        &self,
        challenge: OneTimeToken,
        user: User,
        second: AuthMethod,
    ) -> Result<SecondFactorLogin, AuthError> {
        if !self
            .0
            .one_time
            .consume_one_time_token(&challenge.token_hash)
            .await?
        {
            return Err(AuthError::TokenInvalid);
        }
        let data: Challenge =
            serde_json::from_str(&challenge.data).map_err(|_| AuthError::TokenInvalid)?;
        let first = if data.federated {
            AuthMethod::Federated
        } else {
            AuthMethod::Password
        };
        let session = self
            .open_session(user, &[first, second], data.remember)
            .await?;
        Ok(SecondFactorLogin {
            session,
            context: data.context,
        })
    }
}
