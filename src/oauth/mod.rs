//! Signing in through external providers: OAuth 2.0 and OpenID Connect.
//!
//! An [`OAuthProvider`] knows one provider's endpoints: it builds the
//! authorization URL, exchanges the returned code, and reads the person's
//! [`Profile`]. The presets cover the usual ones, each with every endpoint
//! configurable (so tests, proxies and self-hosted providers work):
//!
//! - [`OidcProvider`]: any OpenID Connect provider, found by its issuer URL
//!   (discovery), with ID tokens checked against its JWKS (signature with a
//!   pinned asymmetric algorithm, issuer, audience, expiry, nonce);
//!   [`OidcProvider::google`] is the Google preset;
//! - [`GitHubProvider`]: OAuth 2.0 and the user API, trusting only the
//!   verified primary address;
//! - [`FacebookProvider`]: OAuth 2.0 and the Graph API.
//!
//! Register providers with [`crate::AuthBuilder::oauth_provider`]; the
//! service keeps the flow's state, PKCE verifier and nonce in a sealed,
//! HttpOnly cookie bound to the browser, spends each state once, and finds,
//! links or creates the account (see `AuthConfig::oauth`).
//!
//! ```no_run
//! use portcullis::oauth::{GitHubProvider, OidcProvider, ProviderConfig};
//! use portcullis::{Auth, AuthConfig, store::MemoryStore};
//!
//! let mut config = AuthConfig::new(std::env::var("JWT_SECRET")?.into_bytes());
//! config.oauth.redirect_origins = vec!["https://app.example.com".into()];
//! let google = ProviderConfig::new(
//!     "google",
//!     "client-id.apps.googleusercontent.com",
//!     "client-secret",
//!     "https://api.example.com/api/auth/google/callback",
//! );
//! let github = ProviderConfig::new(
//!     "github",
//!     "Iv1.client-id",
//!     "client-secret",
//!     "https://api.example.com/api/auth/github/callback",
//! );
//! let auth = Auth::builder(config)
//!     .store(MemoryStore::new())
//!     .oauth_provider(OidcProvider::google(google)?)
//!     .oauth_provider(GitHubProvider::new(github)?)
//!     .build()?;
//! # Ok::<_, Box<dyn std::error::Error>>(())
//! ```

#[cfg(feature = "oauth")]
mod facebook;
#[cfg(feature = "oauth")]
mod github;
#[cfg(feature = "oauth")]
mod http;
#[cfg(feature = "oauth")]
mod oidc;

use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use url::Url;

use crate::config::{Secret, is_web_url};
use crate::error::ConfigError;

#[cfg(feature = "oauth")]
pub use facebook::FacebookProvider;
#[cfg(feature = "oauth")]
pub use github::GitHubProvider;
#[cfg(feature = "oauth")]
pub use oidc::OidcProvider;

/// One provider's settings: the client registered with it, and how logins
/// through it come back to the application. `Debug` never shows the client
/// secret.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ProviderConfig {
    /// The name in URLs (`/auth/{name}`): lowercase letters, digits, `-`, `_`.
    pub name: String,
    /// How login pages show it (Directus's `GET /auth`); default: the name,
    /// which the presets replace with "Google", "GitHub" or "Facebook".
    pub label: String,
    /// The icon login pages show (Directus's `GET /auth` lists it when set,
    /// as Directus does with `AUTH_<PROVIDER>_ICON`).
    pub icon: Option<String>,
    /// The OAuth client id.
    pub client_id: String,
    /// The OAuth client secret (never printed, zeroed when dropped).
    pub client_secret: Secret,
    /// Scopes to ask for; each preset fills in what it needs.
    pub scopes: Vec<String>,
    /// The callback registered with the provider:
    /// `https://api.example.com/api/auth/{name}/callback`.
    pub redirect_uri: String,
    /// After a login, redirect through
    /// `{redirect origin}{cookieBridgePrefix}/auth/set-cookies`, which sets
    /// the auth cookies on the app's origin; default `true`. When `false`,
    /// redirect to [`app_callback_url`](Self::app_callback_url) with the
    /// tokens in the query.
    pub auto_set_cookies: bool,
    /// Where tokens go when `auto_set_cookies` is `false`.
    pub app_callback_url: Option<String>,
    /// Origins (`https://app.example.com`) a login through this provider may
    /// return to, besides `AuthConfig::oauth.redirect_origins`.
    pub allowed_redirect_origins: Vec<String>,
    /// The longest wait for each request to the provider (connecting
    /// included); default 10 s. A login makes up to four: discovery and the
    /// key set (first use only), the code exchange, and the user API.
    pub timeout: Duration,
}

impl ProviderConfig {
    /// A provider client with the default flow (cookies set through the
    /// bridge) and no scopes of its own (the preset adds its defaults).
    pub fn new(
        name: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        let name = name.into();
        Self {
            label: name.clone(),
            icon: None,
            name,
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            scopes: Vec::new(),
            redirect_uri: redirect_uri.into(),
            auto_set_cookies: true,
            app_callback_url: None,
            allowed_redirect_origins: Vec::new(),
            timeout: Duration::from_secs(10),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let fail = |what: &str| {
            Err(ConfigError(format!(
                "oauth provider {:?}: {what}",
                self.name
            )))
        };
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 32
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !name_ok {
            return fail("the name is 1 to 32 of a-z, 0-9, '-', '_'");
        }
        if RESERVED_NAMES.contains(&self.name.as_str()) {
            return fail("the name is taken by another route");
        }
        if self.client_id.is_empty() {
            return fail("client_id is empty");
        }
        if !is_web_url(&self.redirect_uri) {
            return fail("redirect_uri must be an absolute http(s) URL");
        }
        match (&self.app_callback_url, self.auto_set_cookies) {
            (Some(url), _) if !is_web_url(url) => {
                return fail("app_callback_url must be an absolute http(s) URL");
            }
            (None, false) => return fail("auto_set_cookies = false needs an app_callback_url"),
            _ => {}
        }
        if !self.allowed_redirect_origins.iter().all(|o| is_web_url(o)) {
            return fail("allowed_redirect_origins holds absolute http(s) URLs");
        }
        if self.timeout.is_zero() {
            return fail("timeout must be positive");
        }
        Ok(())
    }
}

/// Names that are other routes under `/auth/`.
const RESERVED_NAMES: &[&str] = &[
    "login",
    "logout",
    "register",
    "refresh",
    "refresh-token",
    "providers",
    "oauth",
    "set-cookies",
    "password",
    "validate-session",
];

/// What the authorization URL carries for one login.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuthorizationRequest {
    /// The `state` parameter.
    pub state: String,
    /// The PKCE verifier; the URL carries its S256 challenge.
    pub pkce_verifier: String,
    /// The OpenID Connect `nonce` (providers without ID tokens ignore it).
    pub nonce: String,
}

/// What exchanging a code needs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CodeExchange {
    /// The `code` the provider returned.
    pub code: String,
    /// The PKCE verifier of the login.
    pub pkce_verifier: String,
    /// The nonce the ID token must carry.
    pub nonce: String,
    /// Now, by the service's clock (for the ID token's expiry).
    pub now: OffsetDateTime,
}

/// What a code exchange yields.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Grant {
    /// The provider's access token (for its user API).
    pub access_token: String,
    /// The verified claims of the ID token (OpenID Connect only).
    pub id_claims: Option<Map<String, Value>>,
}

impl Grant {
    /// A grant of an access token alone.
    pub fn new(access_token: impl Into<String>) -> Self {
        Self {
            access_token: access_token.into(),
            id_claims: None,
        }
    }

    /// The grant with the claims of an ID token the provider verified.
    #[must_use]
    pub fn with_id_claims(mut self, claims: Map<String, Value>) -> Self {
        self.id_claims = Some(claims);
        self
    }
}

/// The person, as the provider describes them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Profile {
    /// The provider's stable id for the person.
    pub subject: String,
    /// Their email address, if the provider shared one.
    pub email: Option<String>,
    /// Whether the provider vouches that the address is theirs.
    pub email_verified: bool,
    /// Display name.
    pub name: Option<String>,
    /// Picture URL.
    pub avatar_url: Option<String>,
}

impl Profile {
    /// A profile with only a subject.
    pub fn new(subject: impl Into<String>) -> Self {
        Self {
            subject: subject.into(),
            email: None,
            email_verified: false,
            name: None,
            avatar_url: None,
        }
    }
}

/// Why a provider step failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum OAuthError {
    /// The provider answered with an error (a refused code, say).
    #[error("the provider refused: {0}")]
    Provider(String),
    /// The provider did not answer in time, or not at all.
    #[error("the provider is unreachable: {0}")]
    Unreachable(String),
    /// The ID token failed a check.
    #[error("the ID token is not valid: {0}")]
    InvalidIdToken(String),
}

/// An external login provider. Implement it for a provider the presets do
/// not cover; the service does the rest (state, PKCE, cookies, accounts).
#[async_trait]
pub trait OAuthProvider: Send + Sync + 'static {
    /// Its settings.
    fn config(&self) -> &ProviderConfig;

    /// The kind of provider, as Directus's `GET /auth` names it
    /// (`"oauth2"` or `"openid"`).
    fn driver(&self) -> &'static str {
        "oauth2"
    }

    /// Where to send the browser to sign in.
    async fn authorization_url(&self, request: &AuthorizationRequest) -> Result<Url, OAuthError>;

    /// Exchanges the returned code (with the PKCE verifier) for tokens,
    /// verifying an ID token if the provider issues one.
    async fn exchange_code(&self, exchange: &CodeExchange) -> Result<Grant, OAuthError>;

    /// Who signed in.
    async fn profile(&self, grant: &Grant) -> Result<Profile, OAuthError>;
}
