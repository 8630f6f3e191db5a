//! The storage seams, one small trait per capability, with an in-memory
//! implementation of each ([`MemoryStore`], [`MemoryRateLimiter`]) that is
//! also their executable documentation:
//!
//! | seam | what it keeps | required methods |
//! |---|---|---|
//! | [`UserStore`] | accounts: email, name, role, password hash | 4 |
//! | [`SessionStore`] | sessions (refresh families) and their refresh tokens | 8 |
//! | [`OneTimeTokenStore`] | reset, email-change and verification links, MFA challenges | 6 |
//! | [`ApiTokenStore`] | app, user and on-behalf-of tokens (the v1 token API) | 7 |
//! | [`SecondFactorStore`] | TOTP state and recovery codes | 8 |
//! | [`IdentityStore`] | external (OAuth) identities linked to accounts | 4 |
//! | [`PasskeyStore`] | passkeys (WebAuthn credentials: public keys, counters) | 7 |
//! | [`RateLimiter`] | throttling counters | 4 |
//! | [`UserDirectory`] | listing, counting and deleting accounts (the admin API; optional) | 3 |
//!
//! Every seam but [`UserStore`] keys its records by the user id that the
//! [`UserStore`] mints, as an opaque string: an app that keeps its users in
//! a table of its own implements the four methods of [`UserStore`] over it
//! and lets a bundled store keep the rest —
//! `Auth::builder(config).users(MyUsers).store(sql)`. `examples/custom_store.rs`
//! walks through it.
//!
//! Prove an implementation with the conformance kit (feature `testing`):
//! one suite per seam, each case reported by name. See `conformance`.

mod api_tokens;
mod directory;
mod identities;
mod limits;
mod memory;
mod one_time;
mod passkeys;
mod second_factors;
mod sessions;
mod users;

#[cfg(feature = "testing")]
pub mod conformance;

pub use api_tokens::{ApiToken, ApiTokenKind, ApiTokenStore};
pub use directory::{UserDirectory, UserPage, UserQuery, cursor_after, read_cursor};
pub use identities::IdentityStore;
pub use limits::{Decision, RateLimiter, Window};
pub use memory::{MemoryRateLimiter, MemoryStore};
pub use one_time::{OneTimePurpose, OneTimeToken, OneTimeTokenStore};
pub use passkeys::{PasskeyStore, StoredPasskey};
pub use second_factors::{SecondFactorStore, TotpState};
pub use sessions::{RefreshFamily, RefreshToken, SessionStore, SessionUser};
pub use users::{NewUser, User, UserChanges, UserStore};

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A unique value (an email address) is taken.
    #[error("conflict: value already taken")]
    Conflict,
    /// The record to change does not exist.
    #[error("not found")]
    NotFound,
    /// An id that this store could never have minted.
    #[error("malformed id")]
    InvalidId,
    /// The store could not be reached or failed; callers fail closed.
    #[error("store unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The key under which stores compare email addresses: trimmed and lowercased,
/// so that `" Ada@Example.COM"` and `"ada@example.com"` are one account.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A new random (version 4) UUID: the id the bundled stores mint for users
/// and sessions. A store of your own may mint ids of any shape.
pub fn new_id() -> String {
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}
