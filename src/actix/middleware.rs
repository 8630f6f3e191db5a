//! [`ActixAuth`]: the middleware that authenticates every request.

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::HttpMessage;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use futures_util::future::LocalBoxFuture;

use super::parts;
use crate::service::Auth;
use crate::web::{admit, client};

/// The middleware made by [`Auth::actix_middleware`]: it records what the
/// request's credentials say (an `AuthState`) for the extractors, guards
/// and endpoints, and never answers by itself.
#[derive(Clone)]
pub struct ActixAuth {
    auth: Auth,
}

impl ActixAuth {
    pub(super) fn new(auth: Auth) -> Self {
        Self { auth }
    }
}

impl<S, B> Transform<S, ServiceRequest> for ActixAuth
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = ActixAuthService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ActixAuthService {
            inner: Rc::new(service),
            auth: self.auth.clone(),
        }))
    }
}

/// The service made by [`ActixAuth`].
pub struct ActixAuthService<S> {
    inner: Rc<S>,
    auth: Auth,
}

impl<S, B> Service<ServiceRequest> for ActixAuthService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(inner);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let (inner, auth) = (self.inner.clone(), self.auth.clone());
        Box::pin(async move {
            let parts = parts(req.request());
            let peer = req.peer_addr().map(|a| a.ip());
            let client = client(&auth, peer, &parts.headers);
            let state = admit(&auth, &parts.method, &parts.uri, &parts.headers, client).await;
            req.extensions_mut().insert(state);
            inner.call(req).await
        })
    }
}
