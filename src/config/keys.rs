//! [`KeyConfig`]: the keys that sign access tokens and seal TOTP secrets.

use sha2::{Digest, Sha256};

use super::Secret;
use crate::error::ConfigError;
use crate::keys::{KeySet, SigningKey};

/// Keys, and the names access tokens carry. Signing keys and sealing keys
/// are apart: rotating a signing key never touches MFA.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct KeyConfig {
    /// The keys of access tokens: one active, any number verify-only (see
    /// [`crate::keys`] on rotation).
    pub signing: KeySet,
    /// The `iss` claim written into and required of access tokens.
    pub issuer: String,
    /// The `aud` claim written into and required of access tokens.
    pub audience: String,
    /// 32-byte keys that seal TOTP secrets at rest (XChaCha20-Poly1305,
    /// bound to the user id); the first seals, every one opens. To rotate,
    /// put the new key first and keep the old ones after it: each login
    /// with a code seals the user's secret again under the first key, so
    /// an old key can go once its users have signed in (or MFA was reset
    /// for those who did not).
    pub sealing_keys: Vec<Secret>,
}

impl KeyConfig {
    /// HS256 access tokens under a shared secret, with `portcullis` as
    /// issuer and audience. The sealing key is derived from the secret once,
    /// here (a one-way derivation of its own label, so neither key reveals
    /// the other); set [`sealing_keys`](Self::sealing_keys) to a key of its
    /// own before you ever change the secret.
    pub fn new(jwt_secret: impl Into<Secret>) -> Self {
        let secret = jwt_secret.into();
        let sealing = legacy_sealing_key(&secret);
        Self::with_keys(KeySet::new(SigningKey::hs256(secret)), sealing)
    }

    /// Access tokens under a key set, TOTP secrets under a sealing key of
    /// its own (32 random bytes, kept like the signing keys).
    pub fn with_keys(signing: KeySet, sealing_key: impl Into<Secret>) -> Self {
        Self {
            signing,
            issuer: "portcullis".into(),
            audience: "portcullis".into(),
            sealing_keys: vec![sealing_key.into()],
        }
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        self.signing.validate()?;
        if self.sealing_keys.is_empty() {
            return Err(ConfigError::new(
                "keys.sealing_keys is empty: MFA needs a 32-byte key to seal TOTP secrets",
            ));
        }
        if self.sealing_keys.iter().any(|key| key.len() != 32) {
            return Err(ConfigError::new("keys.sealing_keys are 32 bytes each"));
        }
        Ok(())
    }
}

/// The sealing key of releases before key sets, derived from the HS256
/// secret: what [`KeyConfig::new`] still uses, and what opens TOTP secrets
/// sealed under such a secret while they are sealed again under a key of
/// their own.
pub fn legacy_sealing_key(jwt_secret: &Secret) -> Secret {
    let derived: [u8; 32] = Sha256::new()
        .chain_update(b"portcullis totp sealing key v1\0")
        .chain_update(jwt_secret.expose())
        .finalize()
        .into();
    Secret::from(derived)
}
