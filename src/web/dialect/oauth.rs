//! The OAuth endpoints both dialects share: starting a login, the
//! provider's callback, and the cookie bridge. Each login remembers which
//! dialect started it (its context), so either callback path can finish it.
//!
//! Every answer here is a redirect (302) to the provider or back to the
//! app, except when there is nowhere safe to send the browser (a bad
//! `redirect`, an unknown provider, a callback without this browser's
//! login), which gets an error in the dialect's wire format, and except a
//! Directus login started without `redirect`, whose callback answers in
//! JSON as Directus does.

use bytes::Bytes;
use http::header::{CACHE_CONTROL, LOCATION, SET_COOKIE};
use http::{HeaderValue, Response, StatusCode};
use url::Url;

use super::{Call, directus, native};
use crate::config::AuthConfig;
use crate::error::AuthError;
use crate::service::{
    LoginOutcome, OAuthCallback, OAuthFailure, OAuthLanding, OAuthRequest, OAuthStart,
};
use crate::web::cookies;

/// Contexts of a login: who started it, and how it ends. A bridged native
/// login is a cookie-mode login: its MFA step answers with cookies too.
const NATIVE_BRIDGE: &str = native::COOKIE_CONTEXT;
const NATIVE_CALLBACK: &str = "native";
const DIRECTUS: &str = "directus";

/// The cookie bridge's prefix when the app gives none.
const DEFAULT_BRIDGE_PREFIX: &str = "/api";

/// Which dialect's conventions a login follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flavor {
    Native,
    Directus,
}

/// `GET /auth/{provider}` (native), `GET /auth/login/{provider}` (Directus).
pub(super) async fn start(call: &Call<'_>, flavor: Flavor) -> Result<Response<Bytes>, AuthError> {
    let provider = call.path_segment(0)?;
    let auto_cookies = call
        .auth
        .oauth_provider(provider)
        .is_some_and(|p| p.config().auto_set_cookies);
    let mut request =
        query(call, "redirect").map_or_else(OAuthRequest::without_redirect, OAuthRequest::new);
    request.context = Some(
        match (flavor, auto_cookies) {
            (Flavor::Directus, _) => DIRECTUS,
            (Flavor::Native, true) => NATIVE_BRIDGE,
            (Flavor::Native, false) => NATIVE_CALLBACK,
        }
        .to_owned(),
    );
    match flavor {
        // Two steps (an `mfaToken` goes back to the page), so the service
        // refuses a native login without `redirect`.
        Flavor::Native => {
            request.one_step = false;
            request.bridge_prefix = query(call, "cookieBridgePrefix");
        }
        // As Directus: a user with MFA gives the code when the login
        // starts, and without `redirect` the callback answers in JSON.
        Flavor::Directus => {
            request.otp = query(call, "otp");
            request.one_step = true;
        }
    }
    match call
        .auth
        .begin_oauth(provider, request, call.client)
        .await?
    {
        OAuthStart::Provider { location, flow } => {
            let mut response = found(location.as_str());
            let config = call.auth.config();
            response.headers_mut().append(
                SET_COOKIE,
                cookies::set(
                    &cookies::flow_attributes(&config.cookies),
                    &flow_cookie(config, provider),
                    &flow,
                    config.oauth.flow_ttl,
                ),
            );
            Ok(response)
        }
        OAuthStart::Failed {
            redirect: Some(redirect),
            failure,
        } => Ok(found(
            failed(call.auth.config(), redirect, failure, flavor).as_str(),
        )),
        OAuthStart::Failed {
            redirect: None,
            failure,
        } => Ok(directus_failure(call.auth.config(), failure)),
    }
}

/// `GET /auth/{provider}/callback`, `GET /auth/login/{provider}/callback`.
/// The flow cookie is cleared whatever the outcome; errors are in the wire
/// format of the path's dialect.
pub(super) async fn callback(call: &Call<'_>, flavor: Flavor) -> Response<Bytes> {
    let config = call.auth.config();
    // The router matched `{provider}`, so the segment is there.
    let provider = call.path_segment(1).unwrap_or_default();
    let name = flow_cookie(config, provider);
    let mut response = match land(call, provider, &name).await {
        Ok(response) => response,
        // As Directus: a callback without this browser's login is 401.
        Err(AuthError::Validation { .. }) if flavor == Flavor::Directus => {
            directus::error(&AuthError::InvalidCredentials)
        }
        Err(err) if flavor == Flavor::Directus => directus::error(&err),
        Err(err) => native::error(&err),
    };
    response.headers_mut().append(
        SET_COOKIE,
        cookies::clear(&cookies::flow_attributes(&config.cookies), &name),
    );
    response
}

async fn land(
    call: &Call<'_>,
    provider: &str,
    flow_cookie: &str,
) -> Result<Response<Bytes>, AuthError> {
    let callback = OAuthCallback {
        state: query(call, "state"),
        code: query(call, "code"),
        error: query(call, "error"),
        flow: cookies::read(&call.parts.headers, flow_cookie),
    };
    let landing = call
        .auth
        .finish_oauth(provider, callback, call.client)
        .await?;
    match landing.context.as_deref() {
        Some(DIRECTUS) => Ok(directus_landing(call, landing)),
        _ => native_landing(call, landing),
    }
}

/// The flow cookie of logins with `provider` (one per provider, so that
/// logins with two providers at once do not clash): `__Host-`-prefixed
/// whenever it is `Secure` (it is always host-only on `/`), so that no
/// other host can set it.
fn flow_cookie(config: &AuthConfig, provider: &str) -> String {
    let name = format!("{}_{provider}", config.oauth.flow_cookie);
    if config.cookies.secure {
        format!("__Host-{name}")
    } else {
        name
    }
}

/// `GET /auth/set-cookies?accessToken&refreshToken&expTime&loginProvider&redirect`:
/// sets the auth cookies on this origin (the app's, through its proxy) and
/// goes on to `redirect`. The tokens must be a live pair of one session
/// that an external login opened moments ago (see
/// [`Auth::bridge_session`](crate::Auth::bridge_session)); the refresh
/// token is rotated, so the URL works once.
pub(super) async fn set_cookies(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let provider = query(call, "loginProvider");
    let redirect = query(call, "redirect")
        .ok_or_else(|| AuthError::invalid("redirect", "redirect is required"))?;
    let redirect = call.auth.check_redirect(provider.as_deref(), &redirect)?;
    let (Some(access), Some(refresh)) = (query(call, "accessToken"), query(call, "refreshToken"))
    else {
        return Ok(found(
            with_pair(redirect, "error", "invalid_token").as_str(),
        ));
    };
    match call.auth.bridge_session(&access, &refresh).await {
        Ok(session) => Ok(call.with_session_cookies(found(redirect.as_str()), &session)),
        Err(AuthError::Unavailable) => Err(AuthError::Unavailable),
        Err(_) => Ok(found(
            with_pair(redirect, "error", "invalid_token").as_str(),
        )),
    }
}

fn native_landing(call: &Call<'_>, landing: OAuthLanding) -> Result<Response<Bytes>, AuthError> {
    // A native start always gives one.
    let redirect = landing
        .redirect
        .ok_or_else(|| AuthError::invalid("redirect", "redirect is required"))?;
    let bridge = landing.context.as_deref() == Some(NATIVE_BRIDGE);
    let app_callback = call
        .auth
        .oauth_provider(&landing.provider)
        .and_then(|p| p.config().app_callback_url.as_deref())
        .and_then(|u| Url::parse(u).ok());
    let provider = landing.provider.as_str();
    let location = match (landing.outcome, bridge, app_callback) {
        (Err(failure), _, _) => failed(call.auth.config(), redirect, failure, Flavor::Native),
        (Ok(LoginOutcome::Session(session)), true, _) => {
            let prefix = landing
                .bridge_prefix
                .as_deref()
                .unwrap_or(DEFAULT_BRIDGE_PREFIX);
            let mut bridge = redirect.clone();
            bridge.set_path(&format!("{prefix}/auth/set-cookies"));
            bridge.set_query(None);
            bridge.set_fragment(None);
            with_tokens(bridge, &session, provider, &redirect)
        }
        (Ok(LoginOutcome::Session(session)), false, Some(target)) => {
            with_tokens(target, &session, provider, &redirect)
        }
        (Ok(LoginOutcome::MfaRequired { mfa_token }), bridge, target) => {
            let mut target = if bridge { None } else { target }.unwrap_or(redirect.clone());
            target
                .query_pairs_mut()
                .append_pair("mfaToken", &mfa_token)
                .append_pair("loginProvider", provider);
            if !bridge {
                target
                    .query_pairs_mut()
                    .append_pair("redirect", redirect.as_str());
            }
            target
        }
        // The provider was validated with an app callback URL; it is gone only
        // if the provider list changed under a running login.
        (Ok(LoginOutcome::Session(_)), false, None) => return Err(AuthError::NotFound),
    };
    Ok(found(location.as_str()))
}

/// A Directus login lands as Directus's does: with the session cookie on
/// `redirect`, or, when the login gave none, with the tokens in JSON.
fn directus_landing(call: &Call<'_>, landing: OAuthLanding) -> Response<Bytes> {
    let outcome = match landing.outcome {
        Ok(LoginOutcome::Session(session)) => Ok(session),
        // A Directus login is one step (`one_step`), so no MFA challenge
        // comes, except for a flow sealed before that field existed.
        Ok(LoginOutcome::MfaRequired { .. }) => Err(OAuthFailure::InvalidOtp),
        Err(failure) => Err(failure),
    };
    match (outcome, landing.redirect) {
        (Ok(session), Some(redirect)) => {
            let cookies = directus::deliver(call, &session, directus::Mode::Session);
            let mut response = found(redirect.as_str());
            for cookie in cookies.headers().get_all(SET_COOKIE) {
                response.headers_mut().append(SET_COOKIE, cookie.clone());
            }
            response
        }
        (Ok(session), None) => {
            let mut response = directus::deliver(call, &session, directus::Mode::Json);
            response
                .headers_mut()
                .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        (Err(failure), Some(redirect)) => {
            found(failed(call.auth.config(), redirect, failure, Flavor::Directus).as_str())
        }
        (Err(failure), None) => directus_failure(call.auth.config(), failure),
    }
}

/// Directus's code for a login into an account that may not be linked (a
/// login into another provider's account, in Directus); portcullis has no
/// error of its own for it.
const INVALID_PROVIDER: &str = "INVALID_PROVIDER";

/// A failed login as the Directus dialect reports it, or `None` for
/// [`INVALID_PROVIDER`].
fn directus_error(config: &AuthConfig, failure: OAuthFailure) -> Option<AuthError> {
    Some(match failure {
        OAuthFailure::ProviderError | OAuthFailure::ProviderUnavailable => AuthError::Unavailable,
        OAuthFailure::InvalidState => AuthError::TokenInvalid,
        OAuthFailure::InvalidOtp => AuthError::InvalidOtp,
        // The account cools down for at most its throttle window.
        OAuthFailure::TooManyAttempts => AuthError::RateLimited {
            retry_after: config.account_throttle.window,
        },
        OAuthFailure::AccountNotLinked => return None,
        _ => AuthError::InvalidCredentials,
    })
}

/// A Directus login without `redirect` that failed: the error in JSON.
fn directus_failure(config: &AuthConfig, failure: OAuthFailure) -> Response<Bytes> {
    match directus_error(config, failure) {
        Some(err) => directus::error(&err),
        None => {
            directus::error_response(StatusCode::FORBIDDEN, INVALID_PROVIDER, "Invalid provider.")
        }
    }
}

/// The app page with why the login failed: `?error=<code>` added to its
/// query (native), or, as Directus does, its query replaced by
/// `?reason=<CODE>`.
fn failed(config: &AuthConfig, mut redirect: Url, failure: OAuthFailure, flavor: Flavor) -> Url {
    if flavor == Flavor::Native {
        return with_pair(redirect, "error", failure.code());
    }
    let reason =
        directus_error(config, failure).map_or(INVALID_PROVIDER, |err| directus::code(&err));
    redirect.set_query(None);
    redirect.set_fragment(None);
    with_pair(redirect, "reason", reason)
}

fn with_tokens(
    mut target: Url,
    session: &crate::service::Session,
    provider: &str,
    redirect: &Url,
) -> Url {
    target
        .query_pairs_mut()
        .append_pair("accessToken", &session.access_token)
        .append_pair("refreshToken", &session.refresh_token)
        .append_pair("expTime", &session.expires_in.as_secs().to_string())
        .append_pair("loginProvider", provider)
        .append_pair("redirect", redirect.as_str());
    target
}

fn with_pair(mut url: Url, key: &str, value: &str) -> Url {
    url.query_pairs_mut().append_pair(key, value);
    url
}

/// A 302 that no cache keeps (it may carry tokens).
fn found(location: &str) -> Response<Bytes> {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = StatusCode::FOUND;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(location) {
        headers.insert(LOCATION, value);
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The first value of a query parameter, if not blank.
fn query(call: &Call<'_>, name: &str) -> Option<String> {
    let query = call.parts.uri.query()?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}
