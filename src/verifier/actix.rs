//! The verifier as actix-web middleware.

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::HttpMessage;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use futures_util::future::LocalBoxFuture;

use super::Verifier;

impl Verifier {
    /// Middleware that verifies each request's bearer token:
    /// `App::new().wrap(verifier.actix_middleware())`; `Identity` and the
    /// actix guards read what it found.
    pub fn actix_middleware(&self) -> VerifierMiddleware {
        VerifierMiddleware(self.clone())
    }
}

/// The middleware made by [`Verifier::actix_middleware`].
#[derive(Clone)]
pub struct VerifierMiddleware(Verifier);

impl<S, B> Transform<S, ServiceRequest> for VerifierMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = VerifierMiddlewareService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(VerifierMiddlewareService {
            inner: Rc::new(service),
            verifier: self.0.clone(),
        }))
    }
}

/// The service made by [`VerifierMiddleware`].
pub struct VerifierMiddlewareService<S> {
    inner: Rc<S>,
    verifier: Verifier,
}

impl<S, B> Service<ServiceRequest> for VerifierMiddlewareService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(inner);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let (inner, verifier) = (self.inner.clone(), self.verifier.clone());
        Box::pin(async move {
            let headers = crate::actix::http_headers(req.headers());
            let state = verifier.state(&headers).await;
            req.extensions_mut().insert(state);
            inner.call(req).await
        })
    }
}
