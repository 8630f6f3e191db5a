//! Reading a request's credentials: a bearer token, an `App-Token` +
//! `Token` pair, or the auth cookies, and refusing cookie-authenticated
//! unsafe requests from foreign origins.

use http::HeaderMap;

use super::cookies::Jar;
use super::{AuthState, cookies, csrf};
use crate::identity::Identity;
use crate::service::{Auth, Client, Verdict};

/// What authenticating a request takes.
pub(crate) enum Check {
    /// Settled from the headers alone (no store round-trip).
    Ready(AuthState),
    /// A valid access token that the store must vouch for (strict
    /// sessions while the revocation channel is lost).
    AskStore(Identity),
    /// An `App-Token` + `Token` pair: settled by [`Auth::authenticate_tokens`].
    TokenPair {
        /// The `App-Token` header.
        app: String,
        /// The `Token` header.
        user: String,
    },
}

/// Reads a request's credentials. Precedence: a bearer token, then an
/// `App-Token` + `Token` pair, then the auth cookies. Headers a browser
/// never adds by itself are immune to CSRF; a cookie-authenticated unsafe
/// request from a foreign origin is [`AuthState::Refused`].
pub(crate) fn authenticate(
    auth: &Auth,
    method: &http::Method,
    uri: &http::Uri,
    headers: &HeaderMap,
) -> Check {
    let token_state = |token: &str| match auth.verdict(token) {
        Verdict::Settled(Ok(identity)) => Check::Ready(AuthState::Authenticated(identity)),
        Verdict::Settled(Err(err)) => Check::Ready(AuthState::Rejected(err)),
        Verdict::AskStore(identity) => Check::AskStore(identity),
    };
    if let Some(token) = bearer_token(headers) {
        return token_state(token);
    }
    if let (Some(app), Some(user)) = (header(headers, "app-token"), header(headers, "token")) {
        return Check::TokenPair {
            app: app.to_owned(),
            user: user.to_owned(),
        };
    }
    let jar = &auth.config().web.cookies;
    let access = cookies::read_jar(headers, jar, Jar::Access);
    if access.is_none() && cookies::read_jar(headers, jar, Jar::Refresh).is_none() {
        return Check::Ready(AuthState::Anonymous);
    }
    if let Err(err) = csrf::check(auth.config(), method, uri, headers) {
        return Check::Ready(AuthState::Refused(err));
    }
    match access {
        Some(token) => token_state(&token),
        None => Check::Ready(AuthState::Anonymous),
    }
}

/// Everything the layer does for one request, as one call for adapters that
/// are asynchronous anyway.
pub(crate) async fn admit(
    auth: &Auth,
    method: &http::Method,
    uri: &http::Uri,
    headers: &HeaderMap,
    client: Client,
) -> AuthState {
    match authenticate(auth, method, uri, headers) {
        Check::Ready(state) => state,
        Check::AskStore(identity) => ask_store(auth, identity).await,
        Check::TokenPair { app, user } => authenticate_pair(auth, &app, &user, client).await,
    }
}

/// Settles an access token the revocation view cannot vouch for, by the store.
pub(crate) async fn ask_store(auth: &Auth, identity: Identity) -> AuthState {
    match auth.confirm_with_store(identity).await {
        Ok(identity) => AuthState::Authenticated(identity),
        Err(err) => AuthState::Rejected(err),
    }
}

/// Settles a token pair against the store.
pub(crate) async fn authenticate_pair(
    auth: &Auth,
    app: &str,
    user: &str,
    client: Client,
) -> AuthState {
    match auth.authenticate_tokens(app, user, client).await {
        Ok(identity) => AuthState::Authenticated(identity),
        Err(err) => AuthState::Rejected(err),
    }
}

/// A header's value, trimmed; `None` when absent, blank or not ASCII.
pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)?
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The token of an `Authorization: Bearer …` header.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}
