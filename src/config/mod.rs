//! [`AuthConfig`]: the whole configuration, in groups by concern.
//!
//! | group | what |
//! |---|---|
//! | [`keys`](AuthConfig::keys) | signing and sealing keys, issuer, audience |
//! | [`sessions`](AuthConfig::sessions) | access-token and session lifetimes |
//! | [`accounts`](AuthConfig::accounts) | registration, roles, password policy |
//! | [`throttles`](AuthConfig::throttles) | budgets per account, per IP, per mailed address |
//! | [`mfa`](AuthConfig::mfa) | TOTP labels, the second login step, recovery codes |
//! | [`mail`](AuthConfig::mail) | links, their lifetimes, templates |
//! | [`api_tokens`](AuthConfig::api_tokens) | the v1 token API's lifetimes and permissions |
//! | [`oauth`](AuthConfig::oauth) | external logins: return origins, linking |
//! | [`passkeys`](AuthConfig::passkeys) | the WebAuthn relying party: id, name, origins |
//! | [`magic_links`](AuthConfig::magic_links) | mailed sign-in links: on or off, lifetime, account creation |
//! | [`web`](AuthConfig::web) | what only the web layer reads: cookies, origins, body size, proxies |
//!
//! Every field is public and documented, and [`AuthConfig::new`] fills in
//! safe defaults; change what you need, and [`crate::AuthBuilder::build`]
//! checks the whole before the service starts. [`AuthConfig::from_env`]
//! reads the quickstart's `PORTCULLIS_*` variables instead.
//!
//! ```
//! use std::time::Duration;
//! use portcullis::AuthConfig;
//!
//! let mut config = AuthConfig::new(b"a secret of at least thirty-two bytes!".to_vec());
//! config.sessions.access_token_ttl = Duration::from_secs(600);
//! config.web.cookies.secure = false; // plain http on loopback only
//! ```

mod accounts;
mod api_tokens;
mod env;
mod keys;
mod mail;
mod mfa;
mod oauth;
mod passwordless;
mod secret;
mod sessions;
mod throttles;
mod web;

pub use accounts::{AccountConfig, PasswordPolicy};
pub use api_tokens::ApiTokenPolicy;
pub use env::Environment;
pub use keys::{KeyConfig, legacy_sealing_key};
pub use mail::{EmailVerification, MailConfig};
pub use mfa::MfaConfig;
pub use oauth::{OAuthBridge, OAuthSettings};
pub use passwordless::{MagicLinkConfig, PasskeyConfig};
pub use secret::Secret;
pub use sessions::SessionConfig;
pub use throttles::{Throttle, ThrottleConfig};
pub use web::{CookieConfig, WebConfig};

use crate::error::ConfigError;

/// The whole configuration of an [`crate::Auth`] service.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuthConfig {
    /// Signing and sealing keys; the issuer and audience of access tokens.
    pub keys: KeyConfig,
    /// Lifetimes of access tokens and sessions.
    pub sessions: SessionConfig,
    /// Registration, roles and the password policy.
    pub accounts: AccountConfig,
    /// Budgets of attempts.
    pub throttles: ThrottleConfig,
    /// TOTP second factors.
    pub mfa: MfaConfig,
    /// Mail: links, lifetimes, templates.
    pub mail: MailConfig,
    /// The v1 token API: lifetimes and who may mint tokens.
    pub api_tokens: ApiTokenPolicy,
    /// Logins through OAuth / OpenID Connect providers.
    pub oauth: OAuthSettings,
    /// Passkeys: the WebAuthn relying party (feature `passkeys`).
    pub passkeys: PasskeyConfig,
    /// Mailed sign-in links.
    pub magic_links: MagicLinkConfig,
    /// Cookies, origins, body size and proxies: what only the web layer reads.
    pub web: WebConfig,
}

impl AuthConfig {
    /// A configuration with safe defaults around the given HS256 secret
    /// (see [`KeyConfig::new`]).
    pub fn new(jwt_secret: impl Into<Secret>) -> Self {
        Self::with_keys(KeyConfig::new(jwt_secret))
    }

    /// A configuration with safe defaults around these keys.
    pub fn with_keys(keys: KeyConfig) -> Self {
        Self {
            keys,
            sessions: SessionConfig::default(),
            accounts: AccountConfig::default(),
            throttles: ThrottleConfig::default(),
            mfa: MfaConfig::default(),
            mail: MailConfig::default(),
            api_tokens: ApiTokenPolicy::default(),
            oauth: OAuthSettings::default(),
            passkeys: PasskeyConfig::default(),
            magic_links: MagicLinkConfig::default(),
            web: WebConfig::default(),
        }
    }

    /// The configuration the quickstart runs with, from the `PORTCULLIS_*`
    /// environment (see [`Environment`]); a variable it does not know is an
    /// error that names it.
    pub fn from_env() -> Result<Self, ConfigError> {
        Environment::read()?.config()
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        self.keys.validate()?;
        self.sessions.validate()?;
        self.accounts.validate()?;
        self.throttles.validate()?;
        self.mfa.validate()?;
        self.mail.validate()?;
        self.oauth.validate()?;
        self.passkeys.validate(&self.mail.public_url)?;
        self.magic_links.validate()?;
        self.web.validate()
    }
}

/// An absolute http(s) URL with a host: a page a browser can be sent to.
pub(crate) fn is_web_url(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
}
