//! [`OAuthSettings`]: logins through external providers.

use std::time::Duration;

use crate::error::ConfigError;

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
    /// bridge (`/auth/set-cookies`); default 2 minutes.
    pub bridge_ttl: Duration,
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
            link_by_email: true,
            create_users: true,
        }
    }
}

impl OAuthSettings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let web_url = |origin: &String| {
            url::Url::parse(origin)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
        };
        if !self.redirect_origins.iter().all(web_url) {
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
