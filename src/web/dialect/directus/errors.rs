//! Errors the Directus way: `{"errors": [{"message", "extensions": {"code"}}]}`
//! with Directus's codes and statuses.

use bytes::Bytes;
use http::{Response, StatusCode};
use serde_json::json;

use super::reply;
use crate::error::{AuthError, Field, Rule};
use crate::web::respond::with_retry_after;

/// The Directus error response for an error.
pub(crate) fn error(err: &AuthError) -> Response<Bytes> {
    let (status, code, message) = terms(err);
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut extensions = json!({ "code": code });
    if let AuthError::Validation { field, rule } = err {
        // Directus repeats the cause of a bad payload on its own.
        extensions["reason"] = json!(reason(field, rule));
    }
    with_retry_after(
        reply(
            status,
            &json!({ "errors": [{ "message": message, "extensions": extensions }] }),
        ),
        err,
    )
}

/// An OAuth callback that failed before any login landed: as Directus, a
/// callback without this browser's login is 401 `INVALID_CREDENTIALS`.
pub(crate) fn callback_error(err: &AuthError) -> Response<Bytes> {
    match err {
        AuthError::Validation { .. } => error(&AuthError::InvalidCredentials),
        other => error(other),
    }
}

/// The Directus error code of an error (`INVALID_CREDENTIALS`).
pub(super) fn code(err: &AuthError) -> &'static str {
    terms(err).1
}

/// An error in Directus's shape, for answers that are no [`AuthError`].
pub(super) fn error_response(status: StatusCode, code: &str, message: &str) -> Response<Bytes> {
    reply(
        status,
        &json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }),
    )
}

/// A field as Directus names it.
fn field_name(field: &Field) -> &str {
    match field {
        Field::Email => "email",
        Field::Password => "password",
        Field::CurrentPassword => "current_password",
        Field::Name => "first_name",
        Field::Code | Field::Otp => "otp",
        Field::ResetPage => "reset_url",
        Field::Redirect => "redirect",
        Field::BridgePrefix => "cookieBridgePrefix",
        Field::State => "state",
        Field::User => "user",
        Field::Lifetime => "expires",
        Field::Id => "id",
        Field::Body => "payload",
        Field::Named(name) => name,
    }
}

/// The cause of a bad payload, worded as Directus (Joi) words it.
fn reason(field: &Field, rule: &Rule) -> String {
    let name = field_name(field);
    match rule {
        Rule::Missing => format!("\"{name}\" is required"),
        Rule::NotAnEmail => format!("\"{name}\" must be a valid email"),
        Rule::Malformed => format!("\"{name}\" is invalid"),
        Rule::NotChangeable => format!("\"{name}\" cannot be changed here"),
        other => other.message(name),
    }
}

/// An error's status, Directus code and message.
fn terms(err: &AuthError) -> (u16, &'static str, String) {
    match err {
        AuthError::InvalidCredentials | AuthError::PasskeyRejected => (
            401,
            "INVALID_CREDENTIALS",
            "Invalid user credentials.".to_owned(),
        ),
        AuthError::InvalidOtp => (401, "INVALID_OTP", "Invalid user OTP.".to_owned()),
        AuthError::AccountLocked => (401, "USER_SUSPENDED", "User suspended.".to_owned()),
        AuthError::LoginRefused(reason) => (403, "FORBIDDEN", reason.clone()),
        AuthError::TokenExpired => (401, "TOKEN_EXPIRED", "Token expired.".to_owned()),
        AuthError::TokenInvalid => (403, "INVALID_TOKEN", "Invalid token.".to_owned()),
        AuthError::Unauthenticated | AuthError::Forbidden(_) | AuthError::EmailNotVerified => (
            403,
            "FORBIDDEN",
            "You don't have permission to access this.".to_owned(),
        ),
        AuthError::Validation { field, rule } => (
            400,
            "INVALID_PAYLOAD",
            format!("Invalid payload. {}.", reason(field, rule)),
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
        AuthError::Unsupported(_) => (501, "UNSUPPORTED", err.to_string()),
        AuthError::Unavailable | AuthError::Overloaded { .. } => (
            503,
            "SERVICE_UNAVAILABLE",
            "Service is unavailable.".to_owned(),
        ),
    }
}
