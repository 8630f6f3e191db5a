//! Tower middleware: [`AuthLayer`] authenticates every request, and
//! [`GuardLayer`] guards routes by role or by second factor. Both work with any
//! `http`-based framework built on tower (axum, tonic, hyper services).

use std::net::IpAddr;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::future::{BoxFuture, Either, Ready, ready};
use http::{Request, Response};
use tower_layer::Layer;
use tower_service::Service;

use super::credentials::{Check, ask_store, authenticate, authenticate_pair};
use super::dialect::Dialect;
use super::peer::{PeerReader, client, peer_addr};
use super::state::AuthState;
use crate::error::AuthError;
use crate::service::Auth;

/// Authenticates each request and stores the [`AuthState`] in its extensions.
///
/// A bearer or cookie access token is verified locally (a JWT signature
/// check, no store round-trip); an `App-Token` + `Token` pair is checked
/// against the store. The layer never answers by itself: invalid
/// credentials and CSRF refusals are recorded, and the endpoint, guard or
/// extractor the request reaches answers in its own wire format (public
/// routes still answer invalid credentials as anonymous ones).
///
/// The per-IP throttles need the client's address: the layer asks its
/// [`PeerReader`] (by default, the [`PeerAddr`](super::PeerAddr) extension).
#[derive(Clone)]
pub struct AuthLayer {
    auth: Auth,
    peer: PeerReader,
}

impl AuthLayer {
    /// The layer for a service; it reads peers from the `PeerAddr` extension.
    pub fn new(auth: Auth) -> Self {
        Self {
            auth,
            peer: peer_addr,
        }
    }

    /// Reads each request's TCP peer with `reader` instead.
    pub fn peer_address(mut self, reader: PeerReader) -> Self {
        self.peer = reader;
        self
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            auth: self.auth.clone(),
            peer: self.peer,
            inner,
        }
    }
}

/// The service made by [`AuthLayer`].
#[derive(Clone)]
pub struct AuthService<S> {
    auth: Auth,
    peer: PeerReader,
    inner: S,
}

impl<S, B> Service<Request<B>> for AuthService<S>
where
    S: Service<Request<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Either<S::Future, BoxFuture<'static, Result<S::Response, S::Error>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        match authenticate(&self.auth, req.method(), req.uri(), req.headers()) {
            Check::Ready(state) => {
                req.extensions_mut().insert(state);
                Either::Left(self.inner.call(req))
            }
            Check::AskStore(identity) => {
                let clone = self.inner.clone();
                let mut inner = std::mem::replace(&mut self.inner, clone);
                let auth = self.auth.clone();
                Either::Right(Box::pin(async move {
                    let state = ask_store(&auth, identity).await;
                    req.extensions_mut().insert(state);
                    inner.call(req).await
                }))
            }
            Check::TokenPair { app, user } => {
                // The store decides: take the ready inner service along and
                // leave a fresh clone behind (the tower idiom).
                let clone = self.inner.clone();
                let mut inner = std::mem::replace(&mut self.inner, clone);
                let auth = self.auth.clone();
                let peer: Option<IpAddr> = (self.peer)(req.extensions());
                Either::Right(Box::pin(async move {
                    let client = client(&auth, peer, req.headers());
                    let state = authenticate_pair(&auth, &app, &user, client).await;
                    req.extensions_mut().insert(state);
                    inner.call(req).await
                }))
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
    /// The user proved a second factor when signing in (`amr` has `otp`,
    /// `recovery` or `hwk`): for sensitive routes.
    SecondFactor,
}

/// Lets through only requests whose identity meets a [`Requirement`]: 401
/// without a valid identity, 403 when it falls short or the layer refused
/// the request (CSRF). Put it on the routes it guards (`route_layer` in
/// axum), inside an [`AuthLayer`]. It answers in the native wire format
/// unless told another ([`refusing_as`](Self::refusing_as)).
#[derive(Clone)]
pub struct GuardLayer {
    requirement: Requirement,
    format: Dialect,
}

impl GuardLayer {
    /// A guard for the requirement.
    pub fn new(requirement: Requirement) -> Self {
        Self {
            requirement,
            format: Dialect::Native,
        }
    }

    /// Answers refusals in the wire format of `dialect`: for guards in
    /// front of routes that speak it.
    pub fn refusing_as(mut self, dialect: Dialect) -> Self {
        self.format = dialect;
        self
    }
}

impl<S> Layer<S> for GuardLayer {
    type Service = Guard<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Guard {
            requirement: self.requirement.clone(),
            format: self.format,
            inner,
        }
    }
}

/// The service made by [`GuardLayer`].
#[derive(Clone)]
pub struct Guard<S> {
    requirement: Requirement,
    format: Dialect,
    inner: S,
}

type Refusal<R, E> = Ready<Result<R, E>>;

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
            Err(err) => Either::Left(ready(Ok(self.format.error(&err).map(RB::from)))),
        }
    }
}

/// Whether a request's state meets the requirement, else the refusal.
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

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]

    use std::task::Waker;

    use super::*;
    use crate::AuthConfig;
    use crate::store::MemoryStore;

    /// A service with no room for another request, as a concurrency limit
    /// at its bound is.
    #[derive(Clone)]
    struct Full;

    impl Service<Request<()>> for Full {
        type Response = Response<Bytes>;
        type Error = AuthError;
        type Future = Ready<Result<Response<Bytes>, AuthError>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), AuthError>> {
            Poll::Pending
        }

        fn call(&mut self, _: Request<()>) -> Self::Future {
            ready(Ok(Response::default()))
        }
    }

    #[tokio::test]
    async fn both_layers_wait_while_the_service_they_wrap_is_full() {
        let auth = Auth::builder(AuthConfig::new(vec![7; 32]))
            .store(MemoryStore::new())
            .build()
            .expect("an auth service");
        let mut context = Context::from_waker(Waker::noop());
        let mut authenticated = AuthLayer::new(auth).layer(Full);
        assert!(
            authenticated.poll_ready(&mut context).is_pending(),
            "back-pressure passes through the AuthLayer"
        );
        let mut guarded = GuardLayer::new(Requirement::SecondFactor).layer(Full);
        assert!(
            guarded.poll_ready(&mut context).is_pending(),
            "and through a GuardLayer"
        );
    }
}
