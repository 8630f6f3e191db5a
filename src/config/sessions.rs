//! [`SessionConfig`]: how long tokens and sessions live.

use std::time::Duration;

use crate::error::ConfigError;

/// Lifetimes of access tokens and sessions.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SessionConfig {
    /// How long an access token lives (`expTime`); default 15 minutes.
    pub access_token_ttl: Duration,
    /// How long a session (a refresh family) lives; default 7 days.
    pub ttl: Duration,
    /// Session lifetime when the user asked to be remembered; default 30 days.
    pub remembered_ttl: Duration,
    /// Strict sessions (see [`crate::revocation`]): an access token whose
    /// session ended is refused at once, on every instance, and acts with
    /// its user's role as it is now; default off (an access token lives out
    /// its `access_token_ttl`).
    pub strict: bool,
    /// A session not refreshed for this long ends (an idle timeout, beside
    /// the absolute `ttl`); default 7 days; `None`: never idle.
    pub idle_timeout: Option<Duration>,
    /// Open sessions one user may have; opening one more ends the oldest;
    /// default 100.
    pub max_per_user: usize,
    /// Access tokens whose verification is remembered (by the whole token,
    /// until it expires), so that a token seen before skips its signature
    /// check; default 10,000 (a few MB at most); 0 turns it off.
    pub verified_token_cache: usize,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            access_token_ttl: Duration::from_secs(15 * 60),
            ttl: Duration::from_secs(7 * 24 * 3600),
            remembered_ttl: Duration::from_secs(30 * 24 * 3600),
            strict: false,
            idle_timeout: Some(Duration::from_secs(7 * 24 * 3600)),
            max_per_user: 100,
            verified_token_cache: 10_000,
        }
    }
}

impl SessionConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.access_token_ttl.is_zero() || self.ttl.is_zero() {
            return Err(ConfigError::new("sessions: lifetimes must be positive"));
        }
        if self.idle_timeout.is_some_and(|idle| idle.is_zero()) || self.max_per_user == 0 {
            return Err(ConfigError::new(
                "sessions: idle_timeout must be positive and max_per_user at least 1",
            ));
        }
        if self.remembered_ttl < self.ttl {
            return Err(ConfigError::new(
                "sessions.remembered_ttl must not be shorter than sessions.ttl",
            ));
        }
        Ok(())
    }
}
