//! Tower middleware: [`AuthLayer`] authenticates every request, and
//! [`GuardLayer`] guards routes by role or by second factor. Both work with any
//! `http`-based framework built on tower (axum, tonic, hyper services).

use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::future::{BoxFuture, Either, Ready, ready};
use http::{Request, Response};
use tower_layer::Layer;
use tower_service::Service;

use super::dialect::native;
use super::{AuthState, Carrier, Check, authenticate, authenticate_pair, client, csrf, peer_ip};
use crate::error::AuthError;
use crate::service::Auth;

/// Authenticates each request and stores the [`AuthState`] in its extensions.
///
/// A bearer or cookie access token is verified locally (a JWT signature
/// check, no store round-trip); an `App-Token` + `Token` pair is checked
/// against the store.
/// Invalid credentials do not stop the request here: public routes still
/// answer, and protected ones refuse through the extractor or a guard. The
/// one refusal is CSRF: a cookie-authenticated unsafe request from a foreign
/// origin gets 403 at once.
#[derive(Clone)]
pub struct AuthLayer {
    auth: Auth,
}

impl AuthLayer {
    /// The layer for a service.
    pub fn new(auth: Auth) -> Self {
        Self { auth }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            auth: self.auth.clone(),
            inner,
        }
    }
}

/// The service made by [`AuthLayer`].
#[derive(Clone)]
pub struct AuthService<S> {
    auth: Auth,
    inner: S,
}

type Refusal<R, E> = Ready<Result<R, E>>;

impl<S, B, RB> Service<Request<B>> for AuthService<S>
where
    S: Service<Request<B>, Response = Response<RB>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
    RB: From<Bytes>,
{
    type Response = Response<RB>;
    type Error = S::Error;
    type Future = Either<
        Refusal<Self::Response, S::Error>,
        Either<S::Future, BoxFuture<'static, Result<Response<RB>, S::Error>>>,
    >;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        match authenticate(&self.auth, req.headers()) {
            Check::Ready(state, carrier) => {
                if carrier == Carrier::Cookie
                    && let Err(err) =
                        csrf::check(self.auth.config(), req.method(), req.uri(), req.headers())
                {
                    return Either::Left(ready(Ok(native::error(&err).map(RB::from))));
                }
                req.extensions_mut().insert(state);
                Either::Right(Either::Left(self.inner.call(req)))
            }
            Check::TokenPair { app, user } => {
                // The store decides: take the ready inner service along and
                // leave a fresh clone behind (the tower idiom).
                let clone = self.inner.clone();
                let mut inner = std::mem::replace(&mut self.inner, clone);
                let auth = self.auth.clone();
                Either::Right(Either::Right(Box::pin(async move {
                    let client = client(&auth, peer_ip(req.extensions()), req.headers());
                    let state = authenticate_pair(&auth, &app, &user, client).await;
                    req.extensions_mut().insert(state);
                    inner.call(req).await
                })))
            }
        }
    }
}

/// What a [`GuardLayer`] demands of a request's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Requirement {
    /// The identity holds this role id.
    Role(Arc<str>),
    /// The user proved a second factor when signing in (`amr` has `otp` or
    /// `recovery`): for sensitive routes.
    SecondFactor,
}

/// Lets through only requests whose identity meets a [`Requirement`]: 401
/// without a valid identity, 403 when it falls short. Put it on the routes
/// it guards (`route_layer` in axum), inside an [`AuthLayer`].
#[derive(Clone)]
pub struct GuardLayer {
    requirement: Requirement,
}

impl GuardLayer {
    /// A guard for the requirement.
    pub fn new(requirement: Requirement) -> Self {
        Self { requirement }
    }
}

impl<S> Layer<S> for GuardLayer {
    type Service = Guard<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Guard {
            requirement: self.requirement.clone(),
            inner,
        }
    }
}

/// The service made by [`GuardLayer`].
#[derive(Clone)]
pub struct Guard<S> {
    requirement: Requirement,
    inner: S,
}

impl<S, B, RB> Service<Request<B>> for Guard<S>
where
    S: Service<Request<B>, Response = Response<RB>>,
    RB: From<Bytes>,
{
    type Response = Response<RB>;
    type Error = S::Error;
    type Future = Either<Refusal<Self::Response, S::Error>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let verdict = match req.extensions().get::<AuthState>() {
            Some(state) => verdict(state, &self.requirement),
            None => {
                // Fail closed: without the AuthLayer there was no CSRF check.
                tracing::error!("GuardLayer used without an AuthLayer around it");
                Err(AuthError::Unauthenticated)
            }
        };
        match verdict {
            Ok(()) => Either::Right(self.inner.call(req)),
            Err(err) => Either::Left(ready(Ok(native::error(&err).map(RB::from)))),
        }
    }
}

pub(crate) fn verdict(state: &AuthState, requirement: &Requirement) -> Result<(), AuthError> {
    let identity = state.identity()?;
    let met = match requirement {
        Requirement::Role(role) => identity.has_role(role),
        Requirement::SecondFactor => identity.has_second_factor(),
    };
    if met {
        Ok(())
    } else {
        Err(AuthError::Forbidden(match requirement {
            Requirement::Role(_) => "this route needs another role",
            Requirement::SecondFactor => {
                "this route needs a second factor: sign in with a one-time code"
            }
        }))
    }
}
