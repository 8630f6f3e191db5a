//! [`OAuthSettings`]: logins through external providers.

use std::time::Duration;

use crate::error::ConfigError;

use super::is_web_url;

/// Logins through external providers (see [`crate::oauth`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OAuthSettings {
    /// Origins (`https://app.example.com`) every provider's logins may
    /// return to (`?redirect=`); each provider may add its own. Anything
    /// else is refused: no open redirects.
    pub redirect_origins: Vec<String>,
    /// How long a started login may take to come back; default 10 minutes.
    pub flow_ttl: Duration,
    /// How long after an external login its tokens may pass the cookie
    /// bridge (`/auth/set-cookies`), or its code be redeemed; default 2 minutes.
    pub bridge_ttl: Duration,
    /// What a finished external login carries to the app (the cookie bridge
    /// or the provider's app callback): a single-use code (the default) or,
    /// as the seed API documents, the tokens themselves.
    pub bridge: OAuthBridge,
    /// Link a provider identity to the existing account with the same
    /// address, when both the provider and the account have verified it;
    /// default `true`. An unverified address never links.
    pub link_by_email: bool,
    /// Create an account for a new person with a verified address; default
    /// `true`.
    pub create_users: bool,
}

impl Default for OAuthSettings {
    fn default() -> Self {
        Self {
            redirect_origins: Vec::new(),
            flow_ttl: Duration::from_secs(10 * 60),
            bridge_ttl: Duration::from_secs(120),
            bridge: OAuthBridge::Code,
            link_by_email: true,
            create_users: true,
        }
    }
}

/// What a finished external login carries in its redirect to the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OAuthBridge {
    /// A single-use opaque code, redeemed within `bridge_ttl` by the cookie
    /// bridge (`GET /auth/set-cookies?code=…`, which sets the cookies) or by
    /// the app's own server (`POST /auth/redeem`, which answers the tokens).
    /// Tokens never appear in a URL, so no log, history or `Referer` holds
    /// one. The recommended choice.
    Code,
    /// The access and refresh tokens in the query (the seed API's
    /// contract): they may end up in logs, history and `Referer` headers.
    Tokens,
}

impl OAuthSettings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if !self
            .redirect_origins
            .iter()
            .all(|origin| is_web_url(origin))
        {
            return Err(ConfigError::new(
                "oauth.redirect_origins holds absolute http(s) URLs",
            ));
        }
        if self.flow_ttl.is_zero() || self.bridge_ttl.is_zero() {
            return Err(ConfigError::new(
                "oauth: flow_ttl and bridge_ttl must be positive",
            ));
        }
        Ok(())
    }
}
