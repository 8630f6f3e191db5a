//! The framework-agnostic web layer: authenticating requests from their
//! headers (bearer token, `App-Token` + `Token` pair, or cookies), CSRF defence for cookie sessions, and
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
pub(crate) mod layer;

use std::net::IpAddr;

use http::HeaderMap;

pub use body::read_body;
pub use layer::{AuthLayer, AuthService, Guard, GuardLayer, Requirement};

use crate::error::AuthError;
use crate::identity::Identity;
use crate::service::{Auth, Client};

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
    /// Headers a browser never adds by itself (`Authorization: Bearer`,
    /// `App-Token` + `Token`): immune to CSRF.
    Header,
    /// Auth cookies: the browser attaches them, so unsafe requests need an origin check.
    Cookie,
}

/// What authenticating a request takes.
pub(crate) enum Check {
    /// Settled from the headers alone (no store round-trip).
    Ready(AuthState, Carrier),
    /// An `App-Token` + `Token` pair: settled by [`Auth::authenticate_tokens`].
    TokenPair {
        /// The `App-Token` header.
        app: String,
        /// The `Token` header.
        user: String,
    },
}

/// Reads a request's credentials. Precedence: a bearer token, then an
/// `App-Token` + `Token` pair, then the auth cookies.
pub(crate) fn authenticate(auth: &Auth, headers: &HeaderMap) -> Check {
    let token_state = |token: &str| match auth.authenticate(token) {
        Ok(identity) => AuthState::Authenticated(identity),
        Err(err) => AuthState::Rejected(err),
    };
    if let Some(token) = bearer_token(headers) {
        return Check::Ready(token_state(token), Carrier::Header);
    }
    if let (Some(app), Some(user)) = (header(headers, "app-token"), header(headers, "token")) {
        return Check::TokenPair {
            app: app.to_owned(),
            user: user.to_owned(),
        };
    }
    let names = &auth.config().cookies;
    if let Some(token) = cookies::read(headers, &names.access_name) {
        return Check::Ready(token_state(&token), Carrier::Cookie);
    }
    if cookies::read(headers, &names.refresh_name).is_some() {
        return Check::Ready(AuthState::Anonymous, Carrier::Cookie);
    }
    Check::Ready(AuthState::Anonymous, Carrier::None)
}

/// Everything the layer does for one request, as one call for adapters that
/// are asynchronous anyway: authenticate (a token pair through the store),
/// and refuse a cookie-authenticated unsafe request from a foreign origin.
pub(crate) async fn admit(
    auth: &Auth,
    method: &http::Method,
    uri: &http::Uri,
    headers: &HeaderMap,
    client: Client,
) -> Result<AuthState, AuthError> {
    match authenticate(auth, headers) {
        Check::Ready(state, carrier) => {
            if carrier == Carrier::Cookie {
                csrf::check(auth.config(), method, uri, headers)?;
            }
            Ok(state)
        }
        Check::TokenPair { app, user } => Ok(authenticate_pair(auth, &app, &user, client).await),
    }
}

/// Settles a token pair against the store.
pub(crate) async fn authenticate_pair(
    auth: &Auth,
    app: &str,
    user: &str,
    client: Client,
) -> AuthState {
    match auth.authenticate_tokens(app, user, client).await {
        Ok(identity) => AuthState::Authenticated(identity),
        Err(err) => AuthState::Rejected(err),
    }
}

/// The client, as the TCP peer and the trusted proxies say.
pub(crate) fn client(auth: &Auth, peer: Option<IpAddr>, headers: &HeaderMap) -> Client {
    Client {
        ip: client_ip::client_ip(peer, headers, &auth.config().trusted_proxies),
    }
}

/// The TCP peer's address, where the framework put it in the extensions.
pub(crate) fn peer_ip(extensions: &http::Extensions) -> Option<IpAddr> {
    #[cfg(feature = "axum")]
    {
        crate::axum::peer_ip(extensions)
    }
    #[cfg(not(feature = "axum"))]
    {
        let _ = extensions;
        None
    }
}

/// A header's value, trimmed; `None` when absent, blank or not ASCII.
pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)?
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The token of an `Authorization: Bearer …` header.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}
