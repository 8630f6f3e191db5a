//! Signing in and out: password logins (bearer or cookie mode), refresh,
//! logout, and how a session is handed to the client.

use super::replies::{
    CookieSessionShape, LoggedOutShape, MfaChallengeShape, TokensShape, ValidSessionShape,
};
use super::shapes::UserShape;
use super::{body, error, success};
use crate::error::{AuthError, Field, Rule};
use crate::identity::Identity;
use crate::service::{Credentials, DEVICE_TTL, LoginOutcome, Session};
use crate::web::call::Call;
use crate::web::cookies::Jar;
use crate::web::login_context::LoginContext;
use crate::web::respond::timestamp;
use bytes::Bytes;
use http::Response;
use http::StatusCode;
use http::header::SET_COOKIE;

/// `POST /auth/login`, or in cookie mode `POST /login`.
pub(super) async fn login(
    call: &Call<'_>,
    cookie_mode: bool,
) -> Result<Response<Bytes>, AuthError> {
    if cookie_mode {
        // It sets cookies: refuse foreign origins even before any cookie
        // exists (login CSRF).
        call.check_origin()?;
    }
    let body = body(call)?;
    let mut credentials =
        Credentials::new(body.required_str("email")?, body.required_str("password")?);
    credentials.remember = body.optional_bool("remember")?.unwrap_or(false);
    credentials.otp = body.optional_str("otp")?.filter(|otp| !otp.is_empty());
    credentials.device = call.jar(Jar::Device);
    if cookie_mode {
        credentials.context = Some(LoginContext::NativeCookie.as_str().to_owned());
    }
    match call.auth.login(credentials, call.client).await? {
        LoginOutcome::Session(session) => Ok(deliver(call, &session, cookie_mode)),
        LoginOutcome::MfaRequired { mfa_token } => Ok(success(
            StatusCode::OK,
            MfaChallengeShape {
                mfa_required: true,
                mfa_token,
            },
        )),
    }
}

/// `GET /auth/validate-session`.
pub(super) fn validate(identity: &Identity) -> Result<Response<Bytes>, AuthError> {
    Ok(success(
        StatusCode::OK,
        ValidSessionShape {
            valid: true,
            user_id: identity.user_id.to_string(),
            expires_at: timestamp(identity.expires_at),
        },
    ))
}

/// `POST /auth/refresh-token`: from the body, else from the cookie.
pub(super) async fn refresh(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let (token, from_cookie) = refresh_token(call)?;
    let session = match call.auth.refresh(&token).await {
        Ok(session) => session,
        // A dead refresh cookie is useless to the browser: clear it
        // (but not when the store is down: the session may be fine).
        Err(err @ (AuthError::TokenInvalid | AuthError::TokenExpired)) if from_cookie => {
            return Ok(clearing_cookies(call, error(&err)));
        }
        Err(err) => return Err(err),
    };
    if from_cookie {
        let data = CookieSessionShape {
            exp_time: session.expires_in.as_secs(),
            user: None,
        };
        Ok(with_session_cookies(
            call,
            success(StatusCode::OK, data),
            &session,
        ))
    } else {
        Ok(success(StatusCode::OK, TokensShape::of(call, &session)))
    }
}

/// `POST /auth/logout`.
pub(super) async fn logout(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let (token, _) = refresh_token(call)?;
    call.auth.logout(&token).await?;
    let done = success(StatusCode::OK, LoggedOutShape { logged_out: true });
    Ok(clearing_cookies(call, done))
}

/// The second step of a cookie-mode login sets cookies: it gets the
/// origin check of `/login`. (Bearer clients on other origins need not.)
pub(super) async fn check_second_step_origin(
    call: &Call<'_>,
    mfa_token: &str,
) -> Result<(), AuthError> {
    let context = call.auth.mfa_challenge_context(mfa_token).await?;
    if LoginContext::parse(context.as_deref()) == Some(LoginContext::NativeCookie) {
        call.check_origin()?;
    }
    Ok(())
}

/// A session in the body, or (cookie mode) in HttpOnly cookies only; and
/// the device mark of a sign-in, in its cookie.
pub(super) fn deliver(call: &Call<'_>, session: &Session, cookie_mode: bool) -> Response<Bytes> {
    let mut response = if cookie_mode {
        let data = CookieSessionShape {
            exp_time: session.expires_in.as_secs(),
            user: Some(UserShape::of(call, &session.user)),
        };
        with_session_cookies(call, success(StatusCode::OK, data), session)
    } else {
        success(StatusCode::OK, TokensShape::of(call, session))
    };
    if let Some(mark) = &session.device {
        let cookie = call.set_jar(Jar::Device, mark, DEVICE_TTL);
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    response
}

/// The refresh token from the body, else from the cookie.
fn refresh_token(call: &Call<'_>) -> Result<(String, bool), AuthError> {
    let body = body(call)?;
    if let Some(token) = body.optional_str("refreshToken")?.filter(|t| !t.is_empty()) {
        return Ok((token, false));
    }
    call.jar(Jar::Refresh)
        .map(|token| (token, true))
        .ok_or_else(|| AuthError::invalid(Field::named("refreshToken"), Rule::Missing))
}

/// The session's tokens in the native HttpOnly cookies.
pub(super) fn with_session_cookies(
    call: &Call<'_>,
    mut response: Response<Bytes>,
    session: &Session,
) -> Response<Bytes> {
    let headers = response.headers_mut();
    headers.append(
        SET_COOKIE,
        call.set_jar(Jar::Access, &session.access_token, session.expires_in),
    );
    headers.append(
        SET_COOKIE,
        call.set_jar(
            Jar::Refresh,
            &session.refresh_token,
            session.refresh_expires_in,
        ),
    );
    response
}

fn clearing_cookies(call: &Call<'_>, mut response: Response<Bytes>) -> Response<Bytes> {
    let headers = response.headers_mut();
    headers.append(SET_COOKIE, call.clear_jar(Jar::Access));
    headers.append(SET_COOKIE, call.clear_jar(Jar::Refresh));
    response
}
