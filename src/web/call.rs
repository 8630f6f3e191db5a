//! [`Call`]: one request on its way through a dialect.

use std::time::Duration;

use bytes::Bytes;
use http::HeaderValue;
use http::request::Parts;

use super::cookies::{self, Jar};
use super::credentials::{admit, header};
use super::{AuthState, csrf};
use crate::error::AuthError;
use crate::service::{Auth, Client};

/// One request on its way through a dialect: the service, the request line
/// and headers, the body read so far, and the client.
pub(crate) struct Call<'a> {
    pub(crate) auth: &'a Auth,
    pub(crate) parts: &'a Parts,
    pub(crate) body: &'a Bytes,
    pub(crate) client: Client,
}

impl Call<'_> {
    /// The layer's verdict when it ran; else authenticate here, as the
    /// layer would have.
    pub(crate) async fn state(&self) -> AuthState {
        if let Some(state) = self.parts.extensions.get::<AuthState>() {
            return state.clone();
        }
        let parts = self.parts;
        admit(
            self.auth,
            &parts.method,
            &parts.uri,
            &parts.headers,
            self.client,
        )
        .await
    }

    /// Refuses a request from a foreign origin (see [`csrf`]): for requests
    /// that set auth cookies before any exists.
    pub(crate) fn check_origin(&self) -> Result<(), AuthError> {
        let parts = self.parts;
        csrf::check(
            self.auth.config(),
            &parts.method,
            &parts.uri,
            &parts.headers,
        )
    }

    /// A path parameter: the non-empty segment `back` places before the
    /// last (0: the last), wherever the dialect is mounted.
    pub(crate) fn path_segment(&self, back: usize) -> Result<&str, AuthError> {
        self.parts
            .uri
            .path()
            .rsplit('/')
            .filter(|segment| !segment.is_empty())
            .nth(back)
            .ok_or(AuthError::NotFound)
    }

    /// A request header's value, trimmed; `None` when absent or blank.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        header(&self.parts.headers, name)
    }

    /// The first value of a query parameter, trimmed; `None` when blank.
    pub(crate) fn query(&self, name: &str) -> Option<String> {
        let query = self.parts.uri.query()?;
        form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// The value of a request cookie.
    pub(crate) fn cookie(&self, name: &str) -> Option<String> {
        cookies::read(&self.parts.headers, name)
    }

    /// The value of one of the native cookies.
    pub(crate) fn jar(&self, jar: Jar) -> Option<String> {
        cookies::read_jar(&self.parts.headers, &self.auth.config().web.cookies, jar)
    }

    /// Sets one of the native cookies, scoped from this request's path.
    pub(crate) fn set_jar(&self, jar: Jar, value: &str, max_age: Duration) -> HeaderValue {
        let config = &self.auth.config().web.cookies;
        cookies::set_jar(config, jar, value, max_age, self.parts.uri.path())
    }

    /// Deletes one of the native cookies.
    pub(crate) fn clear_jar(&self, jar: Jar) -> HeaderValue {
        let config = &self.auth.config().web.cookies;
        cookies::clear_jar(config, jar, self.parts.uri.path())
    }
}
