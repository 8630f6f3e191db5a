//! The storage seams: [`UserStore`], [`TokenStore`] (sessions and API
//! tokens) and [`RateLimiter`],
//! with an in-memory implementation of each ([`MemoryStore`],
//! [`MemoryRateLimiter`]) that is also their executable documentation.
//!
//! To keep users somewhere else, implement the traits and prove the
//! implementation with the conformance suite (feature `testing`):
//! `portcullis::store::conformance::user_store(&store).await` and friends.
//! `examples/custom_store.rs` walks through it.

mod api_tokens;
mod limits;
mod memory;
mod one_time;
mod sessions;
mod users;

#[cfg(feature = "testing")]
pub mod conformance;

pub use api_tokens::{ApiToken, ApiTokenKind};
pub use limits::{Decision, RateLimiter, Window};
pub use memory::{MemoryRateLimiter, MemoryStore};
pub use one_time::{OneTimePurpose, OneTimeToken};
pub use sessions::{RefreshFamily, RefreshToken, TokenStore};
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
