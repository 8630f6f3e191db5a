//! Logins through external providers: starting one, finishing it, and the
//! account it signs in to.
//!
//! A login's state, PKCE verifier and nonce travel in one value sealed with
//! the service's secret box (XChaCha20-Poly1305), which the web layer keeps
//! in an HttpOnly cookie: only the browser that started a login can finish
//! it, and nothing about pending logins is stored. Each state is spent once
//! (counted in the rate limiter, so across instances when the limiter is
//! shared).

mod accounts;
mod redirects;
mod requests;

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use url::Url;

use crate::error::{AuthError, Field, Rule};
use crate::identity::AuthMethod;
use crate::oauth::{AuthorizationRequest, CodeExchange, OAuthProvider};
use crate::store::{Decision, Window};
use crate::token::opaque;

use super::mfa::Source;
use super::{Auth, Client, LoginOutcome, record_user};
use redirects::check_prefix;

pub use requests::{OAuthCallback, OAuthFailure, OAuthLanding, OAuthRequest, OAuthStart};

/// The associated data of sealed flows: a sealed TOTP secret cannot pass as one.
const FLOW_OWNER: &str = "portcullis oauth flow";

/// The longest `otp` a login may carry (TOTP codes have 6 to 8 digits).
const MAX_OTP_LENGTH: usize = 10;

/// What the sealed cookie holds.
#[derive(Serialize, Deserialize)]
struct Flow {
    state: String,
    provider: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    redirect: Option<String>,
    bridge_prefix: Option<String>,
    context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    otp: Option<String>,
    #[serde(default)]
    one_step: bool,
    verifier: String,
    nonce: String,
    expires: i64,
}

impl Auth {
    /// The registered providers, in the order they were added.
    pub fn oauth_providers(&self) -> impl Iterator<Item = &dyn OAuthProvider> {
        self.0.oauth.iter().map(|p| p.as_ref())
    }

    /// The provider registered as `name`.
    pub fn oauth_provider(&self, name: &str) -> Option<&dyn OAuthProvider> {
        self.oauth_providers().find(|p| p.config().name == name)
    }

    /// The names of the registered providers (`GET /auth/providers`).
    pub fn oauth_provider_names(&self) -> Vec<&str> {
        self.oauth_providers()
            .map(|p| p.config().name.as_str())
            .collect()
    }

    /// Starts a login with a provider: checks the return page, and seals the
    /// flow for the browser's cookie. Throttled per client IP with the
    /// `ip_throttle` budget; a login that finishes takes its charge back
    /// (see [`finish_oauth`](Self::finish_oauth)), so only abandoned or
    /// failed ones count.
    #[tracing::instrument(name = "portcullis.begin_oauth", skip_all, fields(provider = %provider))]
    pub async fn begin_oauth(
        &self,
        provider: &str,
        request: OAuthRequest,
        client: Client,
    ) -> Result<OAuthStart, AuthError> {
        let handler = self.oauth_provider(provider).ok_or(AuthError::NotFound)?;
        self.charge_ip(client, "oauth").await?;
        let redirect = match request.redirect.as_deref() {
            Some(redirect) => Some(self.check_redirect(Some(provider), redirect)?),
            None if request.one_step => None,
            None => return Err(AuthError::invalid(Field::Redirect, Rule::Missing)),
        };
        if let Some(prefix) = &request.bridge_prefix {
            check_prefix(prefix)?;
        }
        // It rides in the flow cookie: a long one would push that past what
        // browsers keep, and no TOTP code is longer.
        if request
            .otp
            .as_ref()
            .is_some_and(|otp| otp.len() > MAX_OTP_LENGTH)
        {
            return Err(AuthError::invalid(Field::Otp, Rule::Malformed));
        }
        let flow = Flow {
            state: opaque::generate(),
            provider: provider.to_owned(),
            redirect: redirect.as_ref().map(Url::to_string),
            bridge_prefix: request.bridge_prefix,
            context: request.context,
            otp: request.otp,
            one_step: request.one_step,
            verifier: opaque::generate(),
            nonce: opaque::generate(),
            expires: (self.now() + self.0.config.oauth.flow_ttl).unix_timestamp(),
        };
        let authorization = AuthorizationRequest {
            state: flow.state.clone(),
            pkce_verifier: flow.verifier.clone(),
            nonce: flow.nonce.clone(),
        };
        let location = match handler.authorization_url(&authorization).await {
            Ok(location) => location,
            Err(err) => {
                tracing::warn!(provider, error = %err, "starting an external login failed");
                return Ok(OAuthStart::Failed {
                    redirect,
                    failure: OAuthFailure::from(&err),
                });
            }
        };
        let json = serde_json::to_vec(&flow).map_err(|_| AuthError::Unavailable)?;
        Ok(OAuthStart::Provider {
            location,
            flow: self.0.secrets.seal(&json, FLOW_OWNER)?,
        })
    }

    /// Finishes a login at the provider's callback: the browser's flow must
    /// match the state, the state is spent, the code is exchanged (and any
    /// ID token checked), and the person's account found, linked or
    /// created. Without this browser's flow (no cookie, a forged one, or
    /// one for another provider) there is nowhere safe to send the browser:
    /// that is a [`AuthError::Validation`] error; a wrong state with a valid
    /// flow goes back to the app as [`OAuthFailure::InvalidState`].
    #[tracing::instrument(name = "portcullis.finish_oauth", skip_all, fields(provider = %provider, user = tracing::field::Empty))]
    pub async fn finish_oauth(
        &self,
        provider: &str,
        callback: OAuthCallback,
        client: Client,
    ) -> Result<OAuthLanding, AuthError> {
        let handler = self.oauth_provider(provider).ok_or(AuthError::NotFound)?;
        let lost = || AuthError::invalid(Field::State, Rule::ForeignLogin);
        let flow: Flow = callback
            .flow
            .as_deref()
            .and_then(|sealed| self.0.secrets.open(sealed, FLOW_OWNER).ok())
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or_else(lost)?;
        if flow.provider != provider {
            return Err(lost());
        }
        let redirect = flow
            .redirect
            .as_deref()
            .map(Url::parse)
            .transpose()
            .map_err(|_| lost())?;
        let state = callback.state.as_deref().unwrap_or("");
        let outcome = if bool::from(state.as_bytes().ct_eq(flow.state.as_bytes())) {
            self.land(handler, &flow, &callback, client).await?
        } else {
            Err(OAuthFailure::InvalidState)
        };
        if let (Ok(_), Some(key)) = (&outcome, client.ip_key("oauth")) {
            self.0.limiter.forgive(&key).await?;
        }
        Ok(OAuthLanding {
            provider: flow.provider,
            redirect,
            bridge_prefix: flow.bridge_prefix,
            context: flow.context,
            outcome,
        })
    }

    async fn land(
        &self,
        provider: &dyn OAuthProvider,
        flow: &Flow,
        callback: &OAuthCallback,
        client: Client,
    ) -> Result<Result<LoginOutcome, OAuthFailure>, AuthError> {
        let now = self.now();
        if flow.expires <= now.unix_timestamp() || !self.spend_state(&flow.state).await? {
            return Ok(Err(OAuthFailure::InvalidState));
        }
        if let Some(error) = &callback.error {
            tracing::info!(provider = %flow.provider, error, "the provider refused a login");
            return Ok(Err(if error == "access_denied" {
                OAuthFailure::AccessDenied
            } else {
                OAuthFailure::ProviderError
            }));
        }
        let Some(code) = callback.code.clone().filter(|c| !c.is_empty()) else {
            return Ok(Err(OAuthFailure::ProviderError));
        };
        let exchange = CodeExchange {
            code,
            pkce_verifier: flow.verifier.clone(),
            nonce: flow.nonce.clone(),
            now,
        };
        let profile = match provider.exchange_code(&exchange).await {
            Ok(grant) => provider.profile(&grant).await,
            Err(err) => Err(err),
        };
        let profile = match profile {
            Ok(profile) => profile,
            Err(err) => {
                tracing::warn!(provider = %flow.provider, error = %err, "an external login failed");
                return Ok(Err(OAuthFailure::from(&err)));
            }
        };
        let user = match self.federated_user(&flow.provider, &profile).await? {
            Ok(user) => user,
            Err(failure) => return Ok(Err(failure)),
        };
        record_user(&user.id);
        let methods: &[AuthMethod] = match (self.mfa_enabled(&user.id).await?, &flow.otp) {
            (false, _) => &[AuthMethod::Federated],
            (true, None) if flow.one_step => return Ok(Err(OAuthFailure::InvalidOtp)),
            (true, None) => {
                let mfa_token = self
                    .federated_mfa_challenge(&user, flow.context.clone())
                    .await?;
                return Ok(Ok(LoginOutcome::MfaRequired { mfa_token }));
            }
            (true, Some(code)) => match self
                .check_totp(
                    &user,
                    code,
                    Source {
                        client,
                        device: None,
                    },
                )
                .await
            {
                Ok(()) => &[AuthMethod::Federated, AuthMethod::Otp],
                Err(AuthError::InvalidOtp) => return Ok(Err(OAuthFailure::InvalidOtp)),
                Err(AuthError::RateLimited { .. }) => {
                    return Ok(Err(OAuthFailure::TooManyAttempts));
                }
                Err(err) => return Err(err),
            },
        };
        let session = self.open_session(user, methods, false, client).await?;
        Ok(Ok(LoginOutcome::Session(session)))
    }

    /// Spends a state: true the first time only.
    async fn spend_state(&self, state: &str) -> Result<bool, AuthError> {
        let key = format!("oauth:state:{}", opaque::digest(state));
        let window = Window::Fixed(self.0.config.oauth.flow_ttl);
        let decision = self.0.limiter.hit(&key, 1, window, self.now()).await?;
        Ok(matches!(decision, Decision::Allowed { .. }))
    }
}
