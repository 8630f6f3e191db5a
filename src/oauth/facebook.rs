//! Facebook: OAuth 2.0 and the Graph API.

use async_trait::async_trait;
use serde_json::Value;
use url::Url;

use super::http::{PlainOAuth, text};
use super::{
    AuthorizationRequest, CodeExchange, Grant, OAuthError, OAuthProvider, Profile, ProviderConfig,
};
use crate::error::ConfigError;

/// The Graph API version of the default endpoints.
const GRAPH_VERSION: &str = "v21.0";

/// Facebook. The subject is the app-scoped user id; scopes default to
/// `email public_profile`.
///
/// The Graph API has no `email_verified`: it returns `email` only when the
/// person has a valid address, which by default counts as verified (so new
/// people get accounts and verified accounts are linked). Call
/// [`trust_emails(false)`](Self::trust_emails) to count it as unverified
/// instead: then a Facebook login only finds accounts already linked to it.
pub struct FacebookProvider {
    plain: PlainOAuth,
    trust_emails: bool,
}

impl FacebookProvider {
    /// facebook.com, Graph API v21.0.
    pub fn new(config: ProviderConfig) -> Result<Self, ConfigError> {
        Self::with_endpoints(
            config,
            &format!("https://www.facebook.com/{GRAPH_VERSION}/dialog/oauth"),
            &format!("https://graph.facebook.com/{GRAPH_VERSION}/oauth/access_token"),
            &format!("https://graph.facebook.com/{GRAPH_VERSION}"),
        )
    }

    /// Facebook at other addresses (another Graph API version, a test
    /// double): the authorization and token endpoints, and the Graph API's
    /// base URL.
    pub fn with_endpoints(
        config: ProviderConfig,
        authorize_url: &str,
        token_url: &str,
        graph_url: &str,
    ) -> Result<Self, ConfigError> {
        let endpoints = [authorize_url, token_url, graph_url];
        Ok(Self {
            plain: PlainOAuth::new(config, "Facebook", &["email", "public_profile"], endpoints)?,
            trust_emails: true,
        })
    }

    /// Whether an address from the Graph API counts as verified; default `true`.
    #[must_use]
    pub fn trust_emails(mut self, trust: bool) -> Self {
        self.trust_emails = trust;
        self
    }
}

#[async_trait]
impl OAuthProvider for FacebookProvider {
    fn config(&self) -> &ProviderConfig {
        &self.plain.config
    }

    async fn authorization_url(&self, request: &AuthorizationRequest) -> Result<Url, OAuthError> {
        Ok(self.plain.authorization_url(request))
    }

    async fn exchange_code(&self, exchange: &CodeExchange) -> Result<Grant, OAuthError> {
        self.plain.flow.plain_grant(exchange).await
    }

    async fn profile(&self, grant: &Grant) -> Result<Profile, OAuthError> {
        let me = self
            .plain
            .api("/me?fields=id,name,email,picture", grant)
            .await?;
        let subject =
            text(&me, "id").ok_or_else(|| OAuthError::Provider("the user has no id".into()))?;
        let mut profile = Profile::new(subject);
        profile.email = text(&me, "email");
        profile.email_verified = self.trust_emails && profile.email.is_some();
        profile.name = text(&me, "name");
        profile.avatar_url = me
            .pointer("/picture/data/url")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok(profile)
    }
}
