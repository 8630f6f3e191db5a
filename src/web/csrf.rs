//! CSRF defence for cookie sessions.
//!
//! A browser attaches cookies to requests that other sites trigger, so an
//! unsafe request (anything but GET, HEAD, OPTIONS, TRACE) authenticated by
//! cookie must come from an allowed origin: the request's own host or one of
//! `AuthConfig::allowed_origins`. The `Origin` header decides; without it,
//! `Sec-Fetch-Site: cross-site` is refused. Bearer-token requests are immune
//! (no browser adds that header on its own) and are not checked. The cookies
//! are also `SameSite=Lax` by default, a second line of defence.

use http::{HeaderMap, Method, header};

use crate::config::AuthConfig;
use crate::error::AuthError;

/// Refuses a cookie-authenticated unsafe request from a foreign origin.
pub(crate) fn check(
    config: &AuthConfig,
    method: &Method,
    headers: &HeaderMap,
) -> Result<(), AuthError> {
    if method.is_safe() {
        return Ok(());
    }
    let refuse = Err(AuthError::Forbidden("cross-origin request refused"));
    match headers.get(header::ORIGIN).map(|v| v.to_str()) {
        Some(Ok(origin)) if origin_allowed(config, headers, origin) => Ok(()),
        Some(_) => refuse,
        None => match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
            Some("cross-site") => refuse,
            _ => Ok(()),
        },
    }
}

fn origin_allowed(config: &AuthConfig, headers: &HeaderMap, origin: &str) -> bool {
    let origin = origin.trim_end_matches('/');
    if config
        .allowed_origins
        .iter()
        .any(|allowed| allowed.trim_end_matches('/').eq_ignore_ascii_case(origin))
    {
        return true;
    }
    let authority = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    http::HeaderName::from_static(k),
                    HeaderValue::from_static(v),
                )
            })
            .collect()
    }

    #[test]
    fn same_host_and_listed_origins_pass_others_do_not() {
        let mut config = AuthConfig::new(vec![0; 32]);
        config.allowed_origins = vec!["https://app.example.com".into()];
        let post = Method::POST;
        let ok = |h| check(&config, &post, &h).is_ok();
        assert!(ok(headers(&[
            ("host", "api.local:3000"),
            ("origin", "http://api.local:3000")
        ])));
        assert!(ok(headers(&[
            ("host", "api.local"),
            ("origin", "https://app.example.com")
        ])));
        assert!(!ok(headers(&[
            ("host", "api.local"),
            ("origin", "https://evil.example")
        ])));
        assert!(!ok(headers(&[("host", "api.local"), ("origin", "null")])));
        assert!(!ok(headers(&[
            ("host", "api.local"),
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(ok(headers(&[("host", "api.local")])));
        assert!(
            check(
                &config,
                &Method::GET,
                &headers(&[("origin", "https://evil.example")])
            )
            .is_ok()
        );
    }
}
