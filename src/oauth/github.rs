//! GitHub: OAuth 2.0 and the REST user API.

use async_trait::async_trait;
use serde_json::Value;
use url::Url;

use super::http::{PlainOAuth, text};
use super::{
    AuthorizationRequest, CodeExchange, Grant, OAuthError, OAuthProvider, Profile, ProviderConfig,
};
use crate::error::ConfigError;

/// GitHub. The subject is the numeric user id (logins can be renamed), and
/// the email is the account's primary address, trusted as verified only when
/// GitHub says it is (`GET /user/emails`); scopes default to
/// `read:user user:email`.
pub struct GitHubProvider(PlainOAuth);

impl GitHubProvider {
    /// GitHub.com.
    pub fn new(config: ProviderConfig) -> Result<Self, ConfigError> {
        Self::with_endpoints(
            config,
            "https://github.com/login/oauth/authorize",
            "https://github.com/login/oauth/access_token",
            "https://api.github.com",
        )
    }

    /// GitHub at other addresses (GitHub Enterprise Server, a test double):
    /// the authorization and token endpoints, and the REST API's base URL.
    pub fn with_endpoints(
        config: ProviderConfig,
        authorize_url: &str,
        token_url: &str,
        api_url: &str,
    ) -> Result<Self, ConfigError> {
        let endpoints = [authorize_url, token_url, api_url];
        PlainOAuth::new(config, "GitHub", &["read:user", "user:email"], endpoints).map(Self)
    }
}

#[async_trait]
impl OAuthProvider for GitHubProvider {
    fn config(&self) -> &ProviderConfig {
        &self.0.config
    }

    async fn authorization_url(&self, request: &AuthorizationRequest) -> Result<Url, OAuthError> {
        Ok(self.0.authorization_url(request))
    }

    async fn exchange_code(&self, exchange: &CodeExchange) -> Result<Grant, OAuthError> {
        self.0.flow.plain_grant(exchange).await
    }

    async fn profile(&self, grant: &Grant) -> Result<Profile, OAuthError> {
        let user = self.0.api("/user", grant).await?;
        let subject = user
            .get("id")
            .and_then(Value::as_u64)
            .ok_or_else(|| OAuthError::Provider("the user has no id".into()))?;
        let emails = self.0.api("/user/emails", grant).await?;
        let primary = emails.as_array().and_then(|all| {
            all.iter()
                .find(|e| e.get("primary").and_then(Value::as_bool) == Some(true))
        });
        let mut profile = Profile::new(subject.to_string());
        if let Some(primary) = primary {
            profile.email = text(primary, "email");
            profile.email_verified = primary.get("verified").and_then(Value::as_bool) == Some(true);
        }
        profile.name = text(&user, "name").or_else(|| text(&user, "login"));
        profile.avatar_url = text(&user, "avatar_url");
        Ok(profile)
    }
}
