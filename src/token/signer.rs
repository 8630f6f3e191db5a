//! Signing access tokens with the active key, read once.
//!
//! `jsonwebtoken::encode` builds its signer from the key's DER for every
//! token it makes. For an Ed25519 or P-256 key that derives the public key
//! again: a scalar multiplication as costly as the signature itself, 15% of
//! the server's CPU on the refresh endpoint (`perf`, quickstart with its
//! default Ed25519 key). So those keys are read once, when the service is
//! built, and sign here; HS256 and RS256 sign through jsonwebtoken. Either
//! way the token is the JWS compact serialisation (RFC 7515 §7.1) that
//! `encode` makes, byte for byte (the tests below hold it to that).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::Signer;
use ed25519_dalek::pkcs8::DecodePrivateKey;
use jsonwebtoken::errors::Error;
use jsonwebtoken::{Algorithm, AlgorithmFamily, EncodingKey, Header};
use serde::Serialize;

use crate::error::ConfigError;

/// Signs tokens under one header with one key.
pub(crate) struct TokenSigner {
    /// The header, serialised and encoded once.
    header: String,
    key: Key,
}

/// The key, read for signing.
enum Key {
    Ed25519(Box<ed25519_dalek::SigningKey>),
    Es256(Box<p256::ecdsa::SigningKey>),
    /// HS256 (nothing to derive) and RS256 (whose signature dwarfs reading
    /// the key): signed by jsonwebtoken.
    Encoding(EncodingKey, Algorithm),
}

impl TokenSigner {
    /// A signer of tokens with this header, by this key (whose algorithm
    /// is the header's).
    pub(crate) fn new(header: &Header, key: &EncodingKey) -> Result<Self, ConfigError> {
        let unreadable = |_| ConfigError::new("the active signing key cannot be read to sign");
        let key = match (header.alg, key.family()) {
            (Algorithm::EdDSA, AlgorithmFamily::Ed) => Key::Ed25519(Box::new(
                ed25519_dalek::SigningKey::from_pkcs8_der(key.as_bytes()).map_err(unreadable)?,
            )),
            (Algorithm::ES256, AlgorithmFamily::Ec) => Key::Es256(Box::new(
                p256::ecdsa::SigningKey::from_pkcs8_der(key.as_bytes()).map_err(unreadable)?,
            )),
            (algorithm, _) => Key::Encoding(key.clone(), algorithm),
        };
        let header = serde_json::to_vec(header)
            .map_err(|e| ConfigError(format!("the access-token header does not serialise: {e}")))?;
        Ok(Self {
            header: URL_SAFE_NO_PAD.encode(header),
            key,
        })
    }

    /// The signed token of these claims.
    pub(crate) fn sign(&self, claims: &impl Serialize) -> Result<String, Error> {
        let claims = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims)?);
        let mut token = format!("{}.{claims}", self.header);
        let signature = match &self.key {
            Key::Ed25519(key) => URL_SAFE_NO_PAD.encode(key.sign(token.as_bytes()).to_bytes()),
            Key::Es256(key) => {
                let signature: p256::ecdsa::Signature = key.sign(token.as_bytes());
                URL_SAFE_NO_PAD.encode(signature.to_bytes())
            }
            Key::Encoding(key, algorithm) => {
                jsonwebtoken::crypto::sign(token.as_bytes(), key, *algorithm)?
            }
        };
        token.push('.');
        token.push_str(&signature);
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]

    use super::*;
    use crate::keys::SigningKey;

    #[derive(Serialize)]
    struct Claims {
        sub: &'static str,
        exp: i64,
    }

    /// Every algorithm here signs deterministically (Ed25519, RFC 6979
    /// ECDSA, HMAC, PKCS#1 v1.5), so a token must equal jsonwebtoken's.
    fn signs_as_jsonwebtoken_does(key: &SigningKey) {
        let mut header = Header::new(key.algorithm().jwt());
        header.typ = Some("at+jwt".to_owned());
        header.kid = Some(key.kid().to_owned());
        let encoding = key.encoding_key().expect("a private key");
        let claims = Claims {
            sub: "someone",
            exp: 1_900_000_000,
        };
        let signer = TokenSigner::new(&header, encoding).expect("a signer");
        assert_eq!(
            signer.sign(&claims).expect("signed"),
            jsonwebtoken::encode(&header, &claims, encoding).expect("encoded"),
            "{:?}",
            key.algorithm()
        );
    }

    #[test]
    fn an_ed25519_token_is_the_one_jsonwebtoken_makes() {
        signs_as_jsonwebtoken_does(&SigningKey::generate_ed25519().expect("a key"));
    }

    #[test]
    fn an_es256_token_is_the_one_jsonwebtoken_makes() {
        let pem = include_bytes!("../../tests/keys/p256.pem");
        signs_as_jsonwebtoken_does(&SigningKey::from_pem(pem).expect("a P-256 key"));
    }

    #[test]
    fn an_rs256_token_is_the_one_jsonwebtoken_makes() {
        let pem = include_bytes!("../../tests/keys/rsa2048.pem");
        signs_as_jsonwebtoken_does(&SigningKey::from_pem(pem).expect("an RSA key"));
    }

    #[test]
    fn an_hs256_token_is_the_one_jsonwebtoken_makes() {
        signs_as_jsonwebtoken_does(&SigningKey::hs256("thirty-two bytes of a test secret"));
    }
}
