//! Logging in and out the Directus way: three modes (`json`, `cookie`,
//! `session`), refresh with rotation, logout.

use bytes::Bytes;
use http::Response;
use http::header::SET_COOKIE;
use serde_json::json;

use super::{REFRESH_COOKIE, SESSION_COOKIE, data, error};
use crate::error::{AuthError, Field, Rule};
use crate::service::{Credentials, DEVICE_TTL, LoginOutcome, Session, valid_email};
use crate::web::body::JsonBody;
use crate::web::call::Call;
use crate::web::cookies::{self, Jar};
use crate::web::respond::no_content;

/// How tokens are handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Json,
    Cookie,
    Session,
}

/// `POST /auth/login`: one step; an MFA user gives `otp` with the password.
pub(super) async fn login(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let body = JsonBody::parse(call.body)?;
    let mode = mode(&body, Mode::Json)?;
    if mode != Mode::Json {
        // It sets cookies: refuse foreign origins (login CSRF).
        call.check_origin()?;
    }
    let email = body.required_str("email")?;
    // Directus checks the shape first: 400, not a login failure.
    valid_email(&email).map_err(|_| AuthError::invalid(Field::named("email"), Rule::NotAnEmail))?;
    let mut credentials = Credentials::new(email, body.required_str("password")?);
    credentials.otp = body.optional_str("otp")?.filter(|otp| !otp.is_empty());
    credentials.second_step = false;
    credentials.device = call.jar(Jar::Device);
    match call.auth.login(credentials, call.client).await? {
        LoginOutcome::Session(session) => Ok(deliver(call, &session, mode)),
        // Not with `second_step` off: the service answers InvalidOtp instead.
        LoginOutcome::MfaRequired { .. } => Err(AuthError::InvalidOtp),
    }
}

/// `POST /auth/refresh`.
pub(super) async fn refresh(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let body = JsonBody::parse(call.body)?;
    let default = if body.optional_str("refresh_token")?.is_some() {
        Mode::Json
    } else {
        Mode::Cookie
    };
    let mode = mode(&body, default)?;
    let (token, from_cookie) = refresh_token(call, &body)?;
    if from_cookie || mode != Mode::Json {
        call.check_origin()?;
    }
    match call.auth.refresh(&token).await {
        Ok(session) => Ok(deliver(call, &session, mode)),
        // As Directus: a refresh token it does not know (unknown, spent or
        // expired) is 401 INVALID_CREDENTIALS.
        Err(AuthError::TokenInvalid | AuthError::TokenExpired) => {
            let refused = error(&AuthError::InvalidCredentials);
            Ok(if from_cookie {
                clear_cookies(call, refused)
            } else {
                refused
            })
        }
        Err(err) => Err(err),
    }
}

/// `POST /auth/logout`: 204, cookies cleared.
pub(super) async fn logout(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let body = JsonBody::parse(call.body)?;
    let (token, from_cookie) = refresh_token(call, &body)?;
    if from_cookie {
        call.check_origin()?;
    }
    call.auth.logout(&token).await?;
    Ok(clear_cookies(call, no_content()))
}

fn mode(body: &JsonBody, default: Mode) -> Result<Mode, AuthError> {
    match body.optional_str("mode")?.as_deref() {
        None => Ok(default),
        Some("json") => Ok(Mode::Json),
        Some("cookie") => Ok(Mode::Cookie),
        Some("session") => Ok(Mode::Session),
        Some(_) => Err(AuthError::invalid(
            Field::named("mode"),
            Rule::Said("\"mode\" must be one of json, cookie, session".into()),
        )),
    }
}

/// The refresh token from the body, else from its cookie.
fn refresh_token(call: &Call<'_>, body: &JsonBody) -> Result<(String, bool), AuthError> {
    if let Some(token) = body
        .optional_str("refresh_token")?
        .filter(|t| !t.is_empty())
    {
        return Ok((token, false));
    }
    call.cookie(REFRESH_COOKIE)
        .map(|token| (token, true))
        .ok_or_else(|| {
            AuthError::invalid(
                Field::named("refresh_token"),
                Rule::Said("The refresh token is required in either the payload or cookie".into()),
            )
        })
}

/// A session the way the mode hands it over; `expires` is in milliseconds.
pub(super) fn deliver(call: &Call<'_>, session: &Session, mode: Mode) -> Response<Bytes> {
    let expires = u64::try_from(session.expires_in.as_millis()).unwrap_or(u64::MAX);
    let config = &call.auth.config().web.cookies;
    let refresh_cookie = || {
        cookies::set(
            config,
            REFRESH_COOKIE,
            &session.refresh_token,
            session.refresh_expires_in,
        )
    };
    let mut response = match mode {
        Mode::Json => data(json!({
            "access_token": session.access_token,
            "refresh_token": session.refresh_token,
            "expires": expires,
        })),
        Mode::Cookie => {
            let mut response =
                data(json!({ "access_token": session.access_token, "expires": expires }));
            response.headers_mut().append(SET_COOKIE, refresh_cookie());
            response
        }
        Mode::Session => {
            let mut response = data(json!({ "expires": expires }));
            let headers = response.headers_mut();
            headers.append(
                SET_COOKIE,
                cookies::set(
                    config,
                    SESSION_COOKIE,
                    &session.access_token,
                    session.refresh_expires_in,
                ),
            );
            headers.append(SET_COOKIE, refresh_cookie());
            response
        }
    };
    if let Some(mark) = &session.device {
        let cookie = call.set_jar(Jar::Device, mark, DEVICE_TTL);
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    response
}

fn clear_cookies(call: &Call<'_>, mut response: Response<Bytes>) -> Response<Bytes> {
    let config = &call.auth.config().web.cookies;
    let headers = response.headers_mut();
    headers.append(SET_COOKIE, cookies::clear(config, REFRESH_COOKIE));
    headers.append(SET_COOKIE, cookies::clear(config, SESSION_COOKIE));
    response
}
