//! CSRF defence for cookie sessions.
//!
//! A browser attaches cookies to requests that other sites trigger, so an
//! unsafe request (anything but GET, HEAD, OPTIONS, TRACE) authenticated by
//! cookie must come from an allowed origin: the request's own host or one of
//! `AuthConfig::allowed_origins`. The `Origin` header decides; without it,
//! `Sec-Fetch-Site: cross-site` is refused. Bearer-token requests are immune
//! (no browser adds that header on its own) and are not checked. The cookies
//! are also `SameSite=Lax` by default, a second line of defence.

use http::{HeaderMap, Method, Uri, header};

use crate::config::AuthConfig;
use crate::error::AuthError;

/// Refuses a cookie-authenticated unsafe request from a foreign origin.
pub(crate) fn check(
    config: &AuthConfig,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<(), AuthError> {
    if method.is_safe() {
        return Ok(());
    }
    let refuse = Err(AuthError::Forbidden("cross-origin request refused"));
    match headers.get(header::ORIGIN).map(|v| v.to_str()) {
        Some(Ok(origin)) if origin_allowed(config, uri, headers, origin) => Ok(()),
        Some(_) => refuse,
        None => match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
            Some("cross-site") => refuse,
            _ => Ok(()),
        },
    }
}

/// Whether `origin` is listed, or is the request's own origin: its host
/// (the `Host` header, or the URI's authority where HTTP/2 carries it) with
/// the scheme the cookies are for (`https` when they are `Secure`; behind a
/// TLS-terminating proxy the server cannot see the scheme itself), so that
/// a plain-http page of the same host cannot pass for the site.
fn origin_allowed(config: &AuthConfig, uri: &Uri, headers: &HeaderMap, origin: &str) -> bool {
    let origin = origin.trim_end_matches('/');
    if config
        .web
        .allowed_origins
        .iter()
        .any(|allowed| allowed.trim_end_matches('/').eq_ignore_ascii_case(origin))
    {
        return true;
    }
    let scheme = if config.web.cookies.secure {
        "https://"
    } else {
        "http://"
    };
    let authority = origin
        .get(..scheme.len())
        .filter(|prefix| prefix.eq_ignore_ascii_case(scheme))
        .map(|_| &origin[scheme.len()..]);
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()));
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
        config.web.allowed_origins = vec!["https://app.example.com".into()];
        let post = Method::POST;
        let uri = Uri::from_static("/api/me");
        let ok = |h| check(&config, &post, &uri, &h).is_ok();
        assert!(ok(headers(&[
            ("host", "api.local:3000"),
            ("origin", "https://api.local:3000")
        ])));
        assert!(
            !ok(headers(&[
                ("host", "api.local:3000"),
                ("origin", "http://api.local:3000")
            ])),
            "Secure cookies: a plain-http page of the host is not the site"
        );
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
        let evil = headers(&[("origin", "https://evil.example")]);
        assert!(
            check(&config, &Method::GET, &uri, &evil).is_ok(),
            "safe methods pass"
        );
        let http2 = Uri::from_static("https://api.local/api/me");
        let own = headers(&[("origin", "https://api.local")]);
        assert!(
            check(&config, &post, &http2, &own).is_ok(),
            "HTTP/2: the URI has the authority"
        );
    }
}
