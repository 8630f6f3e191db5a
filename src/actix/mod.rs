//! The actix-web adapter (feature `actix-web`): the same endpoints, the
//! same authentication and the same guards as the axum adapter, as a thin
//! translation onto the framework-agnostic [`crate::web`] layer.
//!
//! ```no_run
//! use actix_web::{App, HttpServer, web};
//! use portcullis::actix::MaybeIdentity;
//! use portcullis::{Auth, AuthConfig, Identity, store::MemoryStore};
//!
//! async fn hello(identity: Identity) -> String {
//!     format!("hello, user {}", identity.user_id)
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let auth = Auth::builder(AuthConfig::new(vec![7; 32])).store(MemoryStore::new()).build()?;
//! let app_auth = auth.clone();
//! HttpServer::new(move || {
//!     App::new()
//!         .wrap(app_auth.actix_middleware())
//!         .route("/hello", web::get().to(hello))
//!         .service(
//!             web::resource("/admin")
//!                 .wrap(app_auth.actix_require_role("admin"))
//!                 .to(|| async { "for admins" }),
//!         )
//!         .service(web::scope("/api").configure(app_auth.actix_routes()))
//! })
//! .bind(("127.0.0.1", 3000))?
//! .run()
//! .await?;
//! # Ok(()) }
//! ```
//!
//! actix's own `Option<T>` extractor turns any failure into `None`; use
//! [`MaybeIdentity`] for "anonymous is fine, but an expired token is 401",
//! as `Option<Identity>` means in axum.

mod guard;
mod middleware;

use std::collections::BTreeMap;
use std::future::{Ready, ready};

use actix_web::body::BoxBody;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError, web};
use bytes::Bytes;
use futures_util::StreamExt;

use crate::error::AuthError;
use crate::identity::Identity;
use crate::service::Auth;
use crate::web::dialect::{self, Dialect, Endpoint};
use crate::web::{AuthState, Requirement};

pub use guard::{ActixGuard, ActixGuardService};
pub use middleware::{ActixAuth, ActixAuthService};

impl Auth {
    /// Middleware that authenticates every request: `App::new().wrap(auth.actix_middleware())`.
    pub fn actix_middleware(&self) -> ActixAuth {
        ActixAuth::new(self.clone())
    }

    /// A guard for resources that need a role: `.wrap(auth.actix_require_role("admin"))`.
    pub fn actix_require_role(&self, role: &str) -> ActixGuard {
        ActixGuard::new(Requirement::Role(role.into()))
    }

    /// A guard for resources that need a second factor.
    pub fn actix_require_second_factor(&self) -> ActixGuard {
        ActixGuard::new(Requirement::SecondFactor)
    }

    /// `GET /.well-known/jwks.json`, the public keys of access tokens, at
    /// the root of the origin: `App::new().configure(auth.actix_well_known())`.
    pub fn actix_well_known(&self) -> impl Fn(&mut web::ServiceConfig) + Clone + 'static {
        let auth = self.clone();
        move |config: &mut web::ServiceConfig| {
            let auth = auth.clone();
            config.route(
                "/.well-known/jwks.json",
                web::get().to(move || {
                    let auth = auth.clone();
                    async move { to_actix(crate::web::jwks_response(&auth)) }
                }),
            );
        }
    }

    /// Every endpoint of the native dialect:
    /// `web::scope("/api").configure(auth.actix_routes())`.
    pub fn actix_routes(&self) -> impl Fn(&mut web::ServiceConfig) + Clone + 'static {
        self.actix_dialect_routes(Dialect::Native)
    }

    /// The Directus-compatible endpoints:
    /// `web::scope("/directus").configure(auth.actix_directus_routes())`.
    pub fn actix_directus_routes(&self) -> impl Fn(&mut web::ServiceConfig) + Clone + 'static {
        self.actix_dialect_routes(Dialect::Directus)
    }

    fn actix_dialect_routes(
        &self,
        dialect: Dialect,
    ) -> impl Fn(&mut web::ServiceConfig) + Clone + 'static {
        let auth = self.clone();
        move |config: &mut web::ServiceConfig| {
            // One resource per path, so that a wrong method is 405 with `Allow`.
            let routes = dialect.routes();
            let mut paths: BTreeMap<&str, Vec<&crate::web::dialect::Route>> = BTreeMap::new();
            for route in &routes {
                paths.entry(route.path).or_default().push(route);
            }
            for (path, routes) in paths {
                // As axum does: a GET route answers HEAD too, and `Allow` says so.
                let mut methods: Vec<&str> = routes.iter().map(|r| r.method.as_str()).collect();
                if methods.contains(&"GET") {
                    methods.push("HEAD");
                }
                let allow = methods.join(",");
                let mut resource = web::resource(path).default_service(web::to(move || {
                    let allow = allow.clone();
                    async move {
                        HttpResponse::MethodNotAllowed()
                            .insert_header(("allow", allow))
                            .finish()
                    }
                }));
                let served = routes.iter().flat_map(|route| {
                    let head = (route.method == http::Method::GET).then_some("HEAD");
                    [Some(route.method.as_str()), head]
                        .into_iter()
                        .flatten()
                        .map(move |m| (m, route.endpoint))
                });
                for (method, endpoint) in served {
                    let Ok(method) = actix_web::http::Method::from_bytes(method.as_bytes()) else {
                        continue;
                    };
                    let auth = auth.clone();
                    resource = resource.route(web::method(method).to(
                        move |req: HttpRequest, body: web::Payload| {
                            let auth = auth.clone();
                            async move { answer(&auth, endpoint, req, body).await }
                        },
                    ));
                }
                config.service(resource);
            }
        }
    }
}

async fn answer(
    auth: &Auth,
    endpoint: Endpoint,
    req: HttpRequest,
    mut body: web::Payload,
) -> HttpResponse {
    let limit = auth.config().web.body_limit;
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(chunk) if bytes.len() + chunk.len() <= limit => bytes.extend_from_slice(&chunk),
            Ok(_) => return to_actix(dialect::error(endpoint, &AuthError::PayloadTooLarge)),
            Err(_) => {
                return to_actix(dialect::error(
                    endpoint,
                    &AuthError::invalid(crate::error::Field::Body, crate::error::Rule::Unreadable),
                ));
            }
        }
    }
    let mut parts = parts(&req);
    if let Some(state) = req.extensions().get::<AuthState>() {
        parts.extensions.insert(state.clone());
    }
    let peer = req.peer_addr().map(|a| a.ip());
    to_actix(dialect::handle(auth, endpoint, &parts, &bytes.freeze(), peer).await)
}

/// The request line and headers in `http` 1.x types (actix-web 4 is on `http` 0.2).
pub(crate) fn parts(req: &HttpRequest) -> http::request::Parts {
    let headers = http_headers(req.headers());
    let (mut parts, ()) = http::Request::new(()).into_parts();
    // A method that does not convert counts as unsafe (CSRF-checked).
    parts.method =
        http::Method::from_bytes(req.method().as_str().as_bytes()).unwrap_or(http::Method::POST);
    parts.uri = req.uri().to_string().parse().unwrap_or_default();
    parts.headers = headers;
    parts
}

/// actix-web's headers as `http` 1.x headers.
pub(crate) fn http_headers(actix: &actix_web::http::header::HeaderMap) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    for (name, value) in actix {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_str().as_bytes()),
            http::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            headers.append(name, value);
        }
    }
    headers
}

pub(crate) fn to_actix(response: http::Response<Bytes>) -> HttpResponse {
    let (parts, body) = response.into_parts();
    let status = actix_web::http::StatusCode::from_u16(parts.status.as_u16())
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = HttpResponse::build(status);
    for (name, value) in &parts.headers {
        out.append_header((name.as_str(), value.as_bytes()));
    }
    out.body(body)
}

impl ResponseError for AuthError {
    fn status_code(&self) -> actix_web::http::StatusCode {
        actix_web::http::StatusCode::from_u16(self.status().as_u16())
            .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        to_actix(Dialect::Native.error(self))
    }
}

fn state(req: &HttpRequest) -> Result<AuthState, AuthError> {
    req.extensions().get::<AuthState>().cloned().ok_or_else(|| {
        tracing::error!("Identity extractor used without auth.actix_middleware() on the app");
        AuthError::Unauthenticated
    })
}

/// The signed-in identity; answers 401 (native shape) when there is none.
impl FromRequest for Identity {
    type Error = AuthError;
    type Future = Ready<Result<Self, AuthError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(state(req).and_then(|s| s.identity().cloned()))
    }
}

/// `None` for anonymous requests; presented but invalid credentials (an
/// expired token, say) still answer 401, so that clients know to refresh.
#[derive(Debug, Clone)]
pub struct MaybeIdentity(pub Option<Identity>);

impl FromRequest for MaybeIdentity {
    type Error = AuthError;
    type Future = Ready<Result<Self, AuthError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(state(req).and_then(|state| match state {
            AuthState::Anonymous => Ok(Self(None)),
            other => other.identity().cloned().map(|i| Self(Some(i))),
        }))
    }
}
