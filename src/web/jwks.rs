//! `GET /.well-known/jwks.json`: the public keys of access tokens.

use bytes::Bytes;
use http::header::CACHE_CONTROL;
use http::{HeaderValue, Response, StatusCode};

use super::respond;
use crate::service::Auth;

/// How long caches may keep the key set, in seconds. A key added as
/// verification-only is promoted no sooner than this after it was
/// published, so every cache has seen it by then (and verifiers fetch the
/// set again for a `kid` they do not know anyway).
pub const JWKS_MAX_AGE: u64 = 300;

/// The answer of `GET /.well-known/jwks.json` (RFC 7517): the public keys,
/// cacheable for [`JWKS_MAX_AGE`] seconds.
pub fn jwks_response(auth: &Auth) -> Response<Bytes> {
    let mut response = respond::json(StatusCode::OK, &auth.jwks(), "application/jwk-set+json");
    if let Ok(value) = HeaderValue::from_str(&format!("public, max-age={JWKS_MAX_AGE}")) {
        response.headers_mut().insert(CACHE_CONTROL, value);
    }
    response
}
