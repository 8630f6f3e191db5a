//! [`Auth`]: the service that owns every rule of authentication.
//!
//! It takes typed commands and returns typed results or [`AuthError`](crate::AuthError); it
//! knows nothing of HTTP, JSON field names or cookies. The web layer and the
//! framework adapters are thin mappings onto these methods, and an
//! application may call them directly too (to create an admin, say).

mod account;
mod admin;
mod api_tokens;
mod bridge;
mod builder;
mod client;
mod device;
mod email;
mod ending;
mod login;
mod magic;
mod measure;
mod mfa;
mod notify;
mod oauth;
mod passkeys;
mod passwords;
mod session;
mod strict;
mod throttle;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use time::OffsetDateTime;

use crate::audit::{AuditSink, AuthEvent};
use crate::clock::Clock;
use crate::config::AuthConfig;
use crate::hooks::Hooks;
use crate::mail::Mailer;
use crate::mfa::SecretBox;
use crate::oauth::OAuthProvider;
use crate::password::{BreachedPasswords, PasswordHasher};
use crate::store::{
    ApiTokenStore, IdentityStore, OneTimeTokenStore, PasskeyStore, RateLimiter, SecondFactorStore,
    SessionStore, User, UserDirectory, UserStore,
};
use crate::token::jwt::AccessTokens;

pub(crate) use account::valid_email;
pub use account::{NewAccount, ProfileUpdate};
pub use admin::AccountChanges;
pub use api_tokens::TokenScope;
pub use builder::AuthBuilder;
pub use client::{Agent, Client};
pub(crate) use device::DEVICE_TTL;
pub use login::Credentials;
pub use magic::MagicLinkRequest;
pub use mfa::{LoginOutcome, MfaEnrolment, MfaProof, SecondFactorLogin};
pub use passkeys::{PasskeyAnswer, PasskeyCeremony, PasskeyInfo};
use strict::Strict;
pub(crate) use strict::Verdict;

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
    sessions: Arc<dyn SessionStore>,
    /// Whether `sessions` and `users` both came from one
    /// `AuthBuilder::store`, neither set on its own: a refresh then reads
    /// the user in the same step as its rotation.
    sessions_hold_users: bool,
    one_time: Arc<dyn OneTimeTokenStore>,
    api_tokens: Arc<dyn ApiTokenStore>,
    factors: Arc<dyn SecondFactorStore>,
    identities: Arc<dyn IdentityStore>,
    limiter: Arc<dyn RateLimiter>,
    clock: Arc<dyn Clock>,
    hasher: PasswordHasher,
    access: AccessTokens,
    secrets: SecretBox,
    mailer: Option<Arc<dyn Mailer>>,
    mail_failures: AtomicU64,
    oauth: Vec<Arc<dyn OAuthProvider>>,
    /// Listing and deleting users, when the user store can.
    directory: Option<Arc<dyn UserDirectory>>,
    /// Passkeys, when a store keeps them.
    passkeys: Option<Arc<dyn PasskeyStore>>,
    /// The WebAuthn relying party, when the configuration makes one.
    #[cfg(feature = "passkeys")]
    webauthn: Option<webauthn_rs::Webauthn>,
    breached: Option<Arc<dyn BreachedPasswords>>,
    audit: Arc<dyn AuditSink>,
    hooks: Arc<dyn Hooks>,
    /// Strict sessions: what this instance knows of revocations, and the
    /// channel they travel on.
    strict: Option<Arc<Strict>>,
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
    /// A device mark for the client to keep (the device cookie), after a
    /// sign-in with a password: see [`Credentials::device`].
    pub device: Option<String>,
}

impl Auth {
    /// Starts building a service with the given configuration.
    pub fn builder(config: AuthConfig) -> AuthBuilder {
        AuthBuilder::new(config)
    }

    /// The configuration the service runs with.
    pub fn config(&self) -> &AuthConfig {
        &self.0.config
    }

    /// Records an audit event with the configured sink.
    pub(crate) fn record(&self, event: AuthEvent) {
        measure::event(&event);
        self.0.audit.record(&event, self.now());
    }

    /// The current time by the service's clock.
    pub fn now(&self) -> OffsetDateTime {
        self.0.clock.now()
    }
}

/// Names the user in the current span (an entry point's), once known.
fn record_user(id: &str) {
    tracing::Span::current().record("user", id);
}

/// `a - b` as a non-negative duration.
fn until(later: OffsetDateTime, now: OffsetDateTime) -> Duration {
    Duration::try_from(later - now).unwrap_or_default()
}
