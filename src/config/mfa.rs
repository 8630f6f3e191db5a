//! [`MfaConfig`]: TOTP labels, the second login step, recovery codes.

use std::time::Duration;

use crate::error::ConfigError;

/// TOTP second factors: labels and guessing limits. (The keys that seal
/// TOTP secrets are `KeyConfig::sealing_keys`.)
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MfaConfig {
    /// The issuer shown by authenticator apps; default `portcullis`.
    pub issuer: String,
    /// How long an `mfaToken` (the second login step) lives; default 5 minutes.
    pub challenge_ttl: Duration,
    /// Wrong codes an `mfaToken` survives; the next one voids it; default 5.
    pub max_code_failures: u32,
    /// Recovery codes given at enrolment; default 10.
    pub recovery_codes: usize,
    /// How recent a login must be for an account without a password to
    /// enrol a second factor (others give their current password); default
    /// 5 minutes.
    pub recent_login: Duration,
}

impl Default for MfaConfig {
    fn default() -> Self {
        Self {
            issuer: "portcullis".into(),
            challenge_ttl: Duration::from_secs(5 * 60),
            max_code_failures: 5,
            recovery_codes: 10,
            recent_login: Duration::from_secs(5 * 60),
        }
    }
}

impl MfaConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.issuer.contains(':') || self.max_code_failures == 0 || self.recovery_codes < 8 {
            return Err(ConfigError::new(
                "mfa: issuer without ':', max_code_failures >= 1, recovery_codes >= 8",
            ));
        }
        Ok(())
    }
}
