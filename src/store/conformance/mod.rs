//! The conformance kit (feature `testing`): what every implementation of a
//! storage seam must do, one suite per seam. Each suite runs every case,
//! catches what breaks (a failed promise, an error, a panic) and reports
//! each case by name, so one broken promise hides no other:
//!
//! ```no_run
//! # async fn run() {
//! use portcullis::store::{MemoryRateLimiter, MemoryStore, conformance};
//!
//! let store = MemoryStore::new();
//! conformance::user_store(&store).await.assert_passed();
//! // Seams keyed by user take their user ids from the app's user store:
//! conformance::session_store(&store, &store).await.assert_passed();
//! // A store that keeps the users beside the sessions:
//! conformance::sessions_beside_users(&store).await.assert_passed();
//! // …or from ids the kit makes up, which are no UUIDs, to show the seam
//! // assumes nothing of their shape:
//! conformance::api_token_store(&store, &conformance::OpaqueIds).await.assert_passed();
//! conformance::rate_limiter(&MemoryRateLimiter::new()).await.assert_passed();
//! # }
//! ```
//!
//! The suites create their own uniquely named records, so they can run
//! against a shared database, and each can run on its own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api_tokens;
mod directory;
mod identities;
mod limiter;
mod one_time;
mod passkeys;
mod report;
mod revocations;
mod second_factors;
mod sessions;
mod users;

use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{NewUser, StoreError, UserStore, new_id};
use crate::token::opaque;

pub use api_tokens::api_token_store;
pub use directory::user_directory;
pub use identities::identity_store;
pub use limiter::{rate_limiter, shared_rate_limiter};
pub use one_time::one_time_token_store;
pub use passkeys::passkey_store;
pub use report::{CaseReport, Report};
pub use revocations::revocation_channel;
pub use second_factors::second_factor_store;
pub use sessions::{session_store, sessions_beside_users};
pub use users::user_store;

/// Where a suite gets the ids of the users it keys records by.
///
/// Every [`UserStore`] is one: it creates a user for each id, so that a
/// seam is proven with the very ids the app's user store mints.
#[async_trait]
pub trait UserIds: Send + Sync {
    /// The id of a user, a different one each call.
    async fn user_id(&self) -> Result<String, StoreError>;
}

#[async_trait]
impl<S: UserStore> UserIds for S {
    async fn user_id(&self) -> Result<String, StoreError> {
        let user = self
            .create_user(NewUser::new(&unique_email(), "user", None, t0()))
            .await?;
        Ok(user.id)
    }
}

/// Ids the kit makes up (`user-17`, …): not UUIDs, not numbers, so a seam
/// proven with them assumes nothing of an id's shape.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpaqueIds;

#[async_trait]
impl UserIds for OpaqueIds {
    async fn user_id(&self) -> Result<String, StoreError> {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Ok(format!(
            "user-{}-{}",
            NEXT.fetch_add(1, Ordering::Relaxed),
            &new_id()[..8]
        ))
    }
}

/// A broken promise: what was expected, in words.
#[derive(Debug)]
pub(crate) struct Broken(pub(crate) String);

impl From<StoreError> for Broken {
    fn from(err: StoreError) -> Self {
        Self(format!("the store failed: {err}"))
    }
}

/// What one case returns.
pub(crate) type Outcome = Result<(), Broken>;

/// Fails the case unless `$cond` holds.
macro_rules! ensure {
    ($cond:expr, $($why:tt)+) => {
        if !$cond {
            return Err($crate::store::conformance::Broken(format!($($why)+)));
        }
    };
}

/// Fails the case unless the two sides are equal, showing both.
macro_rules! ensure_eq {
    ($left:expr, $right:expr, $($why:tt)+) => {{
        let (left, right) = (&$left, &$right);
        if left != right {
            return Err($crate::store::conformance::Broken(format!(
                "{}: got {:?}, expected {:?}",
                format!($($why)+),
                left,
                right
            )));
        }
    }};
}

pub(crate) use {ensure, ensure_eq};

/// The time the suites start from.
fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn unique_email() -> String {
    format!("Conformance.{}@Example.COM", new_id())
}

/// The digest of a new random secret: what stores keep of tokens.
fn digest() -> String {
    opaque::digest(&opaque::generate())
}

/// How many of these outcomes are `Ok(true)`.
fn wins(outcomes: Vec<Result<bool, StoreError>>) -> Result<usize, Broken> {
    let mut won = 0;
    for outcome in outcomes {
        won += usize::from(outcome?);
    }
    Ok(won)
}
