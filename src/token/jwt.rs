//! Access tokens: short-lived JWTs, HS256, with the algorithm pinned.
//!
//! Verification refuses every algorithm but the configured one (so `none` and
//! algorithm confusion fail), requires `iss`, `aud`, `sub`, `iat` and `exp`,
//! and requires the header `typ` of an access token (`at+jwt`, RFC 9068), so
//! that no other token this service signs can pass as one (RFC 8725 §3.11).
//! Expiry is checked against the service's [`crate::Clock`], not the system
//! time, so tests can move time.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::AuthError;
use crate::identity::Identity;

/// The `typ` header of access tokens.
pub(crate) const ACCESS_TOKEN_TYPE: &str = "at+jwt";

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct AccessClaims {
    /// The user id.
    pub sub: String,
    /// The session (refresh family) id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Expires at, seconds since the epoch.
    pub exp: i64,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Role id.
    pub role: String,
    /// Authentication methods (RFC 8176).
    #[serde(default)]
    pub amr: Vec<String>,
    /// A unique id: no two tokens are alike, even within one second.
    #[serde(default)]
    pub jti: String,
}

/// Signs and verifies access tokens with one key.
#[derive(Clone)]
pub(crate) struct AccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    header: Header,
}

impl AccessTokens {
    /// Keys for HS256 from a shared secret, bound to an issuer and audience.
    pub(crate) fn hs256(secret: &[u8], issuer: &str, audience: &str) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
        validation.validate_exp = false; // checked against the service clock
        validation.leeway = 0;
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(ACCESS_TOKEN_TYPE.to_owned());
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            header,
        }
    }

    /// Signs the claims.
    pub(crate) fn sign(&self, claims: &AccessClaims) -> Result<String, AuthError> {
        jsonwebtoken::encode(&self.header, claims, &self.encoding).map_err(|e| {
            tracing::error!(error = %e, "signing an access token failed");
            AuthError::Unavailable
        })
    }

    /// Verifies a token and returns the identity it carries.
    pub(crate) fn verify(&self, token: &str, now: OffsetDateTime) -> Result<Identity, AuthError> {
        let data = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map_err(|_| AuthError::TokenInvalid)?;
        if data.header.typ.as_deref() != Some(ACCESS_TOKEN_TYPE) {
            return Err(AuthError::TokenInvalid);
        }
        let claims = data.claims;
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
        })
    }
}
