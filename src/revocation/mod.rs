//! Strict sessions: revocation that takes effect at once, on every
//! instance, without a store round trip per request.
//!
//! With `sessions.strict` on, each instance holds a *revocation view*: the
//! sessions ended and the users whose role changed, each kept only as long
//! as an access token can live. The service publishes a [`Revocation`] on
//! a [`RevocationChannel`] whenever a session ends (logout, refresh-token
//! reuse, a password change or reset, MFA enrolment or reset, a user
//! deactivated or deleted) or a role changes; every instance reads the
//! channel from its start (the channel keeps the recent events for
//! that) and checks each access token against its view. While an instance
//! has lost the channel, it checks each access token against the store
//! instead until it has caught up again: it never silently accepts.
//!
//! Channels: [`MemoryRevocations`] for one process; Redis streams
//! (`portcullis-redis`) and PostgreSQL `LISTEN/NOTIFY` (`portcullis-sqlx`)
//! for a fleet.

mod memory;

use async_trait::async_trait;
use futures_util::stream::BoxStream;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::store::StoreError;

pub use memory::MemoryRevocations;

/// What every instance must learn at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Revocation {
    /// These sessions ended: their access tokens are refused.
    SessionsEnded {
        /// The sessions (refresh families), by id: the `sid` of their tokens.
        session_ids: Vec<String>,
    },
    /// A user's role changed: their access tokens act with the new role.
    RoleChanged {
        /// The user.
        user_id: String,
        /// The role now.
        role: String,
    },
}

/// A [`Revocation`] and when it was published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    /// The event.
    pub revocation: Revocation,
    /// When, by the publisher's clock (seconds since the epoch).
    pub at: i64,
}

/// How revocations reach every instance: a log of recent events that each
/// instance reads from its start and then follows.
///
/// Events must be kept for at least the `keep` given to
/// [`publish`](RevocationChannel::publish), so that an instance that
/// starts (or reconnects) within that time learns them.
#[async_trait]
pub trait RevocationChannel: Send + Sync + 'static {
    /// Publishes an event to every instance, this one included; events
    /// older than `keep` may be forgotten.
    async fn publish(&self, event: &Published, keep: std::time::Duration)
    -> Result<(), StoreError>;

    /// The events published at or after `since`, and every new one as it
    /// comes. The live stream ends, or yields an error, when the channel is
    /// lost; the caller subscribes again. An event may come twice.
    async fn subscribe(&self, since: OffsetDateTime) -> Result<Subscription, StoreError>;
}

/// What [`RevocationChannel::subscribe`] gives: the past, then the present.
pub struct Subscription {
    /// The events kept since the time asked for, oldest first.
    pub history: Vec<Published>,
    /// Every event published from the moment of subscribing (so that none
    /// falls between the history and it).
    pub live: BoxStream<'static, Result<Published, StoreError>>,
}
