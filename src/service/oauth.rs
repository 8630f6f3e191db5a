//! Logins through external providers: starting one, finishing it, and the
//! account it signs in to.
//!
//! A login's state, PKCE verifier and nonce travel in one value sealed with
//! the service's secret box (XChaCha20-Poly1305), which the web layer keeps
//! in an HttpOnly cookie: only the browser that started a login can finish
//! it, and nothing about pending logins is stored. Each state is spent once
//! (counted in the rate limiter, so across instances when the limiter is
//! shared).

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use url::Url;

use crate::error::{AuthError, Field, Rule};
use crate::identity::AuthMethod;
use crate::oauth::{AuthorizationRequest, CodeExchange, OAuthError, OAuthProvider, Profile};
use crate::store::{Decision, NewUser, StoreError, User, UserChanges, Window};
use crate::token::opaque;

use super::account::{valid_email, valid_name};
use super::{Auth, Client, LoginOutcome, record_user};

/// The associated data of sealed flows: a sealed TOTP secret cannot pass as one.
const FLOW_OWNER: &str = "portcullis oauth flow";

/// Longest `redirect` accepted.
const MAX_REDIRECT: usize = 2048;

/// What starting a login needs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OAuthRequest {
    /// Where the browser returns after the login: an absolute http(s) URL on
    /// an allowed origin. Only a [`one_step`](Self::one_step) login may
    /// have none (Directus's form: the callback answers with the tokens, or
    /// the error, itself).
    pub redirect: Option<String>,
    /// The app's proxy prefix for the cookie bridge (`/enfyra`), if any.
    pub bridge_prefix: Option<String>,
    /// Opaque to the service: handed back with the landing (a dialect
    /// remembers how to answer this way), and kept with an MFA challenge.
    pub context: Option<String>,
    /// A TOTP code given up front (Directus's `?otp=`): a user with MFA
    /// then signs in in one step, and a wrong code is
    /// [`OAuthFailure::InvalidOtp`].
    pub otp: Option<String>,
    /// The login has no second step (Directus): a user with MFA who gave no
    /// `otp` fails with [`OAuthFailure::InvalidOtp`] instead of getting an
    /// MFA challenge.
    pub one_step: bool,
}

impl OAuthRequest {
    /// A login that returns to `redirect`.
    pub fn new(redirect: impl Into<String>) -> Self {
        Self {
            redirect: Some(redirect.into()),
            one_step: false,
            ..Self::without_redirect()
        }
    }

    /// A one-step login with no page to return to: its callback answers
    /// with the tokens, or the error, itself (Directus without `redirect`).
    pub fn without_redirect() -> Self {
        Self {
            redirect: None,
            bridge_prefix: None,
            context: None,
            otp: None,
            one_step: true,
        }
    }
}

/// How a started login goes on.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum OAuthStart {
    /// Send the browser to the provider, with the sealed flow in the
    /// HttpOnly cookie `AuthConfig::oauth.flow_cookie`.
    Provider {
        /// The provider's authorization URL.
        location: Url,
        /// The cookie's value.
        flow: String,
    },
    /// The provider failed before the login could start (unreachable, or
    /// its discovery document unusable): send the browser back to the app.
    Failed {
        /// The app's page, if the login has one.
        redirect: Option<Url>,
        /// Why.
        failure: OAuthFailure,
    },
}

/// What the provider's callback carries.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct OAuthCallback {
    /// `state`.
    pub state: Option<String>,
    /// `code`.
    pub code: Option<String>,
    /// `error`, when the person or the provider refused.
    pub error: Option<String>,
    /// The flow cookie sent by the browser.
    pub flow: Option<String>,
}

/// A finished login, and where the browser goes next.
#[derive(Debug)]
#[non_exhaustive]
pub struct OAuthLanding {
    /// The provider's name.
    pub provider: String,
    /// The app page the login started from (allowed when it started), if
    /// it gave one.
    pub redirect: Option<Url>,
    /// The cookie bridge's proxy prefix, if the app gave one.
    pub bridge_prefix: Option<String>,
    /// The request's context.
    pub context: Option<String>,
    /// A session (or an MFA challenge), or why not.
    pub outcome: Result<LoginOutcome, OAuthFailure>,
}

/// Why an external login failed; its [`code`](Self::code) goes back to the
/// app in the redirect's query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OAuthFailure {
    /// The person (or the provider) declined.
    AccessDenied,
    /// The state is wrong, spent or expired.
    InvalidState,
    /// The provider answered with an error.
    ProviderError,
    /// The provider did not answer in time.
    ProviderUnavailable,
    /// The ID token failed a check (signature, issuer, audience, expiry, nonce).
    InvalidIdToken,
    /// The provider shared no email address.
    EmailMissing,
    /// The provider does not vouch for the address.
    EmailNotVerified,
    /// An account with this address exists, but may not be linked (its
    /// address is unverified, or linking is off).
    AccountNotLinked,
    /// The account is deactivated.
    AccountDisabled,
    /// New accounts are not created through providers.
    SignupClosed,
    /// The TOTP code given with the login is wrong.
    InvalidOtp,
    /// Too many wrong codes for the account: it is cooling down.
    TooManyAttempts,
}

impl OAuthFailure {
    /// The stable code (`?error=`).
    pub fn code(self) -> &'static str {
        match self {
            Self::AccessDenied => "access_denied",
            Self::InvalidState => "invalid_state",
            Self::ProviderError => "provider_error",
            Self::ProviderUnavailable => "provider_unavailable",
            Self::InvalidIdToken => "invalid_id_token",
            Self::EmailMissing => "email_missing",
            Self::EmailNotVerified => "email_not_verified",
            Self::AccountNotLinked => "account_not_linked",
            Self::AccountDisabled => "account_disabled",
            Self::SignupClosed => "signup_closed",
            Self::InvalidOtp => "invalid_otp",
            Self::TooManyAttempts => "too_many_attempts",
        }
    }
}

impl From<&OAuthError> for OAuthFailure {
    fn from(err: &OAuthError) -> Self {
        match err {
            OAuthError::Provider(_) => Self::ProviderError,
            OAuthError::Unreachable(_) => Self::ProviderUnavailable,
            OAuthError::InvalidIdToken(_) => Self::InvalidIdToken,
        }
    }
}

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

    /// Checks a page a login may return to: an absolute http(s) URL without
    /// credentials, on `oauth.redirect_origins` or the provider's own list.
    pub fn check_redirect(&self, provider: Option<&str>, redirect: &str) -> Result<Url, AuthError> {
        let refused = || AuthError::invalid(Field::Redirect, Rule::NotAllowed);
        let url = Url::parse(redirect).map_err(|_| refused())?;
        if url.as_str().len() > MAX_REDIRECT
            || !matches!(url.scheme(), "http" | "https")
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(refused());
        }
        let origin = url.origin().ascii_serialization();
        let own = provider
            .and_then(|name| self.oauth_provider(name))
            .map(|p| p.config().allowed_redirect_origins.as_slice())
            .unwrap_or_default();
        let allowed = self
            .0
            .config
            .oauth
            .redirect_origins
            .iter()
            .chain(own)
            .filter_map(|o| Url::parse(o).ok())
            .any(|o| o.origin().ascii_serialization() == origin);
        if allowed { Ok(url) } else { Err(refused()) }
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
            self.land(handler, &flow, &callback).await?
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
            (true, Some(code)) => match self.check_totp(&user, code).await {
                Ok(()) => &[AuthMethod::Federated, AuthMethod::Otp],
                Err(AuthError::InvalidOtp) => return Ok(Err(OAuthFailure::InvalidOtp)),
                Err(AuthError::RateLimited { .. }) => {
                    return Ok(Err(OAuthFailure::TooManyAttempts));
                }
                Err(err) => return Err(err),
            },
        };
        let session = self.open_session(user, methods, false).await?;
        Ok(Ok(LoginOutcome::Session(session)))
    }

    /// Spends a state: true the first time only.
    async fn spend_state(&self, state: &str) -> Result<bool, AuthError> {
        let key = format!("oauth:state:{}", opaque::digest(state));
        let window = Window::Fixed(self.0.config.oauth.flow_ttl);
        let decision = self.0.limiter.hit(&key, 1, window, self.now()).await?;
        Ok(matches!(decision, Decision::Allowed { .. }))
    }

    /// The account of an external identity: the linked one; else the one
    /// with the same verified address (linked now); else a new one.
    async fn federated_user(
        &self,
        provider: &str,
        profile: &Profile,
    ) -> Result<Result<User, OAuthFailure>, AuthError> {
        let users = &self.0.users;
        let settings = &self.0.config.oauth;
        if let Some(user) = self.linked_user(provider, &profile.subject).await? {
            return Ok(usable(user));
        }
        // The provider's word is checked like anyone's: a malformed
        // address counts as none, and an overlong or blank name is dropped.
        let Some(email) = profile
            .email
            .as_deref()
            .and_then(|email| valid_email(email).ok())
        else {
            return Ok(Err(OAuthFailure::EmailMissing));
        };
        let name = profile
            .name
            .as_deref()
            .and_then(|name| valid_name(name).ok().flatten());
        if !profile.email_verified {
            return Ok(Err(OAuthFailure::EmailNotVerified));
        }
        let mut retried = false;
        let user = loop {
            match users.find_user_by_email(email).await? {
                // Linking to an address nobody proved would hand the account
                // to whoever registered it first (account pre-hijacking).
                Some(user) if !settings.link_by_email || !user.email_verified => {
                    return Ok(Err(OAuthFailure::AccountNotLinked));
                }
                Some(user) => break user,
                None if !settings.create_users => return Ok(Err(OAuthFailure::SignupClosed)),
                None => {
                    let mut account = NewUser::new(
                        email,
                        &self.0.config.accounts.default_role,
                        None,
                        self.now(),
                    );
                    account.name = name.clone();
                    account.email_verified = true;
                    match users.create_user(account).await {
                        Ok(user) => break user,
                        // The address was taken meanwhile: look again, by the same rules.
                        Err(StoreError::Conflict) if !retried => retried = true,
                        Err(err) => return Err(err.into()),
                    }
                }
            }
        };
        if let Err(failure) = usable(user.clone()) {
            return Ok(Err(failure));
        }
        match self
            .0
            .identities
            .link_identity(&user.id, provider, &profile.subject)
            .await
        {
            Ok(()) => {
                tracing::info!(user = %user.id, provider, "external identity linked");
            }
            // A concurrent callback linked it: the lookup now settles whose it is.
            Err(StoreError::Conflict) => {
                let linked = self
                    .linked_user(provider, &profile.subject)
                    .await?
                    .ok_or(AuthError::Unavailable)?;
                return Ok(usable(linked));
            }
            Err(err) => return Err(err.into()),
        }
        if user.name.is_none() && name.is_some() {
            let changes = UserChanges {
                name: Some(name),
                ..UserChanges::default()
            };
            return Ok(Ok(users.update_user(&user.id, changes).await?));
        }
        Ok(Ok(user))
    }

    /// The user an external identity is linked to, if it still exists.
    async fn linked_user(&self, provider: &str, subject: &str) -> Result<Option<User>, AuthError> {
        let Some(id) = self.0.identities.find_identity(provider, subject).await? else {
            return Ok(None);
        };
        match self.0.users.find_user(&id).await {
            Ok(Some(user)) => Ok(Some(user)),
            Ok(None) | Err(StoreError::InvalidId) => {
                tracing::warn!(provider, user = %id, "an external identity is linked to a user who is gone");
                Ok(None)
            }
            Err(err) => Err(err.into()),
        }
    }
}

fn usable(user: User) -> Result<User, OAuthFailure> {
    if user.is_active {
        Ok(user)
    } else {
        Err(OAuthFailure::AccountDisabled)
    }
}

/// A proxy prefix: `/segment[/segment…]` of unreserved characters, so that
/// the bridge URL stays on the redirect's origin.
fn check_prefix(prefix: &str) -> Result<(), AuthError> {
    let ok = prefix.len() <= 100
        && prefix.starts_with('/')
        && prefix[1..].split('/').all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        });
    if ok {
        Ok(())
    } else {
        Err(AuthError::invalid(Field::BridgePrefix, Rule::NotAPath))
    }
}

#[cfg(test)]
mod tests {
    use super::check_prefix;

    #[test]
    fn bridge_prefixes_stay_paths() {
        for good in ["/api", "/enfyra", "/a/b-c_d.e~f"] {
            assert!(check_prefix(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "api",
            "//evil.example",
            "/",
            "/a//b",
            "/..",
            "/a/../b",
            "/a?b",
            "/a\\b",
            "/@evil",
        ] {
            assert!(check_prefix(bad).is_err(), "{bad}");
        }
    }
}
