//! The framework-agnostic web layer: authenticating requests from their
//! headers (bearer token or cookies), CSRF defence for cookie sessions, and
//! the HTTP endpoints of each wire format ([`dialect`]).
//!
//! It speaks `http::Request`/`http::Response` with [`bytes::Bytes`] bodies;
//! the framework adapters (`portcullis::axum`) only move requests in and
//! responses out. It never touches a store: everything goes through [`Auth`].

mod body;
mod client_ip;
mod cookies;
mod csrf;
pub mod dialect;
mod layer;

use http::HeaderMap;

pub use body::read_body;
pub use layer::{AuthLayer, AuthService, RequireRole, RequireRoleLayer};

use crate::error::AuthError;
use crate::identity::Identity;
use crate::service::Auth;

/// What authentication found out about a request; the layer puts it in the
/// request's extensions for extractors and guards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthState {
    /// No credentials were presented.
    Anonymous,
    /// A valid access token was presented.
    Authenticated(Identity),
    /// Credentials were presented and failed (expired, forged…).
    Rejected(AuthError),
}

impl AuthState {
    /// The identity, or the error a protected route should answer with.
    pub fn identity(&self) -> Result<&Identity, AuthError> {
        match self {
            Self::Authenticated(identity) => Ok(identity),
            Self::Anonymous => Err(AuthError::Unauthenticated),
            Self::Rejected(err) => Err(err.clone()),
        }
    }
}

/// Where a request's credentials came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Carrier {
    /// None presented.
    None,
    /// `Authorization: Bearer …`: immune to CSRF.
    Bearer,
    /// Auth cookies: the browser attaches them, so unsafe requests need an origin check.
    Cookie,
}

/// Authenticates a request by its headers: a bearer token wins over cookies.
pub(crate) fn authenticate(auth: &Auth, headers: &HeaderMap) -> (AuthState, Carrier) {
    let token_state = |token: &str| match auth.authenticate(token) {
        Ok(identity) => AuthState::Authenticated(identity),
        Err(err) => AuthState::Rejected(err),
    };
    if let Some(token) = bearer_token(headers) {
        return (token_state(token), Carrier::Bearer);
    }
    let names = &auth.config().cookies;
    if let Some(token) = cookies::read(headers, &names.access_name) {
        return (token_state(&token), Carrier::Cookie);
    }
    if cookies::read(headers, &names.refresh_name).is_some() {
        return (AuthState::Anonymous, Carrier::Cookie);
    }
    (AuthState::Anonymous, Carrier::None)
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}
