//! Wire formats. A dialect maps HTTP (paths, JSON field names, envelopes,
//! status codes, cookies) onto [`crate::Auth`] calls and back; it holds no
//! rule of its own.

pub mod native;
pub mod v1;

use bytes::Bytes;
use http::Method;
use http::request::Parts;

use crate::error::AuthError;
use crate::service::{Auth, Client};
use crate::web::{AuthState, Carrier, Check, authenticate, authenticate_pair, csrf};

/// One endpoint of a dialect: method, path (relative to where the dialect is
/// mounted) and what it does. Framework adapters register these.
#[derive(Debug, Clone)]
pub struct Route {
    /// The HTTP method.
    pub method: Method,
    /// The path, such as `/auth/login`.
    pub path: &'static str,
    /// The endpoint that answers.
    pub endpoint: native::Endpoint,
}

/// One request on its way through a dialect.
pub(crate) struct Call<'a> {
    pub(crate) auth: &'a Auth,
    pub(crate) parts: &'a Parts,
    pub(crate) body: &'a Bytes,
    pub(crate) client: Client,
}

impl Call<'_> {
    /// The layer's verdict when it ran; else authenticate (and check CSRF)
    /// here, as the layer would have.
    pub(crate) async fn state(&self) -> Result<AuthState, AuthError> {
        if let Some(state) = self.parts.extensions.get::<AuthState>() {
            return Ok(state.clone());
        }
        match authenticate(self.auth, &self.parts.headers) {
            Check::Ready(state, carrier) => {
                if carrier == Carrier::Cookie {
                    csrf::check(
                        self.auth.config(),
                        &self.parts.method,
                        &self.parts.uri,
                        &self.parts.headers,
                    )?;
                }
                Ok(state)
            }
            Check::TokenPair { app, user } => {
                Ok(authenticate_pair(self.auth, &app, &user, self.client).await)
            }
        }
    }

    /// A request header's value, trimmed; `None` when absent or blank.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        crate::web::header(&self.parts.headers, name)
    }
}
