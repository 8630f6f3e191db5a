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

use std::collections::BTreeMap;
use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError, web};
use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;

use crate::error::AuthError;
use crate::identity::Identity;
use crate::service::Auth;
use crate::web::dialect::{self, Dialect, Endpoint};
use crate::web::{AuthState, Requirement, admit, client, verdict};

impl Auth {
    /// Middleware that authenticates every request: `App::new().wrap(auth.actix_middleware())`.
    pub fn actix_middleware(&self) -> ActixAuth {
        ActixAuth {
            auth: self.clone(),
            requirement: None,
            format: Dialect::Native,
        }
    }

    /// A guard for resources that need a role: `.wrap(auth.actix_require_role("admin"))`.
    pub fn actix_require_role(&self, role: &str) -> ActixAuth {
        self.actix_guard(Requirement::Role(role.into()))
    }

    /// A guard for resources that need a second factor.
    pub fn actix_require_second_factor(&self) -> ActixAuth {
        self.actix_guard(Requirement::SecondFactor)
    }

    fn actix_guard(&self, requirement: Requirement) -> ActixAuth {
        ActixAuth {
            auth: self.clone(),
            requirement: Some(requirement),
            format: Dialect::Native,
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
fn parts(req: &HttpRequest) -> http::request::Parts {
    let mut headers = http::HeaderMap::new();
    for (name, value) in req.headers() {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_str().as_bytes()),
            http::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            headers.append(name, value);
        }
    }
    let (mut parts, ()) = http::Request::new(()).into_parts();
    // A method that does not convert counts as unsafe (CSRF-checked).
    parts.method =
        http::Method::from_bytes(req.method().as_str().as_bytes()).unwrap_or(http::Method::POST);
    parts.uri = req.uri().to_string().parse().unwrap_or_default();
    parts.headers = headers;
    parts
}

fn to_actix(response: http::Response<Bytes>) -> HttpResponse {
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

/// The middleware made by [`Auth::actix_middleware`] (authenticates) or by
/// the guard constructors (checks a [`Requirement`]).
#[derive(Clone)]
pub struct ActixAuth {
    auth: Auth,
    requirement: Option<Requirement>,
    format: Dialect,
}

impl ActixAuth {
    /// A guard answers refusals in the wire format of `dialect` (native by
    /// default): for guards in front of routes that speak it.
    pub fn refusing_as(mut self, dialect: Dialect) -> Self {
        self.format = dialect;
        self
    }
}

impl<S, B> Transform<S, ServiceRequest> for ActixAuth
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = ActixAuthService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ActixAuthService {
            inner: Rc::new(service),
            auth: self.auth.clone(),
            requirement: self.requirement.clone(),
            format: self.format,
        }))
    }
}

/// The service made by [`ActixAuth`].
pub struct ActixAuthService<S> {
    inner: Rc<S>,
    auth: Auth,
    requirement: Option<Requirement>,
    format: Dialect,
}

impl<S, B> Service<ServiceRequest> for ActixAuthService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(inner);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let (inner, auth, requirement, format) = (
            self.inner.clone(),
            self.auth.clone(),
            self.requirement.clone(),
            self.format,
        );
        Box::pin(async move {
            let verdict = match &requirement {
                None => {
                    let parts = parts(req.request());
                    let peer = req.peer_addr().map(|a| a.ip());
                    let client = client(&auth, peer, &parts.headers);
                    let state =
                        admit(&auth, &parts.method, &parts.uri, &parts.headers, client).await;
                    req.extensions_mut().insert(state);
                    Ok(())
                }
                Some(requirement) => match req.extensions().get::<AuthState>() {
                    Some(state) => verdict(state, requirement),
                    None => {
                        tracing::error!(
                            "an actix guard used without auth.actix_middleware() around it"
                        );
                        Err(AuthError::Unauthenticated)
                    }
                },
            };
            match verdict {
                Ok(()) => inner
                    .call(req)
                    .await
                    .map(ServiceResponse::map_into_left_body),
                Err(err) => Ok(req
                    .into_response(to_actix(format.error(&err)))
                    .map_into_right_body()),
            }
        })
    }
}
