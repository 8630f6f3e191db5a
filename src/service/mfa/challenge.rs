//! The second login step: a challenge (`mfaToken`) answered with a TOTP
//! code or a recovery code.

use crate::audit::AuthEvent;
use crate::error::AuthError;
use crate::identity::AuthMethod;
use crate::mfa;
use crate::store::{OneTimePurpose, OneTimeToken, User};
use crate::token::opaque;

use super::super::notify::Notice;
use super::super::{Auth, Client, Credentials, record_user};
use super::{Challenge, SecondFactorLogin, Source};

impl Auth {
    /// The second login step: a TOTP code for an `mfaToken`. A wrong code
    /// counts against the challenge (it is void after
    /// `mfa.max_code_failures`) and against the account.
    #[tracing::instrument(name = "portcullis.complete_mfa_login", skip_all, fields(user = tracing::field::Empty))]
    pub async fn complete_mfa_login(
        &self,
        mfa_token: &str,
        code: &str,
        client: Client,
    ) -> Result<SecondFactorLogin, AuthError> {
        let (challenge, user) = self.live_challenge(mfa_token).await?;
        let device = known_device(&challenge);
        let source = Source {
            client,
            device: device.as_deref(),
        };
        if let Err(err) = self.check_totp(&user, code, source).await {
            if err == AuthError::InvalidOtp {
                self.challenge_failed(&challenge).await?;
            }
            return Err(err);
        }
        self.finish_challenge(challenge, user, AuthMethod::Otp, client)
            .await
    }

    /// Signs in with a recovery code instead of a TOTP code: the code is
    /// spent and MFA is turned off (the user enrols again).
    #[tracing::instrument(name = "portcullis.recover_mfa", skip_all, fields(user = tracing::field::Empty))]
    pub async fn recover_mfa(
        &self,
        mfa_token: &str,
        recovery_code: &str,
        client: Client,
    ) -> Result<SecondFactorLogin, AuthError> {
        let (challenge, user) = self.live_challenge(mfa_token).await?;
        let device = known_device(&challenge);
        let source = Source {
            client,
            device: device.as_deref(),
        };
        let guarded = self.charge_attempt(&user.email, source.device).await?;
        let digest = mfa::recovery_code_digest(recovery_code);
        if !self
            .0
            .factors
            .spend_recovery_code(&user.id, &digest)
            .await?
        {
            self.challenge_failed(&challenge).await?;
            return Err(self.code_failed(&user, guarded, source).await);
        }
        self.clear(guarded).await?;
        self.clear_account(&user.email).await?;
        // Own the challenge before turning MFA off: a concurrent TOTP step
        // that won it must not find MFA gone.
        let user_id = user.id.clone();
        let login = self
            .finish_challenge(challenge, user, AuthMethod::Recovery, client)
            .await?;
        self.0.factors.remove_second_factors(&user_id).await?;
        self.record(AuthEvent::MfaDisabled {
            user_id: user_id.clone(),
            by: "recovery_code",
        });
        self.notify(&login.session.user, Notice::RecoveryCodeUsed);
        Ok(login)
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

    pub(crate) async fn mfa_challenge(
        &self,
        user: &User,
        credentials: &Credentials,
        device: Option<String>,
    ) -> Result<String, AuthError> {
        let data = Challenge {
            remember: credentials.remember,
            context: credentials.context.clone(),
            federated: false,
            emailed: false,
            device,
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
            emailed: false,
            device: None,
        };
        self.issue_challenge(user, &data).await
    }

    /// A challenge after a sign-in link.
    pub(crate) async fn emailed_mfa_challenge(
        &self,
        user: &User,
        remember: bool,
        context: Option<String>,
    ) -> Result<String, AuthError> {
        let data = Challenge {
            remember,
            context,
            federated: false,
            emailed: true,
            device: None,
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

    pub(in crate::service) async fn live_challenge(
        &self,
        mfa_token: &str,
    ) -> Result<(OneTimeToken, User), AuthError> {
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
    pub(in crate::service) async fn challenge_failed(
        &self,
        challenge: &OneTimeToken,
    ) -> Result<(), AuthError> {
        let tokens = &self.0.one_time;
        let failures = tokens
            .count_one_time_token_failure(&challenge.token_hash)
            .await?;
        if failures >= self.0.config.mfa.max_code_failures {
            tokens.consume_one_time_token(&challenge.token_hash).await?;
        }
        Ok(())
    }

    pub(in crate::service) async fn finish_challenge(
        &self,
        challenge: OneTimeToken,
        user: User,
        second: AuthMethod,
        client: Client,
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
        let first = match (data.federated, data.emailed) {
            (true, _) => AuthMethod::Federated,
            (_, true) => AuthMethod::EmailLink,
            _ => AuthMethod::Password,
        };
        let device = self.mark_device(&user, None);
        let mut session = self
            .open_session(user, &[first, second], data.remember, client)
            .await?;
        session.device = device;
        Ok(SecondFactorLogin {
            session,
            context: data.context,
        })
    }
}

/// The known device a challenge's password came from.
fn known_device(challenge: &OneTimeToken) -> Option<String> {
    serde_json::from_str::<Challenge>(&challenge.data)
        .ok()
        .and_then(|data| data.device)
}
