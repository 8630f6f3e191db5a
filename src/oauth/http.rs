//! The HTTP side of the presets (feature `oauth`): the authorization-code
//! flow on the `oauth2` crate, over a reqwest client that never follows
//! redirects, times out, and reads a bounded amount of any provider answer.

use std::future::Future;
use std::pin::Pin;

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
use serde_json::Value;
use url::Url;

use super::{AuthorizationRequest, CodeExchange, Grant, OAuthError, ProviderConfig};
use crate::error::ConfigError;
use crate::remote::RemoteError;
use crate::remote::http::{get_json, http_client, read_capped};

/// Whether a provider endpoint is safe to call with secrets and to trust
/// keys from: https, or plain http on a loopback address (tests, local
/// providers).
pub(super) fn is_secure_url(url: &str) -> bool {
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
pub(super) fn secure_endpoint(
    config: &ProviderConfig,
    what: &str,
    url: &str,
) -> Result<(), ConfigError> {
    if is_secure_url(url) {
        Ok(())
    } else {
        Err(ConfigError(format!(
            "oauth provider {:?}: the {what} must be https (plain http only on loopback): {url}",
            config.name
        )))
    }
}

impl From<RemoteError> for OAuthError {
    fn from(err: RemoteError) -> Self {
        match err {
            RemoteError::Unreachable(why) => Self::Unreachable(why),
            RemoteError::Refused(why) => Self::Provider(why),
        }
    }
}

/// The configured scopes, or `defaults` when none were configured.
pub(super) fn scopes_or(config: &ProviderConfig, defaults: &[&str]) -> Vec<String> {
    if config.scopes.is_empty() {
        defaults.iter().map(|s| (*s).to_owned()).collect()
    } else {
        config.scopes.clone()
    }
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
pub(super) struct CodeFlow {
    client: CodeClient,
    http: reqwest::Client,
}

impl CodeFlow {
    /// The flow at these endpoints, over the provider's HTTP client.
    pub(super) fn new(
        config: &ProviderConfig,
        [auth_url, token_url]: [&str; 2],
        auth_type: AuthType,
        http: reqwest::Client,
    ) -> Result<Self, ConfigError> {
        secure_endpoint(config, "authorization endpoint", auth_url)?;
        secure_endpoint(config, "token endpoint", token_url)?;
        let bad = |what: &str| ConfigError(format!("oauth provider {:?}: {what}", config.name));
        let client = oauth2::Client::new(ClientId::new(config.client_id.clone()))
            .set_client_secret(ClientSecret::new(
                String::from_utf8_lossy(config.client_secret.expose()).into_owned(),
            ))
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

    pub(super) fn authorization_url(
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
    pub(super) async fn exchange(
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
    pub(super) async fn plain_grant(&self, exchange: &CodeExchange) -> Result<Grant, OAuthError> {
        let (access_token, _) = self.exchange(exchange).await?;
        Ok(Grant::new(access_token))
    }

    /// A provider API's JSON, with the access token as a bearer token.
    pub(super) async fn get_json(
        &self,
        url: &str,
        access_token: &str,
    ) -> Result<Value, OAuthError> {
        Ok(get_json(&self.http, url, Some(access_token)).await?)
    }
}

/// What a plain OAuth 2.0 preset (no ID tokens; a user API) is made of.
pub(super) struct PlainOAuth {
    pub(super) config: ProviderConfig,
    pub(super) scopes: Vec<String>,
    pub(super) flow: CodeFlow,
    /// The user API's base URL, without a trailing `/`.
    pub(super) api_url: String,
}

impl PlainOAuth {
    /// The preset's settings (its `label` unless one was chosen, its
    /// default scopes unless some were), checked, with https endpoints.
    pub(super) fn new(
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
            scopes: scopes_or(&config, default_scopes),
            config,
            flow,
            api_url: api_url.trim_end_matches('/').to_owned(),
        })
    }

    pub(super) fn authorization_url(&self, request: &AuthorizationRequest) -> Url {
        self.flow.authorization_url(request, &self.scopes, false)
    }

    /// The user API's JSON at `path` (`/user`).
    pub(super) async fn api(&self, path: &str, grant: &Grant) -> Result<Value, OAuthError> {
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
            let request = reqwest::Request::try_from(request)
                .map_err(|e| OAuthError::from(RemoteError::from_http(&e)))?;
            let url = request.url().to_string();
            let response = self
                .0
                .execute(request)
                .await
                .map_err(|e| OAuthError::from(RemoteError::from_http(&e)))?;
            let mut answer = http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                answer = answer.header(name, value);
            }
            let body = read_capped(response, &url)
                .await
                .map_err(OAuthError::from)?;
            answer
                .body(body)
                .map_err(|e| OAuthError::Provider(format!("{url}: {e}")))
        })
    }
}

/// A claim as a string, if it is one.
pub(super) fn text(value: &Value, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}
