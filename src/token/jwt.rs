//! Access tokens: short-lived JWTs, signed by the active key of the key set
//! and verified by the key their `kid` names, with that key's algorithm
//! pinned.
//!
//! Verification refuses an unknown `kid` and every algorithm but the key's
//! own (so `none` and algorithm confusion fail), requires `iss`, `aud`,
//! `sub`, `iat` and `exp`, and requires the header `typ` of an access token
//! (`at+jwt`, RFC 9068), so that no other token this service signs can pass
//! as one (RFC 8725 §3.11). A token without `kid` (made before key sets)
//! is verified only by HS256 keys. Expiry is checked against the service's
//! [`crate::Clock`], not the system time, so tests can move time.

use std::collections::HashMap;
use std::sync::Arc;

use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::cache::VerifiedTokens;
use super::signer::TokenSigner;
use crate::error::{AuthError, ConfigError};
use crate::identity::Identity;
use crate::keys::{KeySet, SigningAlgorithm};

/// The `typ` header of access tokens.
pub(crate) const ACCESS_TOKEN_TYPE: &str = "at+jwt";

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct AccessClaims {
    /// The user id.
    pub(crate) sub: String,
    /// The session (refresh family) id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) sid: Option<String>,
    /// Issued at, seconds since the epoch.
    pub(crate) iat: i64,
    /// Expires at, seconds since the epoch.
    pub(crate) exp: i64,
    /// Issuer.
    pub(crate) iss: String,
    /// Audience.
    pub(crate) aud: String,
    /// Role id.
    pub(crate) role: String,
    /// Authentication methods (RFC 8176).
    #[serde(default)]
    pub(crate) amr: Vec<String>,
    /// When the user signed in, seconds since the epoch (OpenID Connect's
    /// `auth_time`): the session's start, however often it was refreshed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) auth_time: Option<i64>,
    /// A unique id: no two tokens are alike, even within one second.
    #[serde(default)]
    pub(crate) jti: String,
    /// The app's own claims (see [`crate::hooks::Hooks::custom_claims`]).
    #[serde(flatten)]
    pub(crate) custom: serde_json::Map<String, serde_json::Value>,
}

/// A key that verifies, with its pinned algorithm.
#[derive(Clone)]
struct Verifier {
    key: DecodingKey,
    validation: Validation,
}

/// Signs with the active key and verifies with the whole key set.
#[derive(Clone)]
pub(crate) struct AccessTokens {
    signer: Arc<TokenSigner>,
    by_kid: HashMap<String, Verifier>,
    /// HS256 keys, for tokens without a `kid`.
    unnamed: Vec<Verifier>,
    /// Tokens verified before, when the cache is on.
    verified: Option<Arc<VerifiedTokens>>,
}

impl AccessTokens {
    /// Keys for the key set, bound to an issuer and audience.
    pub(crate) fn new(keys: &KeySet, issuer: &str, audience: &str) -> Result<Self, ConfigError> {
        let active = keys.active();
        let mut header = Header::new(active.algorithm().jwt());
        header.typ = Some(ACCESS_TOKEN_TYPE.to_owned());
        header.kid = Some(active.kid().to_owned());
        let mut by_kid = HashMap::new();
        let mut unnamed = Vec::new();
        for key in keys.all() {
            let verifier = Verifier {
                key: key.decoding_key()?,
                validation: validation(key.algorithm().jwt(), issuer, audience),
            };
            if key.algorithm() == SigningAlgorithm::Hs256 {
                unnamed.push(verifier.clone());
            }
            by_kid.insert(key.kid().to_owned(), verifier);
        }
        Ok(Self {
            signer: Arc::new(TokenSigner::new(&header, active.encoding_key()?)?),
            by_kid,
            unnamed,
            verified: None,
        })
    }

    /// Remembers up to `capacity` verified tokens (none when 0).
    pub(crate) fn remembering(mut self, capacity: usize) -> Self {
        self.verified = (capacity > 0).then(|| Arc::new(VerifiedTokens::new(capacity)));
        self
    }

    /// Signs the claims.
    pub(crate) fn sign(&self, claims: &AccessClaims) -> Result<String, AuthError> {
        self.signer.sign(claims).map_err(|e| {
            tracing::error!(error = %e, "signing an access token failed");
            AuthError::Unavailable
        })
    }

    /// Verifies a token and returns the identity it carries.
    pub(crate) fn verify(&self, token: &str, now: OffsetDateTime) -> Result<Identity, AuthError> {
        let Some(verified) = &self.verified else {
            return self.verify_signed(token, now);
        };
        if let Some(identity) = verified.get(token, now) {
            return Ok(identity);
        }
        let identity = self.verify_signed(token, now)?;
        verified.insert(token, &identity);
        Ok(identity)
    }

    /// Verifies a token's signature and claims.
    fn verify_signed(&self, token: &str, now: OffsetDateTime) -> Result<Identity, AuthError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthError::TokenInvalid)?;
        let claims = match &header.kid {
            Some(kid) => {
                let verifier = self.by_kid.get(kid).ok_or(AuthError::TokenInvalid)?;
                verify_with(verifier, token)?
            }
            None => self
                .unnamed
                .iter()
                .find_map(|verifier| verify_with(verifier, token).ok())
                .ok_or(AuthError::TokenInvalid)?,
        };
        identity(claims, now)
    }
}

/// The checks every access token must pass, with `algorithm` pinned.
pub(crate) fn validation(algorithm: Algorithm, issuer: &str, audience: &str) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
    validation.validate_exp = false; // checked against the service clock
    validation.leeway = 0;
    validation
}

fn verify_with(verifier: &Verifier, token: &str) -> Result<AccessClaims, AuthError> {
    verify_claims(token, &verifier.key, &verifier.validation)
}

/// The claims of an access token, checked by one key with its pinned
/// algorithm; the `typ` must be an access token's.
pub(crate) fn verify_claims(
    token: &str,
    key: &DecodingKey,
    validation: &Validation,
) -> Result<AccessClaims, AuthError> {
    let data = jsonwebtoken::decode::<AccessClaims>(token, key, validation)
        .map_err(|_| AuthError::TokenInvalid)?;
    if data.header.typ.as_deref() != Some(ACCESS_TOKEN_TYPE) {
        return Err(AuthError::TokenInvalid);
    }
    Ok(data.claims)
}

/// The identity of verified claims that have not expired at `now`.
pub(crate) fn identity(claims: AccessClaims, now: OffsetDateTime) -> Result<Identity, AuthError> {
    let expires_at =
        OffsetDateTime::from_unix_timestamp(claims.exp).map_err(|_| AuthError::TokenInvalid)?;
    if expires_at <= now {
        return Err(AuthError::TokenExpired);
    }
    Ok(Identity {
        user_id: claims.sub,
        role: claims.role,
        session_id: claims.sid,
        amr: claims.amr,
        actor: None,
        expires_at,
        auth_time: claims
            .auth_time
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok()),
        api_token: None,
        app_token: None,
        claims: claims.custom,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]

    use super::*;
    use crate::keys::SigningKey;

    fn access_tokens() -> AccessTokens {
        let keys = KeySet::new(SigningKey::hs256("thirty-two bytes of a test secret"));
        AccessTokens::new(&keys, "https://issuer.test", "audience").expect("an HS256 key set")
    }

    #[test]
    fn a_cache_of_no_tokens_is_no_cache() {
        assert!(
            access_tokens().remembering(0).verified.is_none(),
            "`verified_token_cache: 0` turns the cache off"
        );
        assert!(access_tokens().remembering(1).verified.is_some());
    }
}
