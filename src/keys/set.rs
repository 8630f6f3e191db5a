//! [`KeySet`]: the active signing key and the keys that only verify.

use serde_json::{Value, json};

use super::SigningKey;
use crate::error::ConfigError;

/// The keys of access tokens: one active key that signs new tokens, and any
/// number of keys that only verify (the next key before it is promoted,
/// the last one until its tokens expire).
#[derive(Debug, Clone)]
pub struct KeySet {
    active: SigningKey,
    verify_only: Vec<SigningKey>,
}

impl KeySet {
    /// A set whose active key is `active`.
    pub fn new(active: SigningKey) -> Self {
        Self {
            active,
            verify_only: Vec::new(),
        }
    }

    /// The set, with `key` accepted for verification too.
    #[must_use]
    pub fn verifying(mut self, key: SigningKey) -> Self {
        self.verify_only.push(key);
        self
    }

    /// The key that signs new tokens.
    pub fn active(&self) -> &SigningKey {
        &self.active
    }

    /// The keys that only verify.
    pub fn verify_only(&self) -> &[SigningKey] {
        &self.verify_only
    }

    /// Every key, the active one first.
    pub fn all(&self) -> impl Iterator<Item = &SigningKey> {
        std::iter::once(&self.active).chain(&self.verify_only)
    }

    /// The public keys as a JWK Set (RFC 7517): every asymmetric key, never
    /// an HMAC secret or any private part.
    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> = self.all().filter_map(SigningKey::public_jwk).collect();
        json!({ "keys": keys })
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if !self.active.can_sign() {
            return Err(ConfigError(format!(
                "keys.signing: the active key {} is a public key and cannot sign",
                self.active.kid()
            )));
        }
        let mut kids = std::collections::HashSet::new();
        for key in self.all() {
            key.validate()?;
            if !kids.insert(key.kid()) {
                return Err(ConfigError(format!(
                    "keys.signing: two keys have the kid {:?}",
                    key.kid()
                )));
            }
        }
        Ok(())
    }
}
