//! Wire formats. A dialect maps HTTP (paths, JSON field names, envelopes,
//! status codes, cookies) onto [`crate::Auth`] calls and back; it holds no
//! rule of its own.

pub mod directus;
pub mod native;
mod oauth;
pub mod v1;

use std::net::IpAddr;

use bytes::Bytes;
use http::request::Parts;
use http::{Method, Response};

use crate::error::AuthError;
use crate::service::{Auth, Client};
use crate::web::{AuthState, admit, csrf};

/// One endpoint of a dialect: method, path (relative to where the dialect is
/// mounted) and what it does. Framework adapters register these.
#[derive(Debug, Clone)]
pub struct Route {
    /// The HTTP method.
    pub method: Method,
    /// The path, such as `/auth/login`.
    pub path: &'static str,
    /// The endpoint that answers.
    pub endpoint: Endpoint,
}

/// A wire format a framework adapter can mount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Dialect {
    /// portcullis's own envelope, plus the v1 token API.
    Native,
    /// Directus-compatible paths and shapes, for the Directus SDK.
    Directus,
}

impl Dialect {
    /// Every route of the dialect.
    pub fn routes(self) -> &'static [Route] {
        match self {
            Self::Native => native::ROUTES,
            Self::Directus => directus::ROUTES,
        }
    }
}

/// An endpoint of some dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// Of the native dialect.
    Native(native::Endpoint),
    /// Of the Directus dialect.
    Directus(directus::Endpoint),
}

/// Answers one request. `peer` is the TCP peer's address, when the
/// framework knows it; the body has been read with [`crate::web::read_body`].
pub async fn handle(
    auth: &Auth,
    endpoint: Endpoint,
    parts: &Parts,
    body: &Bytes,
    peer: Option<IpAddr>,
) -> Response<Bytes> {
    let call = Call {
        auth,
        parts,
        body,
        client: crate::web::client(auth, peer, &parts.headers),
    };
    match endpoint {
        Endpoint::Native(endpoint) => native::handle(&call, endpoint).await,
        Endpoint::Directus(endpoint) => directus::handle(&call, endpoint).await,
    }
}

/// The error response of the endpoint's dialect (for failures before it
/// runs, such as an oversized body).
pub fn error(endpoint: Endpoint, err: &AuthError) -> Response<Bytes> {
    match endpoint {
        Endpoint::Native(_) => native::error(err),
        Endpoint::Directus(_) => directus::error(err),
    }
}

/// One request on its way through a dialect.
pub(crate) struct Call<'a> {
    pub(crate) auth: &'a Auth,
    pub(crate) parts: &'a Parts,
    pub(crate) body: &'a Bytes,
    pub(crate) client: Client,
}

impl Call<'_> {
    /// The layer's verdict when it ran; else authenticate (and check CSRF)
    /// here, as the layer would have.
    pub(crate) async fn state(&self) -> Result<AuthState, AuthError> {
        if let Some(state) = self.parts.extensions.get::<AuthState>() {
            return Ok(state.clone());
        }
        let parts = self.parts;
        admit(
            self.auth,
            &parts.method,
            &parts.uri,
            &parts.headers,
            self.client,
        )
        .await
    }

    /// Refuses a request from a foreign origin (see [`csrf`]): for requests
    /// that carry or set auth cookies.
    pub(crate) fn check_origin(&self) -> Result<(), AuthError> {
        let parts = self.parts;
        csrf::check(
            self.auth.config(),
            &parts.method,
            &parts.uri,
            &parts.headers,
        )
    }

    /// A path parameter: the non-empty segment `back` places before the
    /// last (0: the last), wherever the dialect is mounted.
    pub(crate) fn path_segment(&self, back: usize) -> Result<&str, AuthError> {
        self.parts
            .uri
            .path()
            .rsplit('/')
            .filter(|segment| !segment.is_empty())
            .nth(back)
            .ok_or(AuthError::NotFound)
    }

    /// A request header's value, trimmed; `None` when absent or blank.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        crate::web::header(&self.parts.headers, name)
    }
}
