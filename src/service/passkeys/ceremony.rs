//! The WebAuthn ceremonies, on webauthn-rs: registering a passkey, and
//! signing in with one (usernameless, or as the second login step).
//!
//! A ceremony's state waits in the one-time token store under the digest
//! of a secret that only the browser that started it holds (in a cookie):
//! any instance of a fleet can finish it, once, before
//! `passkeys.challenge_ttl` runs out.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use subtle::ConstantTimeEq;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, Uuid, Webauthn,
};

use crate::audit::AuthEvent;
use crate::config::EmailVerification;
use crate::error::{AuthError, Field, Rule};
use crate::identity::{AuthMethod, Identity};
use crate::service::{Auth, Client, SecondFactorLogin, record_user};
use crate::store::{OneTimePurpose, StoredPasskey, User};
use crate::token::opaque;

use super::{PasskeyAnswer, PasskeyCeremony, PasskeyInfo, passkey_name};

/// What a started ceremony remembers.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Ceremony {
    /// Registering a passkey for the user the token is bound to.
    Register {
        state: PasskeyRegistration,
        handle: Uuid,
    },
    /// Signing in with whichever passkey the authenticator offers.
    SignIn { state: DiscoverableAuthentication },
    /// The second step of the login whose `mfaToken` has this digest.
    SecondFactor {
        state: PasskeyAuthentication,
        mfa: String,
    },
}

impl Auth {
    /// Starts registering a passkey for the signed-in user, who proves
    /// themselves again as for MFA enrolment (the current password, or a
    /// recent login for an account without one).
    #[tracing::instrument(name = "portcullis.begin_passkey_registration", skip_all, fields(user = %identity.user_id))]
    pub async fn begin_passkey_registration(
        &self,
        identity: &Identity,
        current_password: Option<&str>,
        client: Client,
    ) -> Result<PasskeyCeremony, AuthError> {
        let user = self.own_account(identity).await?;
        self.reauthenticate(&user, identity, current_password, client)
            .await?;
        // As for a second factor: a squatter's unverified account keeps
        // nothing, and a password alone does not add a way in past MFA.
        if self.0.config.mail.email_verification != EmailVerification::Off && !user.email_verified {
            return Err(AuthError::Forbidden(
                "verify your address before adding a passkey",
            ));
        }
        if self.mfa_enabled(&user.id).await? && !identity.has_second_factor() {
            return Err(AuthError::Forbidden(
                "MFA is on: sign in with a second factor to add a passkey",
            ));
        }
        let webauthn = self.webauthn()?;
        let existing = self.passkey_store()?.passkeys_of(&user.id).await?;
        // One handle per user, so that every passkey of theirs names them alike.
        let handle = match existing.first() {
            Some(passkey) => Uuid::parse_str(&passkey.user_handle).map_err(|_| damaged())?,
            None => Uuid::new_v4(),
        };
        let exclude = existing
            .iter()
            .map(|p| URL_SAFE_NO_PAD.decode(&p.id))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| damaged())?;
        let name = user.name.as_deref().unwrap_or(&user.email);
        let (options, state) = webauthn
            .start_passkey_registration(handle, &user.email, name, Some(exclude))
            .map_err(refused)?;
        let mut options = serde_json::to_value(options).map_err(|_| AuthError::Unavailable)?;
        // A discoverable credential, so that it can sign in without a name.
        let selection = &mut options["publicKey"]["authenticatorSelection"];
        selection["residentKey"] = "required".into();
        selection["requireResidentKey"] = true.into();
        let ceremony = Ceremony::Register { state, handle };
        self.keep_ceremony(&user.id, &ceremony, options).await
    }

    /// Finishes registering: the authenticator's answer is checked against
    /// the ceremony, and the passkey is stored under `name` ("Passkey"
    /// without one).
    #[tracing::instrument(name = "portcullis.finish_passkey_registration", skip_all, fields(user = %identity.user_id))]
    pub async fn finish_passkey_registration(
        &self,
        identity: &Identity,
        challenge: &str,
        credential: &Value,
        name: Option<&str>,
    ) -> Result<PasskeyInfo, AuthError> {
        let user = self.own_account(identity).await?;
        let name = passkey_name(name)?;
        let (owner, ceremony) = self.spend_ceremony(challenge).await?;
        let Ceremony::Register { state, handle } = ceremony else {
            return Err(AuthError::TokenInvalid);
        };
        if owner != user.id {
            return Err(AuthError::TokenInvalid);
        }
        let answer: RegisterPublicKeyCredential = parse_answer(credential)?;
        // Browsers that say (credProps) whether the key is discoverable:
        // one that is not could never sign in without a name.
        if answer
            .extensions
            .cred_props
            .as_ref()
            .is_some_and(|props| props.rk == Some(false))
        {
            return Err(AuthError::invalid(
                Field::named("credential"),
                Rule::Said("this authenticator kept no discoverable passkey: it could not sign in without a name".into()),
            ));
        }
        let passkey = self
            .webauthn()?
            .finish_passkey_registration(&answer, &state)
            .map_err(refused)?;
        let stored = StoredPasskey {
            id: URL_SAFE_NO_PAD.encode(passkey.cred_id()),
            user_id: user.id.clone(),
            user_handle: handle.to_string(),
            name,
            credential: serde_json::to_string(&passkey).map_err(|_| AuthError::Unavailable)?,
            created_at: self.now(),
            last_used_at: None,
        };
        self.passkey_store()?
            .add_passkey(&stored)
            .await
            .map_err(|e| match AuthError::from(e) {
                AuthError::Conflict(_) => AuthError::Conflict("this passkey is registered already"),
                other => other,
            })?;
        self.record(AuthEvent::PasskeyAdded {
            user_id: user.id.clone(),
        });
        Ok(stored.into())
    }

    /// Starts a sign-in with a passkey: usernameless (the authenticator
    /// offers the user's discoverable passkeys), or with the `mfaToken` of
    /// a password login, as its second step with one of the user's passkeys.
    #[tracing::instrument(name = "portcullis.begin_passkey_login", skip_all, fields(user = tracing::field::Empty))]
    pub async fn begin_passkey_login(
        &self,
        mfa_token: Option<&str>,
        client: Client,
    ) -> Result<PasskeyCeremony, AuthError> {
        self.charge_ip(client, "passkey").await?;
        let webauthn = self.webauthn()?;
        let Some(mfa_token) = mfa_token else {
            let (options, state) = webauthn
                .start_discoverable_authentication()
                .map_err(refused)?;
            let mut options = serde_json::to_value(options).map_err(|_| AuthError::Unavailable)?;
            // Asked for by a button, not offered in an autofill list.
            if let Some(fields) = options.as_object_mut() {
                fields.remove("mediation");
            }
            return self
                .keep_ceremony("", &Ceremony::SignIn { state }, options)
                .await;
        };
        let (_, user) = self.live_challenge(mfa_token).await?;
        let passkeys = self.credentials_of(&user).await?;
        if passkeys.is_empty() {
            return Err(AuthError::invalid(
                Field::named("mfaToken"),
                Rule::Said("this account has no passkey".into()),
            ));
        }
        let (options, state) = webauthn
            .start_passkey_authentication(&passkeys)
            .map_err(refused)?;
        let options = serde_json::to_value(options).map_err(|_| AuthError::Unavailable)?;
        let ceremony = Ceremony::SecondFactor {
            state,
            mfa: opaque::digest(mfa_token),
        };
        self.keep_ceremony(&user.id, &ceremony, options).await
    }

    /// Finishes a sign-in with a passkey: a session, or for the second step
    /// the login's session. The passkey's sign counter must have moved on
    /// (a cloned authenticator shows itself by a counter that did not), and
    /// its backup eligibility must not have changed.
    #[tracing::instrument(name = "portcullis.finish_passkey_login", skip_all, fields(user = tracing::field::Empty))]
    pub async fn finish_passkey_login(
        &self,
        answer: PasskeyAnswer<'_>,
        client: Client,
    ) -> Result<SecondFactorLogin, AuthError> {
        let (_, ceremony) = self.spend_ceremony(answer.challenge).await?;
        let credential: PublicKeyCredential = parse_answer(answer.credential)?;
        let webauthn = self.webauthn()?;
        let login = self
            .verify_passkey(webauthn, ceremony, &credential, answer, client)
            .await?;
        // The start's charge was no failure (successes have a budget of their own).
        if let Some(key) = client.ip_key("passkey") {
            self.0.limiter.forgive(&key).await?;
        }
        Ok(login)
    }

    async fn verify_passkey(
        &self,
        webauthn: &Webauthn,
        ceremony: Ceremony,
        credential: &PublicKeyCredential,
        answer: PasskeyAnswer<'_>,
        client: Client,
    ) -> Result<SecondFactorLogin, AuthError> {
        match ceremony {
            Ceremony::SignIn { state } => {
                let (handle, id) = webauthn
                    .identify_discoverable_authentication(credential)
                    .map_err(refused)?;
                let stored = self
                    .passkey_store()?
                    .find_passkey(&URL_SAFE_NO_PAD.encode(id))
                    .await?
                    .filter(|p| p.user_handle == handle.to_string())
                    .ok_or_else(|| self.passkey_failed(None, client))?;
                record_user(&stored.user_id);
                let mut passkey = open(&stored)?;
                let result = webauthn
                    .finish_discoverable_authentication_v2(credential, state, &passkey)
                    .map_err(|_| self.passkey_failed(Some(&stored.user_id), client))?;
                let user = match self.active_user(&stored.user_id).await {
                    Err(AuthError::TokenInvalid) => {
                        return Err(self.passkey_failed(Some(&stored.user_id), client));
                    }
                    found => found?,
                };
                self.may_sign_in(&user)?;
                passkey.update_credential(&result);
                self.record_use(&stored, &passkey, client).await?;
                let methods = [AuthMethod::Passkey, AuthMethod::MultiFactor];
                let session = self
                    .open_session(user, &methods, answer.remember, client)
                    .await?;
                Ok(SecondFactorLogin {
                    session,
                    context: answer.context,
                })
            }
            Ceremony::SecondFactor { state, mfa } => {
                let mfa_token = answer.mfa_token.unwrap_or_default();
                // The ceremony belongs to the login that began it: compared
                // in constant time, like every secret.
                if !bool::from(opaque::digest(mfa_token).as_bytes().ct_eq(mfa.as_bytes())) {
                    return Err(AuthError::TokenInvalid);
                }
                let (challenge, user) = self.live_challenge(mfa_token).await?;
                let result = match webauthn.finish_passkey_authentication(credential, &state) {
                    Ok(result) => result,
                    Err(_) => {
                        self.challenge_failed(&challenge).await?;
                        return Err(self.passkey_failed(Some(&user.id), client));
                    }
                };
                let id = URL_SAFE_NO_PAD.encode(result.cred_id());
                let stored = (self.passkey_store()?.find_passkey(&id).await?)
                    .filter(|p| p.user_id == user.id)
                    .ok_or(AuthError::TokenInvalid)?;
                let mut passkey = open(&stored)?;
                passkey.update_credential(&result);
                self.record_use(&stored, &passkey, client).await?;
                self.finish_challenge(challenge, user, AuthMethod::Passkey, client)
                    .await
            }
            Ceremony::Register { .. } => Err(AuthError::TokenInvalid),
        }
    }

    /// The relying party; passkeys are off (403) when the public URL makes
    /// none (an IP address is no relying party id).
    fn webauthn(&self) -> Result<&Webauthn, AuthError> {
        self.0.webauthn.as_ref().ok_or(AuthError::Forbidden(
            "passkeys are off: the public URL names no domain; serve it on one (localhost will do) or set passkeys.rp_id",
        ))
    }

    /// The user's passkeys, as webauthn-rs takes them.
    async fn credentials_of(&self, user: &User) -> Result<Vec<Passkey>, AuthError> {
        let stored = self.passkey_store()?.passkeys_of(&user.id).await?;
        stored.iter().map(open).collect()
    }

    /// Stores the counter and backup state a sign-in left, only over the
    /// credential the sign-in was checked against: of two sign-ins with
    /// one count (a cloned authenticator, racing), one loses.
    async fn record_use(
        &self,
        stored: &StoredPasskey,
        passkey: &Passkey,
        client: Client,
    ) -> Result<(), AuthError> {
        let credential = serde_json::to_string(passkey).map_err(|_| AuthError::Unavailable)?;
        let recorded = self
            .passkey_store()?
            .record_passkey_use(&stored.id, &stored.credential, &credential, self.now())
            .await?;
        if recorded {
            Ok(())
        } else {
            Err(self.passkey_failed(Some(&stored.user_id), client))
        }
    }

    /// Keeps a ceremony's state for `passkeys.challenge_ttl`, under the
    /// digest of a new secret.
    async fn keep_ceremony(
        &self,
        user_id: &str,
        ceremony: &Ceremony,
        options: Value,
    ) -> Result<PasskeyCeremony, AuthError> {
        let data = serde_json::to_string(ceremony).map_err(|_| AuthError::Unavailable)?;
        let ttl = self.0.config.passkeys.challenge_ttl;
        let challenge = self
            .issue_one_time(OneTimePurpose::PasskeyChallenge, user_id, &data, ttl)
            .await?;
        Ok(PasskeyCeremony { options, challenge })
    }

    /// Spends a ceremony, whatever comes of it: each start serves one
    /// answer. Returns the user it is bound to ("" for a sign-in).
    async fn spend_ceremony(&self, secret: &str) -> Result<(String, Ceremony), AuthError> {
        let token = self
            .spend_one_time(secret, OneTimePurpose::PasskeyChallenge)
            .await?;
        let ceremony = serde_json::from_str(&token.data).map_err(|_| AuthError::TokenInvalid)?;
        Ok((token.user_id, ceremony))
    }

    /// A passkey that did not prove the user: an audit event (the IP was
    /// charged when the ceremony started, and keeps the charge).
    fn passkey_failed(&self, user_id: Option<&str>, client: Client) -> AuthError {
        self.record(AuthEvent::LoginFailed {
            user_id: user_id.map(str::to_owned),
            factor: "passkey",
            ip: client.ip,
        });
        AuthError::PasskeyRejected
    }
}

/// The browser's JSON answer, or a 400 naming `credential`.
fn parse_answer<T: serde::de::DeserializeOwned>(credential: &Value) -> Result<T, AuthError> {
    T::deserialize(credential).map_err(|e| {
        AuthError::invalid(
            Field::named("credential"),
            Rule::Said(format!("not a WebAuthn credential: {e}").into()),
        )
    })
}

/// A stored passkey's credential.
fn open(stored: &StoredPasskey) -> Result<Passkey, AuthError> {
    serde_json::from_str(&stored.credential).map_err(|_| damaged())
}

fn damaged() -> AuthError {
    tracing::error!("a stored passkey does not read back: damaged data");
    AuthError::Unavailable
}

/// webauthn-rs refused the ceremony: the answer does not verify.
fn refused(err: webauthn_rs::prelude::WebauthnError) -> AuthError {
    tracing::info!(error = %err, "a passkey ceremony was refused");
    AuthError::PasskeyRejected
}
