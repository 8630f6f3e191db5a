//! [`AuthBuilder`]: the service's parts, checked and put together.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use crate::audit::{AuditSink, TracingAudit};
use crate::clock::{Clock, SystemClock};
use crate::config::AuthConfig;
use crate::error::ConfigError;
use crate::hooks::{Hooks, NoHooks};
use crate::mail::Mailer;
use crate::mfa::SecretBox;
use crate::oauth::OAuthProvider;
use crate::password::{BreachedPasswords, PasswordHasher};
use crate::revocation::{MemoryRevocations, RevocationChannel};
use crate::store::{
    ApiTokenStore, IdentityStore, MemoryRateLimiter, OneTimeTokenStore, PasskeyStore, RateLimiter,
    SecondFactorStore, SessionStore, UserDirectory, UserStore,
};
use crate::token::jwt::AccessTokens;

use super::strict::Strict;
use super::{Auth, Inner};

/// Builds an [`Auth`]; see [`Auth::builder`].
///
/// Each storage seam is set on its own (`.users(..)`, `.sessions(..)`, …)
/// or all at once with [`store`](Self::store); a seam set on its own wins,
/// in whatever order the calls come, so that
/// `Auth::builder(config).users(my_users).store(sql)` keeps users in the
/// app's own table and everything else in `sql`.
///
/// ```
/// use portcullis::store::{MemoryRateLimiter, MemoryStore};
/// use portcullis::{Auth, AuthConfig, Secret};
///
/// let app_users = MemoryStore::new(); // stands for the app's own users table
/// let auth = Auth::builder(AuthConfig::new(Secret::random(32)))
///     .users(app_users)
///     .store(MemoryStore::new())
///     .rate_limiter(MemoryRateLimiter::new())
///     .build()?;
/// # Ok::<_, portcullis::ConfigError>(())
/// ```
#[must_use]
pub struct AuthBuilder {
    config: AuthConfig,
    /// Seams set one by one.
    chosen: Seams,
    /// Seams set by [`store`](Self::store).
    defaults: Seams,
    limiter: Option<Arc<dyn RateLimiter>>,
    clock: Option<Arc<dyn Clock>>,
    mailer: Option<Arc<dyn Mailer>>,
    oauth: Vec<Arc<dyn OAuthProvider>>,
    revocations: Option<Arc<dyn RevocationChannel>>,
    breached: Option<Arc<dyn BreachedPasswords>>,
    audit: Option<Arc<dyn AuditSink>>,
    hooks: Option<Arc<dyn Hooks>>,
}

impl AuthBuilder {
    pub(super) fn new(config: AuthConfig) -> Self {
        Self {
            config,
            chosen: Seams::default(),
            defaults: Seams::default(),
            limiter: None,
            clock: None,
            mailer: None,
            oauth: Vec::new(),
            revocations: None,
            breached: None,
            audit: None,
            hooks: None,
        }
    }

    /// How revocations reach every instance in strict mode
    /// (`sessions.strict`); default: within this process only.
    pub fn revocations(mut self, channel: impl RevocationChannel) -> Self {
        self.revocations = Some(Arc::new(channel));
        self
    }

    /// The app's hooks (see [`crate::hooks`]); default: none.
    pub fn hooks(mut self, hooks: impl Hooks) -> Self {
        self.hooks = Some(Arc::new(hooks));
        self
    }

    /// Where audit events go (see [`crate::audit`]); default: `tracing`,
    /// target `portcullis::audit`.
    pub fn audit(mut self, sink: impl AuditSink) -> Self {
        self.audit = Some(Arc::new(sink));
        self
    }

    /// Checks new passwords with a breached-password service too (see
    /// [`BreachedPasswords`](crate::BreachedPasswords)); default: the
    /// bundled list of common passwords only.
    pub fn breached_passwords(mut self, service: impl BreachedPasswords) -> Self {
        self.breached = Some(Arc::new(service));
        self
    }

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

    /// Uses one store for every seam not set on its own.
    pub fn store<S>(mut self, store: S) -> Self
    where
        S: UserStore
            + UserDirectory
            + SessionStore
            + OneTimeTokenStore
            + ApiTokenStore
            + SecondFactorStore
            + IdentityStore
            + PasskeyStore
            + Clone,
    {
        self.defaults = Seams {
            users: Some(Arc::new(store.clone())),
            sessions: Some(Arc::new(store.clone())),
            one_time: Some(Arc::new(store.clone())),
            api_tokens: Some(Arc::new(store.clone())),
            factors: Some(Arc::new(store.clone())),
            identities: Some(Arc::new(store.clone())),
            passkeys: Some(Arc::new(store.clone())),
            directory: Some(Arc::new(store)),
        };
        self
    }

    /// Where user accounts live (see [`UserStore`]).
    pub fn users(mut self, store: impl UserStore) -> Self {
        self.chosen.users = Some(Arc::new(store));
        self
    }

    /// How the admin API lists, counts and deletes users (see
    /// [`UserDirectory`]): set it beside `.users(..)` when the users live
    /// in a store of the app's own.
    pub fn directory(mut self, store: impl UserDirectory) -> Self {
        self.chosen.directory = Some(Arc::new(store));
        self
    }

    /// Where sessions and refresh tokens live.
    pub fn sessions(mut self, store: impl SessionStore) -> Self {
        self.chosen.sessions = Some(Arc::new(store));
        self
    }

    /// Where links and MFA challenges live.
    pub fn one_time_tokens(mut self, store: impl OneTimeTokenStore) -> Self {
        self.chosen.one_time = Some(Arc::new(store));
        self
    }

    /// Where the v1 API's tokens live.
    pub fn api_tokens(mut self, store: impl ApiTokenStore) -> Self {
        self.chosen.api_tokens = Some(Arc::new(store));
        self
    }

    /// Where TOTP secrets and recovery codes live.
    pub fn second_factors(mut self, store: impl SecondFactorStore) -> Self {
        self.chosen.factors = Some(Arc::new(store));
        self
    }

    /// Where external identities are linked to users.
    pub fn identities(mut self, store: impl IdentityStore) -> Self {
        self.chosen.identities = Some(Arc::new(store));
        self
    }

    /// Where passkeys live; without a passkey store (set here or by
    /// [`store`](Self::store)) the passkey endpoints answer 501.
    pub fn passkeys(mut self, store: impl PasskeyStore) -> Self {
        self.chosen.passkeys = Some(Arc::new(store));
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

    /// Checks the configuration and builds the service. With strict
    /// sessions it starts following the revocation channel, so it must be
    /// called within a tokio runtime.
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
        // Both from `.store(..)`: a refresh may read the user in its rotation.
        let sessions_hold_users = self.chosen.users.is_none()
            && self.chosen.sessions.is_none()
            && self.defaults.sessions.is_some();
        let Seams {
            users,
            sessions,
            one_time,
            api_tokens,
            factors,
            identities,
            passkeys,
            directory,
        } = self.chosen.or(self.defaults);
        let missing =
            |what: &str| ConfigError(format!("no {what} store: call .{what}(..) or .store(..)"));
        let users = users.ok_or_else(|| missing("users"))?;
        let sessions = sessions.ok_or_else(|| missing("sessions"))?;
        let one_time = one_time.ok_or_else(|| missing("one_time_tokens"))?;
        let api_tokens = api_tokens.ok_or_else(|| missing("api_tokens"))?;
        let factors = factors.ok_or_else(|| missing("second_factors"))?;
        let identities = identities.ok_or_else(|| missing("identities"))?;
        let hasher = PasswordHasher::new(&self.config.accounts.password)
            .map_err(|e| ConfigError(format!("argon2 parameters: {e}")))?;
        // Validated as 32 bytes each.
        let sealing: Vec<[u8; 32]> = (self.config.keys.sealing_keys.iter())
            .filter_map(|key| key.expose().try_into().ok())
            .collect();
        let secrets = SecretBox::new(&sealing);
        let keys = &self.config.keys;
        let access = AccessTokens::new(&keys.signing, &keys.issuer, &keys.audience)?
            .remembering(self.config.sessions.verified_token_cache);
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let strict = if self.config.sessions.strict {
            let channel = self
                .revocations
                .unwrap_or_else(|| Arc::new(MemoryRevocations::new()));
            let keep = self.config.sessions.access_token_ttl;
            Some(Strict::start(
                channel,
                sessions.clone(),
                clock.clone(),
                keep,
            )?)
        } else {
            None
        };
        Ok(Auth(Arc::new(Inner {
            users,
            sessions,
            sessions_hold_users,
            one_time,
            api_tokens,
            factors,
            identities,
            limiter: self
                .limiter
                .unwrap_or_else(|| Arc::new(MemoryRateLimiter::new())),
            clock,
            hasher,
            access,
            secrets,
            mailer: self.mailer,
            mail_failures: AtomicU64::new(0),
            oauth: self.oauth,
            directory,
            passkeys,
            #[cfg(feature = "passkeys")]
            webauthn: relying_party(&self.config)?,
            breached: self.breached,
            audit: self.audit.unwrap_or_else(|| Arc::new(TracingAudit)),
            hooks: self.hooks.unwrap_or_else(|| Arc::new(NoHooks)),
            strict,
            config: self.config,
        })))
    }
}

/// The storage seams, each set or not.
#[derive(Default)]
struct Seams {
    users: Option<Arc<dyn UserStore>>,
    sessions: Option<Arc<dyn SessionStore>>,
    one_time: Option<Arc<dyn OneTimeTokenStore>>,
    api_tokens: Option<Arc<dyn ApiTokenStore>>,
    factors: Option<Arc<dyn SecondFactorStore>>,
    identities: Option<Arc<dyn IdentityStore>>,
    passkeys: Option<Arc<dyn PasskeyStore>>,
    directory: Option<Arc<dyn UserDirectory>>,
}

impl Seams {
    /// Each seam as set here, else as set in `defaults`.
    fn or(self, defaults: Self) -> Self {
        // The directory lists the users' own store: a store's directory
        // never stands in for users kept elsewhere.
        let directory = match self.users {
            Some(_) => self.directory,
            None => self.directory.or(defaults.directory),
        };
        Self {
            users: self.users.or(defaults.users),
            sessions: self.sessions.or(defaults.sessions),
            one_time: self.one_time.or(defaults.one_time),
            api_tokens: self.api_tokens.or(defaults.api_tokens),
            factors: self.factors.or(defaults.factors),
            identities: self.identities.or(defaults.identities),
            passkeys: self.passkeys.or(defaults.passkeys),
            directory,
        }
    }
}

/// The WebAuthn relying party the configuration names. One derived from
/// `mail.public_url` that WebAuthn cannot take (an IP address, say) leaves
/// passkeys off (403) rather than the service: passkeys were not asked for.
#[cfg(feature = "passkeys")]
fn relying_party(config: &AuthConfig) -> Result<Option<webauthn_rs::Webauthn>, ConfigError> {
    let passkeys = &config.passkeys;
    let (rp_id, origins) = passkeys.relying_party(&config.mail.public_url)?;
    let chosen = passkeys.rp_id.is_some() || !passkeys.origins.is_empty();
    if !chosen && rp_id.parse::<std::net::IpAddr>().is_ok() {
        // The quickstart's default, `http://127.0.0.1:3000`: no relying
        // party can be an IP address, and nothing asked for passkeys.
        tracing::info!(
            rp_id,
            "passkeys are off: serve on a domain (http://localhost will do) or set passkeys.rp_id"
        );
        return Ok(None);
    }
    let built = webauthn_rs::WebauthnBuilder::new(&rp_id, &origins[0]).and_then(|builder| {
        origins
            .iter()
            .skip(1)
            .fold(builder, |builder, origin| {
                builder.append_allowed_origin(origin)
            })
            .rp_name(&passkeys.rp_name)
            .timeout(passkeys.challenge_ttl)
            .build()
    });
    match built {
        Ok(webauthn) => Ok(Some(webauthn)),
        Err(err) if chosen => Err(ConfigError(format!("passkeys: {err}"))),
        Err(err) => {
            tracing::warn!(error = %err, rp_id, "passkeys are off: mail.public_url makes no relying party; set passkeys.rp_id");
            Ok(None)
        }
    }
}
