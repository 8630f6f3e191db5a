//! The axum adapter (feature `axum`): the endpoints as a [`Router`], the
//! layer, and extractors for the signed-in identity.
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use portcullis::{Auth, AuthConfig, Identity, store::MemoryStore};
//!
//! async fn hello(identity: Identity) -> String {
//!     format!("hello, user {}", identity.user_id)
//! }
//!
//! async fn admin_only() -> &'static str {
//!     "for admins"
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let auth = Auth::builder(AuthConfig::new(vec![7; 32])).store(MemoryStore::new()).build()?;
//! let app: Router = Router::new()
//!     .route("/hello", get(hello))
//!     .route("/admin", get(admin_only).route_layer(auth.require_role("admin")))
//!     .nest("/api", auth.routes())
//!     .layer(auth.layer());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! // ConnectInfo gives the per-IP login throttle the client's address.
//! axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await?;
//! # Ok(()) }
//! ```

use std::net::{IpAddr, SocketAddr};

use axum::Router;
use axum::body::Body;
use axum::extract::{
    ConnectInfo, FromRequestParts, OptionalFromRequestParts, OriginalUri, Request,
};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, on};
use http::request::Parts;

use crate::error::AuthError;
use crate::identity::Identity;
use crate::service::Auth;
use crate::web::dialect::{self, Dialect, Endpoint};
use crate::web::{AuthLayer, AuthState, GuardLayer, Requirement, peer_addr, read_body};

impl Auth {
    /// Every endpoint of the native dialect, to [`Router::nest`] under a
    /// prefix such as `/api`.
    pub fn routes<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        self.dialect_routes(Dialect::Native)
    }

    /// The Directus-compatible endpoints, for apps that use the Directus
    /// SDK: `.nest("/directus", auth.directus_routes())`.
    pub fn directus_routes<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        self.dialect_routes(Dialect::Directus)
    }

    fn dialect_routes<S: Clone + Send + Sync + 'static>(&self, dialect: Dialect) -> Router<S> {
        dialect
            .routes()
            .into_iter()
            .fold(Router::new(), |router, route| {
                let Ok(filter) = MethodFilter::try_from(route.method.clone()) else {
                    return router;
                };
                let (auth, endpoint) = (self.clone(), route.endpoint);
                router.route(
                    route.path,
                    on(filter, move |req: Request| {
                        let auth = auth.clone();
                        async move { answer(&auth, endpoint, req).await }
                    }),
                )
            })
    }

    /// `GET /.well-known/jwks.json`, the public keys of access tokens, to
    /// merge at the root of the origin: `.merge(auth.well_known_routes())`.
    pub fn well_known_routes<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        let auth = self.clone();
        Router::new().route(
            "/.well-known/jwks.json",
            axum::routing::get(move || {
                let auth = auth.clone();
                async move { crate::web::jwks_response(&auth).map(Body::from) }
            }),
        )
    }

    /// The layer that authenticates every request (see [`AuthLayer`]); it
    /// finds the client's address in axum's `ConnectInfo<SocketAddr>`
    /// (serve with `into_make_service_with_connect_info`) or a
    /// [`PeerAddr`](crate::web::PeerAddr) extension.
    pub fn layer(&self) -> AuthLayer {
        AuthLayer::new(self.clone()).peer_address(peer_ip)
    }

    /// A guard for routes that need a role: `route_layer(auth.require_role("admin"))`.
    pub fn require_role(&self, role: &str) -> GuardLayer {
        GuardLayer::new(Requirement::Role(role.into()))
    }

    /// A guard for routes that need a second factor (the session began with
    /// a TOTP or recovery code): `route_layer(auth.require_second_factor())`.
    pub fn require_second_factor(&self) -> GuardLayer {
        GuardLayer::new(Requirement::SecondFactor)
    }
}

/// The peer address that `into_make_service_with_connect_info` recorded,
/// else a `PeerAddr` extension.
fn peer_ip(extensions: &http::Extensions) -> Option<IpAddr> {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .or_else(|| peer_addr(extensions))
}

async fn answer(auth: &Auth, endpoint: Endpoint, req: Request) -> Response {
    let (mut parts, body) = req.into_parts();
    // `nest` strips its prefix from the URI; cookies are scoped by the
    // path the client asked for.
    if let Some(OriginalUri(asked)) = parts.extensions.get::<OriginalUri>() {
        parts.uri = asked.clone();
    }
    let peer = peer_ip(&parts.extensions);
    let response = match read_body(body, auth.config().web.body_limit).await {
        Ok(bytes) => dialect::handle(auth, endpoint, &parts, &bytes, peer).await,
        Err(err) => dialect::error(endpoint, &err),
    };
    response.map(Body::from)
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        Dialect::Native.error(&self).map(Body::from)
    }
}

fn state(parts: &Parts) -> Result<&AuthState, AuthError> {
    parts.extensions.get::<AuthState>().ok_or_else(|| {
        tracing::error!("Identity extractor used without auth.layer() on the router");
        AuthError::Unauthenticated
    })
}

/// The signed-in identity; answers 401 (native shape) when there is none.
impl<S: Send + Sync> FromRequestParts<S> for Identity {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        state(parts)?.identity().cloned()
    }
}

/// `Option<Identity>`: `None` for anonymous requests; presented but invalid
/// credentials (an expired token, say) still answer 401, so that clients
/// know to refresh.
impl<S: Send + Sync> OptionalFromRequestParts<S> for Identity {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        match state(parts)? {
            AuthState::Anonymous => Ok(None),
            other => other.identity().cloned().map(Some),
        }
    }
}
