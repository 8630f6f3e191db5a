//! [`ActixGuard`]: resources only for identities that meet a requirement.

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::HttpMessage;
use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use futures_util::future::{Either, LocalBoxFuture};

use super::to_actix;
use crate::error::AuthError;
use crate::web::dialect::Dialect;
use crate::web::{AuthState, Requirement, verdict};

/// Lets through only requests whose identity meets a [`Requirement`]: 401
/// without a valid identity, 403 when it falls short or the request was
/// refused (CSRF). It reads what `auth.actix_middleware()` (or a
/// verifier's middleware) found, so it needs no service of its own:
/// `.wrap(ActixGuard::role("admin"))`.
#[derive(Clone)]
pub struct ActixGuard {
    requirement: Requirement,
    format: Dialect,
}

impl ActixGuard {
    /// A guard for the requirement, answering in the native wire format.
    pub fn new(requirement: Requirement) -> Self {
        Self {
            requirement,
            format: Dialect::Native,
        }
    }

    /// A guard for a role.
    pub fn role(role: &str) -> Self {
        Self::new(Requirement::Role(role.into()))
    }

    /// Answers refusals in the wire format of `dialect`: for guards in
    /// front of routes that speak it.
    pub fn refusing_as(mut self, dialect: Dialect) -> Self {
        self.format = dialect;
        self
    }
}

impl<S, B> Transform<S, ServiceRequest> for ActixGuard
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = ActixGuardService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ActixGuardService {
            inner: Rc::new(service),
            requirement: self.requirement.clone(),
            format: self.format,
        }))
    }
}

/// The service made by [`ActixGuard`].
pub struct ActixGuardService<S> {
    inner: Rc<S>,
    requirement: Requirement,
    format: Dialect,
}

impl<S, B> Service<ServiceRequest> for ActixGuardService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = Either<
        Ready<Result<Self::Response, Self::Error>>,
        LocalBoxFuture<'static, Result<Self::Response, Self::Error>>,
    >;

    forward_ready!(inner);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let verdict = match req.extensions().get::<AuthState>() {
            Some(state) => verdict(state, &self.requirement),
            None => {
                // Fail closed: without the middleware there was no CSRF check.
                tracing::error!("an actix guard used without auth.actix_middleware() around it");
                Err(AuthError::Unauthenticated)
            }
        };
        match verdict {
            Ok(()) => {
                let inner = self.inner.clone();
                Either::Right(Box::pin(async move {
                    inner
                        .call(req)
                        .await
                        .map(ServiceResponse::map_into_left_body)
                }))
            }
            Err(err) => Either::Left(ready(Ok(req
                .into_response(to_actix(self.format.error(&err)))
                .map_into_right_body()))),
        }
    }
}
