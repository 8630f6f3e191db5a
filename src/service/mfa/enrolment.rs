//! Turning MFA on (enrolment, proven by the user again) and off.

use crate::audit::AuthEvent;
use crate::config::EmailVerification;
use crate::error::{AuthError, Field, Rule};
use crate::identity::Identity;
use crate::mfa;
use crate::store::User;

use super::super::notify::Notice;
use super::super::{Auth, Client};
use super::{MfaEnrolment, MfaProof, Source};

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
        self.record(AuthEvent::MfaEnabled {
            user_id: user.id.clone(),
        });
        self.notify(&user, Notice::MfaEnabled);
        Ok(codes)
    }

    /// The user proves themselves again: the current password (throttled
    /// like a login), or without one a recent login.
    pub(in crate::service) async fn reauthenticate(
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
            MfaProof::Code(code) => {
                let source = Source {
                    client,
                    device: None,
                };
                self.check_totp(&user, &code, source).await?;
            }
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
        self.0.factors.remove_second_factors(&user.id).await?;
        self.record(AuthEvent::MfaDisabled {
            user_id: user.id.clone(),
            by: "user",
        });
        self.notify(&user, Notice::MfaDisabled);
        Ok(())
    }

    /// Turns a user's MFA off, voids their recovery codes and ends their
    /// sessions (an admin API, for users who lost their device and their
    /// codes).
    #[tracing::instrument(name = "portcullis.reset_mfa", skip_all, fields(user = %user_id))]
    pub async fn reset_mfa(&self, user_id: &str) -> Result<(), AuthError> {
        let user = self
            .0
            .users
            .find_user(user_id)
            .await?
            .ok_or(AuthError::NotFound)?;
        self.0.factors.remove_second_factors(user_id).await?;
        // Sessions that began with the factor that is gone end with it.
        self.end_user_access(user_id, None).await?;
        self.record(AuthEvent::MfaDisabled {
            user_id: user.id.clone(),
            by: "admin",
        });
        self.notify(&user, Notice::MfaDisabled);
        Ok(())
    }
}
