//! [`KeyConfig`]: the keys that sign access tokens and seal TOTP secrets.

use super::Secret;
use crate::error::ConfigError;

/// Keys, and the names access tokens carry.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct KeyConfig {
    /// HMAC key for access tokens (HS256), at least 32 bytes of randomness.
    pub jwt_secret: Secret,
    /// The `iss` claim written into and required of access tokens.
    pub issuer: String,
    /// The `aud` claim written into and required of access tokens.
    pub audience: String,
    /// 32-byte keys that seal TOTP secrets at rest (XChaCha20-Poly1305,
    /// bound to the user id); the first seals, all open. To rotate, put the
    /// new key first and keep the old ones after it; once every user has
    /// enrolled again (or MFA was reset for those who did not), drop the old
    /// key. Empty (the default): one key derived from `jwt_secret`, so
    /// rotating that secret then needs an MFA reset.
    pub sealing_keys: Vec<Secret>,
}

impl KeyConfig {
    /// Keys around an HS256 secret, with `portcullis` as issuer and audience.
    pub fn new(jwt_secret: impl Into<Secret>) -> Self {
        Self {
            jwt_secret: jwt_secret.into(),
            issuer: "portcullis".into(),
            audience: "portcullis".into(),
            sealing_keys: Vec::new(),
        }
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.jwt_secret.len() < 32 {
            return Err(ConfigError::new(
                "keys.jwt_secret must be at least 32 bytes",
            ));
        }
        if self.sealing_keys.iter().any(|key| key.len() != 32) {
            return Err(ConfigError::new("keys.sealing_keys are 32 bytes each"));
        }
        Ok(())
    }
}
