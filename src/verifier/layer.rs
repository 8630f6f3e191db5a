//! [`VerifierLayer`]: bearer tokens checked by a [`Verifier`], for tower.

use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use http::Request;
use tower_layer::Layer;
use tower_service::Service;

use super::Verifier;
use crate::web::AuthState;

/// Verifies each request's `Authorization: Bearer` token and stores the
/// [`AuthState`] in its extensions, as the service's own `AuthLayer` does:
/// the `Identity` extractor and guards read it. It never answers by
/// itself.
#[derive(Clone)]
pub struct VerifierLayer {
    verifier: Verifier,
}

impl VerifierLayer {
    /// The layer for a verifier.
    pub fn new(verifier: Verifier) -> Self {
        Self { verifier }
    }
}

impl<S> Layer<S> for VerifierLayer {
    type Service = VerifierService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        VerifierService {
            verifier: self.verifier.clone(),
            inner,
        }
    }
}

/// The service made by [`VerifierLayer`].
#[derive(Clone)]
pub struct VerifierService<S> {
    verifier: Verifier,
    inner: S,
}

impl<S, B> Service<Request<B>> for VerifierService<S>
where
    S: Service<Request<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        // Take the ready inner service along and leave a fresh clone behind.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let verifier = self.verifier.clone();
        Box::pin(async move {
            let state = verifier.state(req.headers()).await;
            req.extensions_mut().insert(state);
            inner.call(req).await
        })
    }
}

impl Verifier {
    /// What a request's bearer token says.
    pub(crate) async fn state(&self, headers: &http::HeaderMap) -> AuthState {
        match crate::web::bearer_token(headers) {
            None => AuthState::Anonymous,
            Some(token) => match self.verify(token).await {
                Ok(identity) => AuthState::Authenticated(identity),
                Err(err) => AuthState::Rejected(err),
            },
        }
    }
}
