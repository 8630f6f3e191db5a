//! [`PasskeyConfig`] and [`MagicLinkConfig`]: signing in without a password.

use std::time::Duration;

use url::Url;

use crate::error::ConfigError;

/// Passkeys (WebAuthn, feature `passkeys`): who the relying party is.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PasskeyConfig {
    /// The relying party id: the domain passkeys are bound to (a passkey
    /// made for `example.com` works on its subdomains, never elsewhere).
    /// Default: the host of `mail.public_url`.
    pub rp_id: Option<String>,
    /// The name authenticators show beside the passkey; default `"portcullis"`.
    pub rp_name: String,
    /// The origins a ceremony may come from, such as
    /// `https://app.example.com`. Default: the origin of `mail.public_url`.
    pub origins: Vec<String>,
    /// How long a ceremony may take, from its start to its finish;
    /// default 5 minutes.
    pub challenge_ttl: Duration,
}

impl Default for PasskeyConfig {
    fn default() -> Self {
        Self {
            rp_id: None,
            rp_name: "portcullis".into(),
            origins: Vec::new(),
            challenge_ttl: Duration::from_secs(300),
        }
    }
}

impl PasskeyConfig {
    /// The relying party id and origins in effect, given the public URL.
    pub(crate) fn relying_party(
        &self,
        public_url: &str,
    ) -> Result<(String, Vec<Url>), ConfigError> {
        let public = Url::parse(public_url)
            .map_err(|_| ConfigError::new("mail.public_url must be an absolute URL"))?;
        let rp_id = match &self.rp_id {
            Some(id) => id.clone(),
            None => public
                .host_str()
                .ok_or_else(|| ConfigError::new("passkeys need a host in mail.public_url"))?
                .to_owned(),
        };
        let origins = if self.origins.is_empty() {
            vec![public]
        } else {
            (self.origins.iter())
                .map(|o| {
                    Url::parse(o)
                        .map_err(|_| ConfigError::new("passkeys.origins holds absolute URLs"))
                })
                .collect::<Result<_, _>>()?
        };
        Ok((rp_id, origins))
    }

    pub(super) fn validate(&self, public_url: &str) -> Result<(), ConfigError> {
        if self.challenge_ttl.is_zero() {
            return Err(ConfigError::new("passkeys.challenge_ttl must not be zero"));
        }
        self.relying_party(public_url).map(|_| ())
    }
}

/// Magic links: a single-use sign-in link mailed to the address.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MagicLinkConfig {
    /// Whether `POST /auth/magic-link` mails links; default off.
    pub enabled: bool,
    /// Whether a link may be asked for an address without an account, and
    /// following it creates the account (with the default role, and the
    /// address verified); default off: no account, no mail. Only while
    /// `accounts.registration_open` is on too.
    pub create_accounts: bool,
    /// How long a link works; default 15 minutes.
    pub ttl: Duration,
    /// Path of the page on `mail.public_url` that takes the token (it posts
    /// it to `/auth/magic-link/verify`); default `/`. A request's
    /// `redirect`, on `oauth.redirect_origins`, replaces it.
    pub path: String,
}

impl Default for MagicLinkConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            create_accounts: false,
            ttl: Duration::from_secs(15 * 60),
            path: "/".into(),
        }
    }
}

impl MagicLinkConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.ttl.is_zero() {
            return Err(ConfigError::new("magic_links.ttl must not be zero"));
        }
        Ok(())
    }
}
