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
//! links or creates the account (see [`crate::config::OAuthSettings`]).
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

mod facebook;
mod github;
mod oidc;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use async_trait::async_trait;
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AsyncHttpClient, AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EndpointNotSet, EndpointSet, ExtraTokenFields, HttpRequest, HttpResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, StandardRevocableToken,
    StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use url::Url;

use crate::error::ConfigError;

pub use facebook::FacebookProvider;
pub use github::GitHubProvider;
pub use oidc::OidcProvider;

/// One provider's settings: the client registered with it, and how logins
/// through it come back to the application.
#[derive(Clone)]
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
    /// The OAuth client secret.
    pub client_secret: String,
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
        client_secret: impl Into<String>,
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

    /// The scopes, or `defaults` when none were configured.
    fn scopes_or(&self, defaults: &[&str]) -> Vec<String> {
        if self.scopes.is_empty() {
            defaults.iter().map(|s| (*s).to_owned()).collect()
        } else {
            self.scopes.clone()
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

pub(crate) fn is_web_url(url: &str) -> bool {
    Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
}

/// Whether a provider endpoint is safe to call with secrets and to trust
/// keys from: https, or plain http on a loopback address (tests, local
/// providers).
pub(crate) fn is_secure_url(url: &str) -> bool {
    let Ok(url) = Url::parse(url) else {
        return false;
    };
    match (url.scheme(), url.host()) {
        ("https", Some(_)) => true,
        ("http", Some(url::Host::Ipv4(ip))) => ip.is_loopback(),
        ("http", Some(url::Host::Ipv6(ip))) => ip.is_loopback(),
        ("http", Some(url::Host::Domain(host))) => host == "localhost",
        _ => false,
    }
}

/// Refuses a provider endpoint that is not [`is_secure_url`].
fn secure_endpoint(config: &ProviderConfig, what: &str, url: &str) -> Result<(), ConfigError> {
    if is_secure_url(url) {
        Ok(())
    } else {
        Err(ConfigError(format!(
            "oauth provider {:?}: the {what} must be https (plain http only on loopback): {url}",
            config.name
        )))
    }
}

impl fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("name", &self.name)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("scopes", &self.scopes)
            .field("redirect_uri", &self.redirect_uri)
            .field("auto_set_cookies", &self.auto_set_cookies)
            .field("app_callback_url", &self.app_callback_url)
            .field("allowed_redirect_origins", &self.allowed_redirect_origins)
            .finish_non_exhaustive()
    }
}

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

impl OAuthError {
    fn from_http(err: &reqwest::Error) -> Self {
        if err.is_timeout() || err.is_connect() || err.is_request() {
            Self::Unreachable(err.to_string())
        } else {
            Self::Provider(err.to_string())
        }
    }
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

/// The token response, keeping the ID token.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct IdTokenField {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}

impl ExtraTokenFields for IdTokenField {}

type TokenBody = StandardTokenResponse<IdTokenField, BasicTokenType>;

type CodeClient = oauth2::Client<
    BasicErrorResponse,
    TokenBody,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// The authorization-code client of one provider, on the `oauth2` crate.
#[derive(Clone)]
struct CodeFlow {
    client: CodeClient,
    http: reqwest::Client,
}

impl CodeFlow {
    /// The flow at these endpoints, over the provider's HTTP client.
    fn new(
        config: &ProviderConfig,
        [auth_url, token_url]: [&str; 2],
        auth_type: AuthType,
        http: reqwest::Client,
    ) -> Result<Self, ConfigError> {
        secure_endpoint(config, "authorization endpoint", auth_url)?;
        secure_endpoint(config, "token endpoint", token_url)?;
        let bad = |what: &str| ConfigError(format!("oauth provider {:?}: {what}", config.name));
        let client = oauth2::Client::new(ClientId::new(config.client_id.clone()))
            .set_client_secret(ClientSecret::new(config.client_secret.clone()))
            .set_auth_type(auth_type)
            .set_auth_uri(
                AuthUrl::new(auth_url.to_owned()).map_err(|_| bad("bad authorization URL"))?,
            )
            .set_token_uri(TokenUrl::new(token_url.to_owned()).map_err(|_| bad("bad token URL"))?)
            .set_redirect_uri(
                RedirectUrl::new(config.redirect_uri.clone())
                    .map_err(|_| bad("bad redirect_uri"))?,
            );
        Ok(Self { client, http })
    }

    fn authorization_url(
        &self,
        request: &AuthorizationRequest,
        scopes: &[String],
        nonce: bool,
    ) -> Url {
        let verifier = PkceCodeVerifier::new(request.pkce_verifier.clone());
        let state = request.state.clone();
        let mut url = self
            .client
            .authorize_url(|| CsrfToken::new(state))
            .add_scopes(scopes.iter().cloned().map(Scope::new))
            .set_pkce_challenge(PkceCodeChallenge::from_code_verifier_sha256(&verifier));
        if nonce {
            url = url.add_extra_param("nonce", request.nonce.clone());
        }
        url.url().0
    }

    /// The access token and, if present, the raw ID token.
    async fn exchange(
        &self,
        exchange: &CodeExchange,
    ) -> Result<(String, Option<String>), OAuthError> {
        let body = self
            .client
            .exchange_code(AuthorizationCode::new(exchange.code.clone()))
            .set_pkce_verifier(PkceCodeVerifier::new(exchange.pkce_verifier.clone()))
            .request_async(&CappedHttp(self.http.clone()))
            .await
            .map_err(|err| match err {
                RequestTokenError::ServerResponse(body) => {
                    OAuthError::Provider(body.error().to_string())
                }
                RequestTokenError::Request(err) => err,
                other => OAuthError::Provider(other.to_string()),
            })?;
        Ok((
            body.access_token().secret().clone(),
            body.extra_fields().id_token.clone(),
        ))
    }

    /// The grant of a provider without ID tokens (plain OAuth 2.0).
    async fn plain_grant(&self, exchange: &CodeExchange) -> Result<Grant, OAuthError> {
        let (access_token, _) = self.exchange(exchange).await?;
        Ok(Grant::new(access_token))
    }

    /// A provider API's JSON, with the access token as a bearer token.
    async fn get_json(&self, url: &str, access_token: &str) -> Result<Value, OAuthError> {
        get_json(&self.http, url, Some(access_token)).await
    }
}

/// What a plain OAuth 2.0 preset (no ID tokens; a user API) is made of.
struct PlainOAuth {
    config: ProviderConfig,
    scopes: Vec<String>,
    flow: CodeFlow,
    /// The user API's base URL, without a trailing `/`.
    api_url: String,
}

impl PlainOAuth {
    /// The preset's settings (its `label` unless one was chosen, its
    /// default scopes unless some were), checked, with https endpoints.
    fn new(
        mut config: ProviderConfig,
        label: &str,
        default_scopes: &[&str],
        [authorize_url, token_url, api_url]: [&str; 3],
    ) -> Result<Self, ConfigError> {
        if config.label == config.name {
            config.label = label.into();
        }
        config.validate()?;
        let flow = CodeFlow::new(
            &config,
            [authorize_url, token_url],
            AuthType::RequestBody,
            http_client(config.timeout)?,
        )?;
        secure_endpoint(&config, "user API URL", api_url)?;
        Ok(Self {
            scopes: config.scopes_or(default_scopes),
            config,
            flow,
            api_url: api_url.trim_end_matches('/').to_owned(),
        })
    }

    fn authorization_url(&self, request: &AuthorizationRequest) -> Url {
        self.flow.authorization_url(request, &self.scopes, false)
    }

    /// The user API's JSON at `path` (`/user`).
    async fn api(&self, path: &str, grant: &Grant) -> Result<Value, OAuthError> {
        let url = format!("{}{path}", self.api_url);
        self.flow.get_json(&url, &grant.access_token).await
    }
}

/// The HTTP client handed to the `oauth2` crate (for the token request): the
/// provider client, with its answer read under the same cap as every other.
struct CappedHttp(reqwest::Client);

impl<'c> AsyncHttpClient<'c> for CappedHttp {
    type Error = OAuthError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, OAuthError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request =
                reqwest::Request::try_from(request).map_err(|e| OAuthError::from_http(&e))?;
            let url = request.url().to_string();
            let response = self
                .0
                .execute(request)
                .await
                .map_err(|e| OAuthError::from_http(&e))?;
            let mut answer = http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                answer = answer.header(name, value);
            }
            let body = read_capped(response, &url).await?;
            answer
                .body(body)
                .map_err(|e| OAuthError::Provider(format!("{url}: {e}")))
        })
    }
}

/// A GET for JSON; a non-2xx answer is the provider's error.
async fn get_json(
    http: &reqwest::Client,
    url: &str,
    bearer: Option<&str>,
) -> Result<Value, OAuthError> {
    let mut request = http
        .get(url)
        .header(http::header::ACCEPT, "application/json");
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request
        .send()
        .await
        .map_err(|e| OAuthError::from_http(&e))?;
    let status = response.status();
    if !status.is_success() {
        return Err(OAuthError::Provider(format!("{url} answered {status}")));
    }
    let body = read_capped(response, url).await?;
    serde_json::from_slice(&body).map_err(|e| OAuthError::Provider(format!("{url}: {e}")))
}

/// A provider answer's body, refused past [`MAX_ANSWER`] bytes.
async fn read_capped(mut response: reqwest::Response, url: &str) -> Result<Vec<u8>, OAuthError> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| OAuthError::from_http(&e))?
    {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err(OAuthError::Provider(format!(
                "{url} answered more than {MAX_ANSWER} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The largest provider answer read (token, discovery, key set, user APIs): a
/// broken or hostile provider cannot make us buffer without end.
const MAX_ANSWER: usize = 1024 * 1024;

/// The HTTP client for provider calls: bounded in time, and never following
/// redirects (a provider answer that redirects is an error, not a hop to
/// wherever it points).
fn http_client(timeout: Duration) -> Result<reqwest::Client, ConfigError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("portcullis/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ConfigError(format!("oauth http client: {e}")))
}

/// A claim as a string, if it is one.
fn text(value: &Value, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// A one-shot HTTP server answering `body` as JSON.
    async fn answering(body: Vec<u8>) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await.unwrap();
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            socket.write_all(head.as_bytes()).await.unwrap();
            let _ = socket.write_all(&body).await;
        });
        format!("http://{addr}/")
    }

    #[tokio::test]
    async fn provider_answers_are_read_up_to_a_mebibyte() {
        let http = http_client(Duration::from_secs(5)).unwrap();
        let small = answering(br#"{"issuer":"x"}"#.to_vec()).await;
        assert_eq!(get_json(&http, &small, None).await.unwrap()["issuer"], "x");
        let mut huge = b"[".to_vec();
        huge.extend(std::iter::repeat_n(b'0', MAX_ANSWER));
        huge.push(b']');
        let url = answering(huge).await;
        let err = get_json(&http, &url, None).await.unwrap_err();
        assert!(
            matches!(err, OAuthError::Provider(ref m) if m.contains("more than")),
            "{err}"
        );
    }
}
