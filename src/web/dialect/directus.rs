//! The Directus-compatible dialect (Directus 11, `@directus/sdk` 26): the
//! same service behind Directus's paths, field names, envelopes, error
//! codes and cookies, so that an app using the Directus SDK for
//! authentication can point it here unchanged. A mapping only: every rule
//! stays in [`crate::Auth`].
//!
//! | method | path | |
//! |---|---|---|
//! | POST | `/auth/login` | `{email, password, otp?, mode?}`: `json` (default) → `{access_token, refresh_token, expires}`; `cookie` → `{access_token, expires}` + `directus_refresh_token`; `session` → `{expires}` + `directus_session_token` |
//! | POST | `/auth/refresh` | `{refresh_token?, mode?}`, the same three shapes; rotates |
//! | POST | `/auth/logout` | `{refresh_token?, mode?}` → 204, cookies cleared |
//! | POST | `/auth/password/request` | `{email, reset_url?}` → 204 |
//! | POST | `/auth/password/reset` | `{token, password}` → 204 |
//! | GET | `/auth`, `/auth/oauth` | the enabled login providers |
//! | GET, PATCH | `/users/me` | `{id, email, first_name, last_name, role, status, …}` |
//! | POST | `/users/me/tfa/generate` | `{password}` → `{secret, otpauth_url}` |
//! | POST | `/users/me/tfa/enable` | `{secret, otp}` → 204 (a bad code is `INVALID_PAYLOAD`) |
//! | POST | `/users/me/tfa/disable` | `{otp}` → 204 |
//! | GET | `/auth/login/{provider}` | `?redirect=…` → 302 to the provider; back at the callback, the session cookies and 302 to `redirect` (or `redirect?reason=<CODE>`) |
//!
//! `expires` is in milliseconds. Requests authenticate as Directus does:
//! `Authorization: Bearer`, the `directus_session_token` cookie, or
//! `?access_token=` (more than one is 400). In session mode the refresh
//! token also travels in its HttpOnly cookie, so that the session can be
//! refreshed. `/users/me/tfa/enable` takes the pending secret from the
//! server (the `secret` the client echoes is not needed).

use bytes::Bytes;
use http::header::{CONTENT_TYPE, RETRY_AFTER, SET_COOKIE};
use http::{HeaderValue, Method, Response, StatusCode};
use serde_json::{Value, json};

use super::{Call, Route, oauth};
use crate::error::AuthError;
use crate::identity::Identity;
use crate::service::{Credentials, LoginOutcome, MfaProof, ProfileUpdate, Session, valid_email};
use crate::store::User;
use crate::web::body::JsonBody;
use crate::web::cookies;

/// The cookie that holds the refresh token (cookie and session modes).
pub const REFRESH_COOKIE: &str = "directus_refresh_token";
/// The cookie that holds the access token (session mode).
pub const SESSION_COOKIE: &str = "directus_session_token";

/// The endpoints of the Directus dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Endpoint {
    /// `POST /auth/login`
    Login,
    /// `POST /auth/refresh`
    Refresh,
    /// `POST /auth/logout`
    Logout,
    /// `POST /auth/password/request`
    PasswordRequest,
    /// `POST /auth/password/reset`
    PasswordReset,
    /// `GET /auth`
    Providers,
    /// `GET /auth/oauth` (older clients)
    OAuthProviders,
    /// `GET /users/me`
    Me,
    /// `PATCH /users/me`
    UpdateMe,
    /// `POST /users/me/tfa/generate`
    TfaGenerate,
    /// `POST /users/me/tfa/enable`
    TfaEnable,
    /// `POST /users/me/tfa/disable`
    TfaDisable,
    /// `GET /auth/login/{provider}?redirect=…`: off to the provider
    OAuthStart,
    /// `GET /auth/login/{provider}/callback`: back from the provider
    OAuthCallback,
}

/// Every route of the Directus dialect.
pub const ROUTES: &[Route] = &[
    route(Method::POST, "/auth/login", Endpoint::Login),
    route(Method::POST, "/auth/refresh", Endpoint::Refresh),
    route(Method::POST, "/auth/logout", Endpoint::Logout),
    route(
        Method::POST,
        "/auth/password/request",
        Endpoint::PasswordRequest,
    ),
    route(
        Method::POST,
        "/auth/password/reset",
        Endpoint::PasswordReset,
    ),
    route(Method::GET, "/auth", Endpoint::Providers),
    route(Method::GET, "/auth/oauth", Endpoint::OAuthProviders),
    route(Method::GET, "/users/me", Endpoint::Me),
    route(Method::PATCH, "/users/me", Endpoint::UpdateMe),
    route(
        Method::POST,
        "/users/me/tfa/generate",
        Endpoint::TfaGenerate,
    ),
    route(Method::POST, "/users/me/tfa/enable", Endpoint::TfaEnable),
    route(Method::POST, "/users/me/tfa/disable", Endpoint::TfaDisable),
    route(Method::GET, "/auth/login/{provider}", Endpoint::OAuthStart),
    route(
        Method::GET,
        "/auth/login/{provider}/callback",
        Endpoint::OAuthCallback,
    ),
];

const fn route(method: Method, path: &'static str, endpoint: Endpoint) -> Route {
    Route {
        method,
        path,
        endpoint: super::Endpoint::Directus(endpoint),
    }
}

/// How tokens are handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Json,
    Cookie,
    Session,
}

/// Answers one request of the Directus dialect.
pub(crate) async fn handle(call: &Call<'_>, endpoint: Endpoint) -> Response<Bytes> {
    match answer(call, endpoint).await {
        Ok(response) => response,
        Err(err) => error(&err),
    }
}

async fn answer(call: &Call<'_>, endpoint: Endpoint) -> Result<Response<Bytes>, AuthError> {
    let auth = call.auth;
    match endpoint {
        Endpoint::Login => login(call).await,
        Endpoint::Refresh => refresh(call).await,
        Endpoint::Logout => {
            let body = JsonBody::parse(call.body)?;
            let (token, from_cookie) = refresh_token(call, &body)?;
            if from_cookie {
                call.check_origin()?;
            }
            auth.logout(&token).await?;
            Ok(clear_cookies(call, no_content()))
        }
        Endpoint::PasswordRequest => {
            let body = JsonBody::parse(call.body)?;
            let email = body.required_str("email")?;
            let page = body.optional_str("reset_url")?;
            auth.request_password_reset(&email, page.as_deref(), call.client)
                .await
                .map_err(directus_field_names)?;
            Ok(no_content())
        }
        Endpoint::PasswordReset => {
            let body = JsonBody::parse(call.body)?;
            auth.reset_password(
                &body.required_str("token")?,
                &body.required_str("password")?,
            )
            .await?;
            Ok(no_content())
        }
        Endpoint::Providers => {
            let providers: Vec<Value> = auth
                .oauth_providers()
                .map(|p| {
                    let config = p.config();
                    let mut entry = json!({
                        "name": config.name,
                        "driver": p.driver(),
                        "label": config.label,
                    });
                    if let Some(icon) = &config.icon {
                        entry["icon"] = json!(icon);
                    }
                    entry
                })
                .collect();
            Ok(respond(
                StatusCode::OK,
                &json!({ "data": providers, "disableDefault": false }),
            ))
        }
        Endpoint::OAuthProviders => Ok(respond(
            StatusCode::OK,
            &json!({ "data": auth.oauth_provider_names() }),
        )),
        Endpoint::OAuthStart => oauth::start(call, oauth::Flavor::Directus).await,
        Endpoint::OAuthCallback => Ok(oauth::callback(call, oauth::Flavor::Directus).await),
        Endpoint::Me => {
            let user = auth.me(&identity(call)?).await?;
            let mfa = auth.mfa_enabled(&user.id).await?;
            Ok(data(user_json(&user, mfa)))
        }
        Endpoint::UpdateMe => update_me(call, &identity(call)?).await,
        Endpoint::TfaGenerate => {
            let me = identity(call)?;
            let password = JsonBody::parse(call.body)?.required_str("password")?;
            auth.confirm_own_password(&me, &password, call.client)
                .await?;
            let enrolment = auth.begin_mfa_enrolment(&me).await?;
            Ok(data(
                json!({ "secret": enrolment.secret, "otpauth_url": enrolment.otpauth_url }),
            ))
        }
        Endpoint::TfaEnable => {
            let me = identity(call)?;
            let otp = JsonBody::parse(call.body)?.required_str("otp")?;
            match auth.confirm_mfa_enrolment(&me, &otp).await {
                Ok(_) => Ok(no_content()),
                Err(AuthError::InvalidOtp) => Err(AuthError::invalid("otp", "\"otp\" is invalid")),
                Err(e) => Err(e),
            }
        }
        Endpoint::TfaDisable => {
            let me = identity(call)?;
            let otp = JsonBody::parse(call.body)?.required_str("otp")?;
            let own = auth.own_account(&me).await?;
            if !auth.mfa_enabled(&own.id).await? {
                return Err(AuthError::invalid(
                    "otp",
                    format!("User \"{}\" doesn't have TFA enabled", me.user_id),
                ));
            }
            auth.disable_mfa(&me, MfaProof::Code(otp), call.client)
                .await?;
            Ok(no_content())
        }
    }
}

async fn login(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let body = JsonBody::parse(call.body)?;
    let mode = mode(&body, Mode::Json)?;
    if mode != Mode::Json {
        // It sets cookies: refuse foreign origins (login CSRF).
        call.check_origin()?;
    }
    let email = body.required_str("email")?;
    // Directus checks the shape first: 400, not a login failure.
    valid_email(&email)
        .map_err(|_| AuthError::invalid("email", "\"email\" must be a valid email"))?;
    let mut credentials = Credentials::new(email, body.required_str("password")?);
    credentials.otp = body.optional_str("otp")?.filter(|otp| !otp.is_empty());
    credentials.second_step = false;
    match call.auth.login(credentials, call.client).await? {
        LoginOutcome::Session(session) => Ok(deliver(call, &session, mode)),
        // Not with `second_step` off: the service answers InvalidOtp instead.
        LoginOutcome::MfaRequired { .. } => Err(AuthError::InvalidOtp),
    }
}

async fn refresh(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
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

async fn update_me(call: &Call<'_>, me: &Identity) -> Result<Response<Bytes>, AuthError> {
    let body = JsonBody::parse(call.body)?;
    let allowed = [
        "first_name",
        "last_name",
        "email",
        "password",
        "current_password",
    ];
    if let Some(field) = body.fields().find(|f| !allowed.contains(f)) {
        return Err(AuthError::invalid(
            field,
            format!("\"{field}\" cannot be changed here"),
        ));
    }
    let auth = call.auth;
    let mut update = ProfileUpdate::default();
    if body.has("first_name") || body.has("last_name") {
        let current = auth.me(me).await?;
        let (first, last) = split_name(current.name.as_deref());
        let first = if body.has("first_name") {
            body.optional_str("first_name")?
        } else {
            first
        };
        let last = if body.has("last_name") {
            body.optional_str("last_name")?
        } else {
            last
        };
        let joined = [first, last]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        update.name = Some((!joined.trim().is_empty()).then_some(joined));
    }
    update.email = body.optional_str("email")?;
    update.password = body.optional_str("password")?;
    update.current_password = body.optional_str("current_password")?;
    let user = auth
        .update_me(me, update, call.client)
        .await
        .map_err(directus_field_names)?;
    let mfa = auth.mfa_enabled(&user.id).await?;
    Ok(data(user_json(&user, mfa)))
}

/// Error messages name fields the way this dialect spells them.
fn directus_field_names(err: AuthError) -> AuthError {
    match err {
        AuthError::Validation {
            field: Some(field),
            message,
        } => {
            let renamed = match field.as_str() {
                "currentPassword" => "current_password",
                "resetUrl" => "reset_url",
                other => other,
            };
            AuthError::Validation {
                message: message.replace(&field, renamed),
                field: Some(renamed.to_owned()),
            }
        }
        other => other,
    }
}

/// The token a request carries, the Directus way: one of a bearer header,
/// the session cookie, or `?access_token=`.
fn identity(call: &Call<'_>) -> Result<Identity, AuthError> {
    let parts = call.parts;
    let bearer = crate::web::bearer_token(&parts.headers).map(str::to_owned);
    let cookie = cookies::read(&parts.headers, SESSION_COOKIE);
    let query = parts.uri.query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "access_token")
            .map(|(_, v)| v.into_owned())
    });
    let from_cookie = cookie.is_some();
    let mut presented = [bearer, cookie, query].into_iter().flatten();
    // As Directus: no token, or one that is not a JWT (Directus would look
    // it up as a static user token), is 401 INVALID_CREDENTIALS; a JWT that
    // fails its checks is INVALID_TOKEN or TOKEN_EXPIRED.
    let token = presented.next().ok_or(AuthError::InvalidCredentials)?;
    if presented.next().is_some() {
        return Err(AuthError::invalid(
            "access_token",
            "The request uses more than one method for including an access token",
        ));
    }
    if from_cookie {
        call.check_origin()?;
    }
    if token.split('.').count() != 3 {
        return Err(AuthError::InvalidCredentials);
    }
    call.auth.authenticate(&token)
}

fn mode(body: &JsonBody, default: Mode) -> Result<Mode, AuthError> {
    match body.optional_str("mode")?.as_deref() {
        None => Ok(default),
        Some("json") => Ok(Mode::Json),
        Some("cookie") => Ok(Mode::Cookie),
        Some("session") => Ok(Mode::Session),
        Some(_) => Err(AuthError::invalid(
            "mode",
            "\"mode\" must be one of json, cookie, session",
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
    cookies::read(&call.parts.headers, REFRESH_COOKIE)
        .map(|token| (token, true))
        .ok_or_else(|| {
            AuthError::invalid(
                "refresh_token",
                "The refresh token is required in either the payload or cookie",
            )
        })
}

pub(super) fn deliver(call: &Call<'_>, session: &Session, mode: Mode) -> Response<Bytes> {
    let expires = u64::try_from(session.expires_in.as_millis()).unwrap_or(u64::MAX);
    let config = &call.auth.config().cookies;
    let refresh_cookie = || {
        cookies::set(
            config,
            REFRESH_COOKIE,
            &session.refresh_token,
            session.refresh_expires_in,
        )
    };
    match mode {
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
    }
}

fn clear_cookies(call: &Call<'_>, mut response: Response<Bytes>) -> Response<Bytes> {
    let config = &call.auth.config().cookies;
    let headers = response.headers_mut();
    headers.append(SET_COOKIE, cookies::clear(config, REFRESH_COOKIE));
    headers.append(SET_COOKIE, cookies::clear(config, SESSION_COOKIE));
    response
}

/// A user the way Directus shows one; the one name splits at its first space.
fn user_json(user: &User, mfa: bool) -> Value {
    let (first, last) = split_name(user.name.as_deref());
    json!({
        "id": user.id,
        "email": user.email,
        "first_name": first,
        "last_name": last,
        "role": user.role,
        "status": if user.is_active { "active" } else { "suspended" },
        "tfa_secret": mfa.then_some("**********"),
        "provider": "default",
        "email_verified": user.email_verified,
    })
}

fn split_name(name: Option<&str>) -> (Option<String>, Option<String>) {
    match name.map(|n| n.split_once(' ').map_or((n, None), |(f, l)| (f, Some(l)))) {
        Some((first, last)) => (Some(first.to_owned()), last.map(str::to_owned)),
        None => (None, None),
    }
}

/// The Directus error response: `{"errors": [{"message", "extensions": {"code"}}]}`.
pub fn error(err: &AuthError) -> Response<Bytes> {
    let (status, code, message) = terms(err);
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut extensions = json!({ "code": code });
    if let AuthError::Validation { message, .. } = err {
        // Directus repeats the cause of a bad payload on its own.
        extensions["reason"] = json!(message);
    }
    let mut response = respond(
        status,
        &json!({ "errors": [{ "message": message, "extensions": extensions }] }),
    );
    if let Some(secs) = err.retry_after_secs() {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// The Directus error code of an error (`INVALID_CREDENTIALS`).
pub(super) fn code(err: &AuthError) -> &'static str {
    terms(err).1
}

/// An error's status, Directus code and message.
fn terms(err: &AuthError) -> (u16, &'static str, String) {
    match err {
        AuthError::InvalidCredentials => (
            401,
            "INVALID_CREDENTIALS",
            "Invalid user credentials.".to_owned(),
        ),
        AuthError::InvalidOtp => (401, "INVALID_OTP", "Invalid user OTP.".to_owned()),
        AuthError::TokenExpired => (401, "TOKEN_EXPIRED", "Token expired.".to_owned()),
        AuthError::TokenInvalid => (403, "INVALID_TOKEN", "Invalid token.".to_owned()),
        AuthError::Unauthenticated | AuthError::Forbidden(_) | AuthError::EmailNotVerified => (
            403,
            "FORBIDDEN",
            "You don't have permission to access this.".to_owned(),
        ),
        AuthError::Validation { message, .. } => (
            400,
            "INVALID_PAYLOAD",
            format!("Invalid payload. {message}."),
        ),
        AuthError::Conflict(_) => (
            400,
            "RECORD_NOT_UNIQUE",
            "Value has to be unique.".to_owned(),
        ),
        AuthError::NotFound => (404, "ROUTE_NOT_FOUND", "Route doesn't exist.".to_owned()),
        AuthError::PayloadTooLarge => (
            413,
            "CONTENT_TOO_LARGE",
            "Uploaded content is too large.".to_owned(),
        ),
        AuthError::RateLimited { retry_after } => (
            429,
            "REQUESTS_EXCEEDED",
            format!(
                "Too many requests, retry after {}ms.",
                retry_after.as_millis()
            ),
        ),
        AuthError::Unavailable => (
            503,
            "SERVICE_UNAVAILABLE",
            "Service is unavailable.".to_owned(),
        ),
    }
}

fn data(value: Value) -> Response<Bytes> {
    respond(StatusCode::OK, &json!({ "data": value }))
}

fn no_content() -> Response<Bytes> {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

/// An error in Directus's shape, for answers that are no [`AuthError`].
pub(super) fn error_response(status: StatusCode, code: &str, message: &str) -> Response<Bytes> {
    respond(
        status,
        &json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }),
    )
}

fn respond(status: StatusCode, body: &Value) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(body.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}
