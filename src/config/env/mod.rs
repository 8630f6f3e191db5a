//! [`Environment`]: the quickstart's configuration from the `PORTCULLIS_*`
//! variables, for any app.
//!
//! Plain environment variables rather than a configuration framework:
//! they are what the quickstart and the operators who run it already use,
//! the list is short, and one table below says what each one does. Every
//! `PORTCULLIS_*` variable must be one of them, so a misspelt name stops
//! the start-up with its name instead of being ignored.

mod keys;
#[cfg(test)]
mod tests;
mod variables;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::{AuthConfig, OAuthBridge};
use crate::error::ConfigError;
use crate::mail::OutboxMailer;
use crate::service::AuthBuilder;

use variables::{OAUTH_FIELDS, VARIABLES, boolean, oauth_setting};

/// The prefix of every variable.
const PREFIX: &str = "PORTCULLIS_";

/// The `PORTCULLIS_*` variables, checked: every name is known.
///
/// ```
/// use portcullis::config::Environment;
///
/// let env = Environment::from_vars([
///     ("PORTCULLIS_JWT_SECRET".to_owned(), "x".repeat(32)),
///     ("PORTCULLIS_PUBLIC_URL".to_owned(), "https://auth.example.com".to_owned()),
///     ("HOME".to_owned(), "/root".to_owned()),
/// ])?;
/// let config = env.config()?;
/// assert!(config.web.cookies.secure);
/// assert_eq!(config.mail.public_url, "https://auth.example.com");
///
/// let misspelt = Environment::from_vars([("PORTCULLIS_PUBLIC_URI".to_owned(), "x".to_owned())]);
/// assert!(misspelt.unwrap_err().to_string().contains("PORTCULLIS_PUBLIC_URI"));
/// # Ok::<_, portcullis::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct Environment {
    /// Values by name, without the prefix; blank values are left out.
    /// They include secrets: zeroed when the environment is dropped.
    vars: BTreeMap<String, Zeroizing<String>>,
}

impl std::fmt::Debug for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Names only: values include secrets.
        f.debug_struct("Environment")
            .field("set", &self.vars.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Environment {
    /// The process's `PORTCULLIS_*` variables.
    pub fn read() -> Result<Self, ConfigError> {
        Self::from_vars(std::env::vars())
    }

    /// The `PORTCULLIS_*` variables among `vars`; others are ignored.
    pub fn from_vars(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut known = BTreeMap::new();
        for (key, value) in vars {
            let Some(name) = key.strip_prefix(PREFIX) else {
                continue;
            };
            let listed = VARIABLES.iter().any(|(n, _)| *n == name);
            if !listed && oauth_setting(name).is_none() {
                return Err(ConfigError(format!(
                    "{key} is not a portcullis variable: the known ones are {}, and \
                     PORTCULLIS_OAUTH_<NAME>_ with one of {}",
                    VARIABLES
                        .iter()
                        .map(|(n, _)| format!("{PREFIX}{n}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    OAUTH_FIELDS.join(", ")
                )));
            }
            if !value.trim().is_empty() {
                known.insert(name.to_owned(), Zeroizing::new(value));
            }
        }
        Ok(Self { vars: known })
    }

    /// A variable's value, by its name after `PORTCULLIS_` (`"ADMIN_EMAIL"`).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(|value| value.as_str())
    }

    /// `PORTCULLIS_ADDR`, default `127.0.0.1:3000`.
    pub fn addr(&self) -> Result<SocketAddr, ConfigError> {
        self.get("ADDR")
            .unwrap_or("127.0.0.1:3000")
            .parse()
            .map_err(|e| ConfigError(format!("PORTCULLIS_ADDR is no socket address: {e}")))
    }

    /// `PORTCULLIS_DATABASE_URL`, default `sqlite://portcullis.db?mode=rwc`.
    pub fn database_url(&self) -> &str {
        self.get("DATABASE_URL")
            .unwrap_or("sqlite://portcullis.db?mode=rwc")
    }

    /// `PORTCULLIS_PUBLIC_URL` without a trailing slash, default `http://` + the address.
    pub fn public_url(&self) -> Result<String, ConfigError> {
        Ok(match self.get("PUBLIC_URL") {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.addr()?),
        })
    }

    /// Where generated keys are kept: beside a SQLite database file, else
    /// in the current directory.
    pub fn key_dir(&self) -> PathBuf {
        let file = self
            .database_url()
            .strip_prefix("sqlite://")
            .map(|rest| rest.split('?').next().unwrap_or_default());
        match file.and_then(|f| Path::new(f).parent()) {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// The configuration these variables describe: keys, the public URL
    /// (links, cookie origins, `Secure` cookies for https, return origins
    /// of logins), proxies, mail sender, allow-lists, and strict sessions.
    ///
    /// It is the quickstart's, which keeps the seed API's contracts: the
    /// OAuth token bridge and the Directus `?access_token=`, unless
    /// `PORTCULLIS_OAUTH_BRIDGE=code` and `PORTCULLIS_DIRECTUS_QUERY_TOKEN=false`
    /// choose the safer ways ([`AuthConfig::new`]'s defaults).
    pub fn config(&self) -> Result<AuthConfig, ConfigError> {
        let public_url = self.public_url()?;
        let mut keys = self.keys()?;
        keys.issuer = public_url.clone();
        let mut config = AuthConfig::with_keys(keys);
        config.web.cookies.secure = public_url.starts_with("https://");
        config.web.allowed_origins = vec![public_url.clone()];
        if let Some(proxies) = self.get("TRUSTED_PROXIES") {
            config.web.trusted_proxies = list(proxies)
                .map(|p| {
                    p.parse().map_err(|e| {
                        ConfigError(format!("PORTCULLIS_TRUSTED_PROXIES: {p:?} is no IP: {e}"))
                    })
                })
                .collect::<Result<_, _>>()?;
        }
        config.mail.public_url = public_url.clone();
        if let Some(from) = self.get("MAIL_FROM") {
            config.mail.from = from.to_owned();
        }
        if let Some(pages) = self.get("RESET_URL_ALLOW_LIST") {
            config.mail.reset_url_allow_list = list(pages).map(str::to_owned).collect();
        }
        if let Some(magic) = self.get("MAGIC_LINKS") {
            config.magic_links.enabled = boolean("PORTCULLIS_MAGIC_LINKS", magic)?;
        }
        if let Some(strict) = self.get("STRICT_SESSIONS") {
            config.sessions.strict = boolean("PORTCULLIS_STRICT_SESSIONS", strict)?;
        }
        // The seed API's contracts stay the quickstart's defaults; the safer
        // choices are a variable away.
        config.oauth.bridge = match self.get("OAUTH_BRIDGE") {
            None | Some("tokens") => OAuthBridge::Tokens,
            Some("code") => OAuthBridge::Code,
            Some(other) => {
                return Err(ConfigError(format!(
                    "PORTCULLIS_OAUTH_BRIDGE is tokens or code, not {other:?}"
                )));
            }
        };
        config.web.query_access_token = match self.get("DIRECTUS_QUERY_TOKEN") {
            Some(value) => boolean("PORTCULLIS_DIRECTUS_QUERY_TOKEN", value)?,
            None => true,
        };
        config.oauth.redirect_origins = vec![public_url];
        if let Some(origins) = self.get("REDIRECT_ALLOW_LIST") {
            config
                .oauth
                .redirect_origins
                .extend(list(origins).map(str::to_owned));
        }
        Ok(config)
    }

    /// Adds to `builder` what the variables name besides the configuration:
    /// the mailer (`PORTCULLIS_SMTP_URL`, else an outbox folder,
    /// `PORTCULLIS_OUTBOX` or `./outbox`) and the login providers.
    ///
    /// A provider is every `<NAME>` with `PORTCULLIS_OAUTH_<NAME>_CLIENT_ID`
    /// and `_CLIENT_SECRET`: GOOGLE, GITHUB and FACEBOOK are presets; any
    /// other name is an OpenID Connect provider and needs `_ISSUER`.
    /// Optional: `_REDIRECT_URI` (default
    /// `{PUBLIC_URL}/api/auth/<name>/callback`), `_SCOPES`,
    /// `_APP_CALLBACK_URL` (tokens go there instead of through the cookie
    /// bridge, unless `_AUTO_SET_COOKIES=true`). A provider missing its id
    /// or secret stops the start-up.
    pub fn apply(&self, builder: AuthBuilder) -> Result<AuthBuilder, ConfigError> {
        let builder = match self.get("SMTP_URL") {
            Some(url) => smtp(builder, url)?,
            None => builder.mailer(OutboxMailer::new(self.get("OUTBOX").unwrap_or("./outbox"))),
        };
        self.providers(builder)
    }

    #[cfg(not(feature = "oauth"))]
    fn providers(&self, builder: AuthBuilder) -> Result<AuthBuilder, ConfigError> {
        match self.vars.keys().find(|key| oauth_setting(key).is_some()) {
            Some(key) => Err(ConfigError(format!(
                "{PREFIX}{key} needs portcullis's `oauth` feature"
            ))),
            None => Ok(builder),
        }
    }

    #[cfg(feature = "oauth")]
    fn providers(&self, mut builder: AuthBuilder) -> Result<AuthBuilder, ConfigError> {
        use crate::oauth::{FacebookProvider, GitHubProvider, OidcProvider, ProviderConfig};
        let mut providers: BTreeMap<&str, BTreeMap<&str, &str>> = BTreeMap::new();
        for (key, value) in &self.vars {
            if let Some((name, field)) = oauth_setting(key) {
                providers.entry(name).or_default().insert(field, value);
            }
        }
        let public_url = self.public_url()?;
        for (upper, mut settings) in providers {
            let mut take = |field: &str| settings.remove(field);
            let missing =
                |field: &str| ConfigError(format!("PORTCULLIS_OAUTH_{upper}_{field} is not set"));
            let id = take("CLIENT_ID").ok_or_else(|| missing("CLIENT_ID"))?;
            let secret = take("CLIENT_SECRET").ok_or_else(|| missing("CLIENT_SECRET"))?;
            let name = upper.to_ascii_lowercase();
            let callback = format!("{public_url}/api/auth/{name}/callback");
            let redirect_uri = take("REDIRECT_URI").map_or(callback, str::to_owned);
            let mut config = ProviderConfig::new(&name, id, secret, redirect_uri);
            if let Some(scopes) = take("SCOPES") {
                config.scopes = scopes
                    .split([',', ' '])
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
            config.app_callback_url = take("APP_CALLBACK_URL").map(str::to_owned);
            config.auto_set_cookies = match take("AUTO_SET_COOKIES") {
                None => config.app_callback_url.is_none(),
                Some(value) => {
                    boolean(&format!("PORTCULLIS_OAUTH_{upper}_AUTO_SET_COOKIES"), value)?
                }
            };
            builder = match (name.as_str(), take("ISSUER")) {
                (_, Some(issuer)) => builder.oauth_provider(OidcProvider::new(config, issuer)?),
                ("google", None) => builder.oauth_provider(OidcProvider::google(config)?),
                ("github", None) => builder.oauth_provider(GitHubProvider::new(config)?),
                ("facebook", None) => builder.oauth_provider(FacebookProvider::new(config)?),
                (_, None) => return Err(missing("ISSUER")),
            };
            tracing::info!(provider = %name, "OAuth login enabled");
        }
        Ok(builder)
    }
}

#[cfg(feature = "smtp")]
fn smtp(builder: AuthBuilder, url: &str) -> Result<AuthBuilder, ConfigError> {
    let mailer = crate::mail::SmtpMailer::from_url(url, std::time::Duration::from_secs(10))
        .map_err(|e| ConfigError(format!("PORTCULLIS_SMTP_URL: {e}")))?;
    Ok(builder.mailer(mailer))
}

#[cfg(not(feature = "smtp"))]
fn smtp(_: AuthBuilder, _: &str) -> Result<AuthBuilder, ConfigError> {
    Err(ConfigError::new(
        "PORTCULLIS_SMTP_URL needs portcullis's `smtp` feature",
    ))
}

/// The non-blank items of a comma-separated list.
fn list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|v| !v.is_empty())
}

/// Writes a new file readable by its owner only; never replaces one.
#[cfg(unix)]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(content.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    std::fs::write(path, content)
}
