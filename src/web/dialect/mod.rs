//! Wire formats. A dialect maps HTTP (paths, JSON field names, envelopes,
//! status codes, cookies) onto [`crate::Auth`] calls and back; it holds no
//! rule of its own. Each dialect is a module of its own that imports only
//! the web layer's shared leaves and the service, never another dialect;
//! this dispatcher is the one place that knows them all.

pub mod directus;
pub mod native;
pub mod v1;

use std::net::IpAddr;

use bytes::Bytes;
use http::HeaderValue;
use http::header::{CACHE_CONTROL, SET_COOKIE};
use http::request::Parts;
use http::{Method, Response};

use crate::error::AuthError;
use crate::service::Auth;
use crate::web::call::Call;
use crate::web::login_context::LoginContext;
use crate::web::{oauth_flow, peer};

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

/// A wire format a framework adapter can mount, and the format refusals
/// take on the routes it serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Dialect {
    /// portcullis's own envelope, served with the v1 token API.
    #[default]
    Native,
    /// Directus-compatible paths and shapes, for the Directus SDK.
    Directus,
}

impl Dialect {
    /// Every route of the dialect.
    pub fn routes(self) -> Vec<Route> {
        let route = |method: &Method, path, endpoint| Route {
            method: method.clone(),
            path,
            endpoint,
        };
        match self {
            Self::Native => native::ROUTES
                .iter()
                .map(|(m, p, e)| route(m, p, Endpoint::Native(*e)))
                .chain(
                    v1::ROUTES
                        .iter()
                        .map(|(m, p, e)| route(m, p, Endpoint::V1(*e))),
                )
                .chain([route(
                    &Method::GET,
                    "/auth/{provider}/callback",
                    Endpoint::OAuthCallback(self),
                )])
                .collect(),
            Self::Directus => directus::ROUTES
                .iter()
                .map(|(m, p, e)| route(m, p, Endpoint::Directus(*e)))
                .chain([route(
                    &Method::GET,
                    "/auth/login/{provider}/callback",
                    Endpoint::OAuthCallback(self),
                )])
                .collect(),
        }
    }

    /// The dialect's error response for an error: what a guard answers
    /// in front of the dialect's routes.
    pub fn error(self, err: &AuthError) -> Response<Bytes> {
        match self {
            Self::Native => native::error(err),
            Self::Directus => directus::error(err),
        }
    }
}

/// An endpoint of some dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Endpoint {
    /// Of the native dialect.
    Native(native::Endpoint),
    /// Of the v1 token API (served with the native dialect).
    V1(v1::Endpoint),
    /// Of the Directus dialect.
    Directus(directus::Endpoint),
    /// A provider's callback, on the path of this dialect. It finishes a
    /// login whichever dialect began it, so one redirect URI per provider
    /// serves both.
    OAuthCallback(Dialect),
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
        client: peer::client(auth, peer, &parts.headers),
    };
    let mut response = match endpoint {
        Endpoint::Native(endpoint) => native::handle(&call, endpoint).await,
        Endpoint::V1(endpoint) => v1::handle(&call, endpoint).await,
        Endpoint::Directus(endpoint) => directus::handle(&call, endpoint).await,
        Endpoint::OAuthCallback(path) => oauth_callback(&call, path).await,
    };
    // Every answer here is one user's (tokens, cookies, their account):
    // no cache, shared or private, may keep it.
    response
        .headers_mut()
        .entry(CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// The error response of the endpoint's dialect (for failures before it
/// runs, such as an oversized body).
pub fn error(endpoint: Endpoint, err: &AuthError) -> Response<Bytes> {
    match endpoint {
        Endpoint::Native(_) | Endpoint::OAuthCallback(Dialect::Native) => native::error(err),
        Endpoint::V1(endpoint) => v1::error(err, endpoint),
        Endpoint::Directus(_) | Endpoint::OAuthCallback(Dialect::Directus) => directus::error(err),
    }
}

/// A provider's callback: the login lands the way the dialect that began
/// it lands logins; an error before any login is found is in the format of
/// the path. The flow cookie is cleared whatever the outcome.
async fn oauth_callback(call: &Call<'_>, path: Dialect) -> Response<Bytes> {
    let (landing, clear) = oauth_flow::finish(call).await;
    let mut response = match landing {
        Ok(landing) => match LoginContext::parse(landing.context.as_deref()) {
            Some(LoginContext::Directus) => directus::oauth_landing(call, landing),
            _ => native::oauth_landing(call, landing)
                .await
                .unwrap_or_else(|err| native::error(&err)),
        },
        Err(err) => match path {
            Dialect::Native => native::error(&err),
            Dialect::Directus => directus::callback_error(&err),
        },
    };
    response.headers_mut().append(SET_COOKIE, clear);
    response
}
