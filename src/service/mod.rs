//! [`Auth`]: the service that owns every rule of authentication.
//!
//! It takes typed commands and returns typed results or [`AuthError`](crate::AuthError); it
//! knows nothing of HTTP, JSON field names or cookies. The web layer and the
//! framework adapters are thin mappings onto these methods, and an
//! application may call them directly too (to create an admin, say).

mod account;
mod api_tokens;
mod email;
mod login;
mod mfa;
mod oauth;
mod session;

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::clock::{Clock, SystemClock};
use crate::config::AuthConfig;
use crate::error::ConfigError;
use crate::mail::Mailer;
use crate::mfa::SecretBox;
use crate::oauth::OAuthProvider;
use crate::password::PasswordHasher;
use crate::store::{MemoryRateLimiter, RateLimiter, TokenStore, User, UserStore};
use crate::token::jwt::AccessTokens;

pub(crate) use account::valid_email;
pub use account::{NewAccount, ProfileUpdate};
pub use api_tokens::TokenScope;
pub use login::Credentials;
pub use mfa::{LoginOutcome, MfaEnrolment, MfaProof, SecondFactorLogin};
pub use oauth::{OAuthCallback, OAuthFailure, OAuthLanding, OAuthRequest, OAuthStart};

/// The authentication service. Cheap to clone: clones share one state.
///
/// ```
/// use portcullis::{Auth, AuthConfig, store::MemoryStore};
///
/// let store = MemoryStore::new();
/// let auth = Auth::builder(AuthConfig::new(vec![7; 32]))
///     .store(store)
///     .build()?;
/// # Ok::<_, portcullis::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct Auth(Arc<Inner>);

struct Inner {
    config: AuthConfig,
    users: Arc<dyn UserStore>,
    tokens: Arc<dyn TokenStore>,
    limiter: Arc<dyn RateLimiter>,
    clock: Arc<dyn Clock>,
    hasher: PasswordHasher,
    access: AccessTokens,
    secrets: SecretBox,
    mailer: Option<Arc<dyn Mailer>>,
    mail_failures: AtomicU64,
    oauth: Vec<Arc<dyn OAuthProvider>>,
}

/// Who is calling, as far as throttling needs to know.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Client {
    /// The client's IP address, when known (see `AuthConfig::trusted_proxies`).
    pub ip: Option<IpAddr>,
}

impl Client {
    /// The throttling key for this client under `purpose`. IPv6 clients are
    /// keyed by their /64 (what one subscriber usually holds), IPv4-mapped
    /// IPv6 addresses as IPv4.
    pub(crate) fn ip_key(&self, purpose: &str) -> Option<String> {
        Some(match self.ip?.to_canonical() {
            IpAddr::V4(ip) => format!("{purpose}:ip:{ip}"),
            IpAddr::V6(ip) => {
                let s = ip.segments();
                format!(
                    "{purpose}:ip6:{:x}:{:x}:{:x}:{:x}::/64",
                    s[0], s[1], s[2], s[3]
                )
            }
        })
    }
}

/// A signed-in session: what a login or a refresh hands to the client.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Session {
    /// The short-lived access token (a JWT).
    pub access_token: String,
    /// The refresh token: opaque, single-use, rotated on every refresh.
    pub refresh_token: String,
    /// Lifetime of the access token.
    pub expires_in: Duration,
    /// Lifetime left to the session (and so to the refresh token).
    pub refresh_expires_in: Duration,
    /// The signed-in user.
    pub user: User,
}

impl Auth {
    /// Starts building a service with the given configuration.
    pub fn builder(config: AuthConfig) -> AuthBuilder {
        AuthBuilder {
            config,
            users: None,
            tokens: None,
            limiter: None,
            clock: None,
            mailer: None,
            oauth: Vec::new(),
        }
    }

    /// The configuration the service runs with.
    pub fn config(&self) -> &AuthConfig {
        &self.0.config
    }

    /// The current time by the service's clock.
    pub fn now(&self) -> OffsetDateTime {
        self.0.clock.now()
    }
}

/// Builds an [`Auth`]; see [`Auth::builder`].
#[must_use]
pub struct AuthBuilder {
    config: AuthConfig,
    users: Option<Arc<dyn UserStore>>,
    tokens: Option<Arc<dyn TokenStore>>,
    limiter: Option<Arc<dyn RateLimiter>>,
    clock: Option<Arc<dyn Clock>>,
    mailer: Option<Arc<dyn Mailer>>,
    oauth: Vec<Arc<dyn OAuthProvider>>,
}

impl AuthBuilder {
    /// Adds a login provider (see [`crate::oauth`]); its name must be unique.
    pub fn oauth_provider(mut self, provider: impl OAuthProvider) -> Self {
        self.oauth.push(Arc::new(provider));
        self
    }

    /// How mail goes out (password resets, email changes, verification);
    /// without one, those requests answer 503.
    pub fn mailer(mut self, mailer: impl Mailer) -> Self {
        self.mailer = Some(Arc::new(mailer));
        self
    }

    /// Uses one store for users and tokens.
    pub fn store<S: UserStore + TokenStore + Clone>(self, store: S) -> Self {
        self.users(store.clone()).tokens(store)
    }

    /// Where users live.
    pub fn users(mut self, store: impl UserStore) -> Self {
        self.users = Some(Arc::new(store));
        self
    }

    /// Where sessions and tokens live.
    pub fn tokens(mut self, store: impl TokenStore) -> Self {
        self.tokens = Some(Arc::new(store));
        self
    }

    /// Where throttling counters live; default: in process memory.
    pub fn rate_limiter(mut self, limiter: impl RateLimiter) -> Self {
        self.limiter = Some(Arc::new(limiter));
        self
    }

    /// The clock; default: the system clock. Tests pass a [`crate::ManualClock`].
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Checks the configuration and builds the service.
    pub fn build(self) -> Result<Auth, ConfigError> {
        self.config.validate()?;
        if self.config.mail.email_verification != crate::config::EmailVerification::Off
            && self.mailer.is_none()
        {
            return Err(ConfigError(
                "email verification needs a mailer: call .mailer(..)".into(),
            ));
        }
        for (i, provider) in self.oauth.iter().enumerate() {
            let config = provider.config();
            config.validate()?;
            if self.oauth[..i]
                .iter()
                .any(|p| p.config().name == config.name)
            {
                return Err(ConfigError(format!(
                    "two oauth providers are named {:?}",
                    config.name
                )));
            }
        }
        let missing =
            |what: &str| ConfigError(format!("no {what}: call .{what}(..) or .store(..)"));
        let users = self.users.ok_or_else(|| missing("users"))?;
        let tokens = self.tokens.ok_or_else(|| missing("tokens"))?;
        let hasher = PasswordHasher::new(&self.config.password)
            .map_err(|e| ConfigError(format!("argon2 parameters: {e}")))?;
        let secrets = if self.config.mfa.sealing_keys.is_empty() {
            let derived: [u8; 32] = Sha256::new()
                .chain_update(b"portcullis totp sealing key v1\0")
                .chain_update(&self.config.jwt_secret)
                .finalize()
                .into();
            SecretBox::new(&[derived])
        } else {
            SecretBox::new(&self.config.mfa.sealing_keys)
        };
        let access = AccessTokens::hs256(
            &self.config.jwt_secret,
            &self.config.issuer,
            &self.config.audience,
        );
        Ok(Auth(Arc::new(Inner {
            users,
            tokens,
            limiter: self
                .limiter
                .unwrap_or_else(|| Arc::new(MemoryRateLimiter::new())),
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            hasher,
            access,
            secrets,
            mailer: self.mailer,
            mail_failures: AtomicU64::new(0),
            oauth: self.oauth,
            config: self.config,
        })))
    }
}

/// `a - b` as a non-negative duration.
fn until(later: OffsetDateTime, now: OffsetDateTime) -> Duration {
    Duration::try_from(later - now).unwrap_or_default()
}
