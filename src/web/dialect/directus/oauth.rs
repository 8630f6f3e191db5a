//! Directus's OAuth logins: `GET /auth/login/{provider}?redirect=…&otp=…`,
//! one step, landing with the session cookie on `redirect`, or without
//! `redirect` with the tokens (or the error) in JSON.

use bytes::Bytes;
use http::header::{CACHE_CONTROL, SET_COOKIE};
use http::{HeaderValue, Response, StatusCode};
use url::Url;

use super::errors::{code, error, error_response};
use super::session::{Mode, deliver};
use crate::config::AuthConfig;
use crate::error::AuthError;
use crate::service::{LoginOutcome, OAuthFailure, OAuthLanding, OAuthRequest};
use crate::web::call::Call;
use crate::web::login_context::LoginContext;
use crate::web::oauth_flow::{self, Started, with_pair};
use crate::web::respond::found;

/// Directus's code for a login into an account that may not be linked (a
/// login into another provider's account, in Directus); portcullis has no
/// error of its own for it.
const INVALID_PROVIDER: &str = "INVALID_PROVIDER";

/// `GET /auth/login/{provider}`: as Directus, a user with MFA gives the
/// code when the login starts, and without `redirect` the callback answers
/// in JSON.
pub(super) async fn start(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let mut request = call
        .query("redirect")
        .map_or_else(OAuthRequest::without_redirect, OAuthRequest::new);
    request.context = Some(LoginContext::Directus.as_str().to_owned());
    request.otp = call.query("otp");
    request.one_step = true;
    let config = call.auth.config();
    Ok(match oauth_flow::start(call, request).await? {
        Started::Provider(response) => response,
        Started::Failed {
            redirect: Some(redirect),
            failure,
        } => found(failed(config, redirect, failure).as_str()),
        Started::Failed {
            redirect: None,
            failure,
        } => failure_json(config, failure),
    })
}

/// A Directus login lands as Directus's does: with the session cookie on
/// `redirect`, or, when the login gave none, with the tokens in JSON.
pub(crate) fn landing(call: &Call<'_>, landing: OAuthLanding) -> Response<Bytes> {
    let outcome = match landing.outcome {
        Ok(LoginOutcome::Session(session)) => Ok(session),
        // A Directus login is one step (`one_step`), so no MFA challenge
        // comes, except for a flow sealed before that field existed.
        Ok(LoginOutcome::MfaRequired { .. }) => Err(OAuthFailure::InvalidOtp),
        Err(failure) => Err(failure),
    };
    let config = call.auth.config();
    match (outcome, landing.redirect) {
        (Ok(session), Some(redirect)) => {
            let cookies = deliver(call, &session, Mode::Session);
            let mut response = found(redirect.as_str());
            for cookie in cookies.headers().get_all(SET_COOKIE) {
                response.headers_mut().append(SET_COOKIE, cookie.clone());
            }
            response
        }
        (Ok(session), None) => {
            let mut response = deliver(call, &session, Mode::Json);
            response
                .headers_mut()
                .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        (Err(failure), Some(redirect)) => found(failed(config, redirect, failure).as_str()),
        (Err(failure), None) => failure_json(config, failure),
    }
}

/// A failed login as the Directus dialect reports it, or `None` for
/// [`INVALID_PROVIDER`].
fn as_error(config: &AuthConfig, failure: OAuthFailure) -> Option<AuthError> {
    Some(match failure {
        OAuthFailure::ProviderError | OAuthFailure::ProviderUnavailable => AuthError::Unavailable,
        OAuthFailure::InvalidState => AuthError::TokenInvalid,
        OAuthFailure::InvalidOtp => AuthError::InvalidOtp,
        // The account cools down for at most its throttle window.
        OAuthFailure::TooManyAttempts => AuthError::RateLimited {
            retry_after: config.throttles.account.window,
        },
        OAuthFailure::AccountNotLinked => return None,
        _ => AuthError::InvalidCredentials,
    })
}

/// A login without `redirect` that failed: the error in JSON.
fn failure_json(config: &AuthConfig, failure: OAuthFailure) -> Response<Bytes> {
    match as_error(config, failure) {
        Some(err) => error(&err),
        None => error_response(StatusCode::FORBIDDEN, INVALID_PROVIDER, "Invalid provider."),
    }
}

/// The app page with why the login failed: as Directus does, its query
/// replaced by `?reason=<CODE>`.
fn failed(config: &AuthConfig, mut redirect: Url, failure: OAuthFailure) -> Url {
    let reason = as_error(config, failure).map_or(INVALID_PROVIDER, |err| code(&err));
    redirect.set_query(None);
    redirect.set_fragment(None);
    with_pair(redirect, "reason", reason)
}
