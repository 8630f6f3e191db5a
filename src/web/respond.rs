//! Building responses: JSON bodies, redirects, empty answers.

use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use http::{HeaderValue, Response, StatusCode};
use serde::Serialize;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;

use crate::error::AuthError;

/// A JSON response with the given `Content-Type`.
pub(crate) fn json(
    status: StatusCode,
    body: &impl Serialize,
    content_type: &'static str,
) -> Response<Bytes> {
    // The answers are plain data (strings, numbers, lists, string-keyed
    // maps): serializing them cannot fail.
    let bytes = serde_json::to_vec(body).unwrap_or_else(|err| {
        tracing::error!(error = %err, "an answer did not serialize");
        b"{}".to_vec()
    });
    let mut response = Response::new(Bytes::from(bytes));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A `Retry-After` header when the error has one.
pub(crate) fn with_retry_after(mut response: Response<Bytes>, err: &AuthError) -> Response<Bytes> {
    if let Some(secs) = err.retry_after_secs() {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// 204, no body.
pub(crate) fn no_content() -> Response<Bytes> {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

/// A 302 that no cache keeps (it may carry tokens).
pub(crate) fn found(location: &str) -> Response<Bytes> {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = StatusCode::FOUND;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(location) {
        headers.insert(LOCATION, value);
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// An RFC 3339 time, or `null`.
pub(crate) fn timestamp(t: time::OffsetDateTime) -> Value {
    t.format(&Rfc3339).map_or(Value::Null, Value::String)
}
