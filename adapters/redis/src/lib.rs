//! Redis for a fleet of [`portcullis`] instances: what they must share
//! beyond the store of record.
//!
//! One [`Redis`] handle is both
//! - a [`RateLimiter`](portcullis::store::RateLimiter): each decision is one
//!   Lua script, atomic across every instance, with the windows and
//!   `forgive` semantics of the in-memory limiter; the single use of OAuth
//!   flow states rides on it too;
//! - a [`RevocationChannel`](portcullis::revocation::RevocationChannel) for
//!   strict sessions: a Redis stream, trimmed to the access tokens'
//!   lifetime, that each instance reads from its start and then follows
//!   with a blocking read.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use portcullis::{Auth, AuthConfig};
//! use portcullis::store::MemoryStore;
//! use portcullis_redis::Redis;
//!
//! let redis = Redis::connect("redis://127.0.0.1:6379").await?;
//! let mut config = AuthConfig::new(b"a secret of at least 32 bytes....".to_vec());
//! config.sessions.strict = true;
//! let auth = Auth::builder(config)
//!     .store(MemoryStore::new())
//!     .rate_limiter(redis.clone())
//!     .revocations(redis)
//!     .build()?;
//! # Ok(()) }
//! ```
//!
//! Commands answer within 500 ms or fail: a Redis that is down or slow
//! makes the limiter fail closed (portcullis answers 503, never
//! unthrottled) and sends strict sessions to the store until it is back;
//! the connection comes back by itself. Needs Redis 6.2 or later; the
//! instances' clocks should agree within a second (NTP).

#![warn(unreachable_pub)]

mod limiter;
mod revocations;

use std::time::Duration;

use portcullis::store::StoreError;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// How long a command may take before it counts as a failure.
const RESPONSE_TIMEOUT: Duration = Duration::from_millis(500);
/// How long connecting may take.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(1);

/// A handle on one Redis (a reconnecting connection). Cheap to clone.
#[derive(Clone)]
pub struct Redis {
    client: redis::Client,
    connection: ConnectionManager,
    prefix: String,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl Redis {
    /// Connects to `redis://…` (or `rediss://…` with a TLS build of the
    /// `redis` crate). Keys are prefixed `portcullis:`.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(unavailable)?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_connection_timeout(Some(CONNECTION_TIMEOUT))
            .set_number_of_retries(1);
        let connection = client
            .get_connection_manager_with_config(config)
            .await
            .map_err(unavailable)?;
        Ok(Self {
            client,
            connection,
            prefix: "portcullis:".to_owned(),
        })
    }

    /// Another prefix for every key, for several deployments on one Redis.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }
}

/// Every failure of Redis fails closed.
fn unavailable(err: redis::RedisError) -> StoreError {
    StoreError::Unavailable(Box::new(err))
}
