//! The keys that sign and verify access tokens: a [`KeySet`] of one active
//! [`SigningKey`] and any number of verification-only ones, each with a
//! `kid` and a pinned algorithm (EdDSA, ES256, RS256 or HS256).
//!
//! Tokens carry their key's `kid`; verification picks the key by `kid` and
//! accepts only that key's algorithm, so an unknown `kid`, another
//! algorithm, or an HS256 token made with a public key as its secret is
//! refused. The public halves of the asymmetric keys are published as a
//! JWKS (`GET /.well-known/jwks.json`); HMAC secrets never are.
//!
//! **Rotation without logouts**: add the new key as verification-only on
//! every instance; once that is out (and JWKS caches have had time to
//! see it), make it the active key and keep the old one as
//! verification-only; remove the old one after the access-token lifetime,
//! when every token it signed has expired.
//!
//! ```
//! use portcullis::keys::{KeySet, SigningAlgorithm, SigningKey};
//!
//! let new = SigningKey::generate_ed25519()?;
//! let old = SigningKey::hs256(b"the old shared secret, 32 bytes long".to_vec());
//! let keys = KeySet::new(new.clone()).verifying(old);
//! assert_eq!(keys.active().algorithm(), SigningAlgorithm::EdDsa);
//! assert_eq!(keys.jwks()["keys"].as_array().map(Vec::len), Some(1), "no HMAC secret is published");
//! # Ok::<_, portcullis::ConfigError>(())
//! ```

mod import;
mod set;

use std::fmt;
use std::path::Path;

use jsonwebtoken::jwk::{Jwk, KeyAlgorithm, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use sha2::{Digest, Sha256};

use crate::config::Secret;
use crate::error::ConfigError;

use import::Private;
pub use set::KeySet;

/// The algorithms a key may sign with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SigningAlgorithm {
    /// Ed25519 signatures (`EdDSA`): small, fast keys; the quickstart's default.
    EdDsa,
    /// ECDSA on P-256 with SHA-256.
    Es256,
    /// RSASSA-PKCS1-v1_5 with SHA-256, keys of 2048 bits or more.
    Rs256,
    /// HMAC with SHA-256: a shared secret of 32 bytes or more, never published.
    Hs256,
}

impl SigningAlgorithm {
    /// The JOSE name (`"EdDSA"`, `"ES256"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EdDsa => "EdDSA",
            Self::Es256 => "ES256",
            Self::Rs256 => "RS256",
            Self::Hs256 => "HS256",
        }
    }

    pub(crate) fn jwt(self) -> Algorithm {
        match self {
            Self::EdDsa => Algorithm::EdDSA,
            Self::Es256 => Algorithm::ES256,
            Self::Rs256 => Algorithm::RS256,
            Self::Hs256 => Algorithm::HS256,
        }
    }

    fn jwk(self) -> KeyAlgorithm {
        match self {
            Self::EdDsa => KeyAlgorithm::EdDSA,
            Self::Es256 => KeyAlgorithm::ES256,
            Self::Rs256 => KeyAlgorithm::RS256,
            Self::Hs256 => KeyAlgorithm::HS256,
        }
    }
}

/// One key of a [`KeySet`]: a private key or HMAC secret that signs (and
/// verifies), or a public key that only verifies. `Debug` never shows the
/// private half, and it is zeroed when the key is dropped.
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    algorithm: SigningAlgorithm,
    /// The private half; `None` for a public key.
    private: Option<Private>,
    /// The public key as a JWK (with `kid`, `alg`, `use`); `None` for HMAC.
    public: Option<Jwk>,
}

impl SigningKey {
    /// An HS256 key from a shared secret (at least 32 bytes: a shorter one
    /// is refused when the service is built). Its `kid` is derived from the
    /// secret, never the secret itself.
    pub fn hs256(secret: impl Into<Secret>) -> Self {
        let secret = secret.into();
        let digest = Sha256::new()
            .chain_update(b"portcullis hs256 kid\0")
            .chain_update(secret.expose())
            .finalize();
        let kid = format!("hs256-{}", crate::token::opaque::hex(&digest[..8]));
        Self {
            kid,
            algorithm: SigningAlgorithm::Hs256,
            private: Some(Private {
                encoding: EncodingKey::from_secret(secret.expose()),
                pem: secret,
            }),
            public: None,
        }
    }

    /// A new random Ed25519 key (from the operating system's generator).
    pub fn generate_ed25519() -> Result<Self, ConfigError> {
        let seed = Secret::random(32);
        Self::from_pem(import::ed25519_pem(seed.expose())?.expose())
    }

    /// A key from PEM: a PKCS#8 private key (`PRIVATE KEY`: Ed25519, P-256
    /// or RSA; also `RSA PRIVATE KEY`), or a public key (`PUBLIC KEY`) that
    /// only verifies. Its `kid` is its RFC 7638 thumbprint unless
    /// [`with_kid`](Self::with_kid) names another.
    pub fn from_pem(pem: &[u8]) -> Result<Self, ConfigError> {
        Self::asymmetric(import::from_pem(pem)?)
    }

    /// [`from_pem`](Self::from_pem) of a file.
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let pem = std::fs::read(path)
            .map(Secret::from)
            .map_err(|e| ConfigError(format!("reading the key {}: {e}", path.display())))?;
        Self::from_pem(pem.expose())
            .map_err(|e| ConfigError(format!("the key {}: {}", path.display(), e.0)))
    }

    /// A key from a JWK (RFC 7517): `OKP` Ed25519, `EC` P-256 or `RSA`,
    /// private (with `d`) or public; or `oct`, an HS256 secret. Its `kid`
    /// is the JWK's own, else its thumbprint.
    pub fn from_jwk(json: &str) -> Result<Self, ConfigError> {
        match import::from_jwk(json)? {
            import::Imported::Hmac(secret, kid) => {
                let key = Self::hs256(secret);
                Ok(match kid {
                    Some(kid) => key.with_kid(kid),
                    None => key,
                })
            }
            import::Imported::Asymmetric(parts, kid) => {
                let key = Self::asymmetric(*parts)?;
                Ok(match kid {
                    Some(kid) => key.with_kid(kid),
                    None => key,
                })
            }
        }
    }

    fn asymmetric((algorithm, private, public): import::Parts) -> Result<Self, ConfigError> {
        let kid = public
            .thumbprint(ThumbprintHash::SHA256)
            .map_err(|e| ConfigError(format!("the key has no thumbprint: {e}")))?;
        Ok(Self {
            kid: String::new(),
            algorithm,
            private,
            public: Some(public),
        }
        .with_kid(kid))
    }

    /// The same key under another `kid`.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = kid.into();
        if let Some(public) = &mut self.public {
            public.common.key_id = Some(self.kid.clone());
            public.common.key_algorithm = Some(self.algorithm.jwk());
            public.common.public_key_use = Some(PublicKeyUse::Signature);
        }
        self
    }

    /// Its `kid`.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The one algorithm it signs and verifies with.
    pub fn algorithm(&self) -> SigningAlgorithm {
        self.algorithm
    }

    /// Whether it can sign (a private key or a secret, not a public key).
    pub fn can_sign(&self) -> bool {
        self.private.is_some()
    }

    /// The private key as PKCS#8 PEM, to keep it in a file; `None` for a
    /// public key or an HMAC secret.
    pub fn private_pem(&self) -> Option<&Secret> {
        self.public
            .as_ref()
            .and(self.private.as_ref())
            .map(|p| &p.pem)
    }

    /// The public key as a JWK (RFC 7517); `None` for an HMAC secret,
    /// which is never published.
    pub fn public_jwk(&self) -> Option<serde_json::Value> {
        self.public
            .as_ref()
            .and_then(|jwk| serde_json::to_value(jwk).ok())
    }

    pub(crate) fn encoding_key(&self) -> Result<&EncodingKey, ConfigError> {
        self.private
            .as_ref()
            .map(|p| &p.encoding)
            .ok_or_else(|| ConfigError(format!("key {} is a public key", self.kid)))
    }

    pub(crate) fn decoding_key(&self) -> Result<DecodingKey, ConfigError> {
        match (&self.public, &self.private) {
            (Some(public), _) => DecodingKey::from_jwk(public)
                .map_err(|e| ConfigError(format!("key {} does not verify: {e}", self.kid))),
            (None, Some(secret)) => Ok(DecodingKey::from_secret(secret.pem.expose())),
            (None, None) => Err(ConfigError(format!("key {} is empty", self.kid))),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if self.kid.is_empty() {
            return Err(ConfigError::new("a signing key has an empty kid"));
        }
        if self.algorithm == SigningAlgorithm::Hs256
            && self.private.as_ref().is_none_or(|s| s.pem.len() < 32)
        {
            return Err(ConfigError(format!(
                "the HS256 key {} is weak: a shared secret needs at least 32 bytes of randomness",
                self.kid
            )));
        }
        self.decoding_key()?;
        if self.can_sign() {
            self.encoding_key()?;
        }
        Ok(())
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .field("signs", &self.can_sign())
            .finish_non_exhaustive()
    }
}
