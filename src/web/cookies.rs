//! Reading and writing the auth cookies.

use std::time::Duration;

use cookie::Cookie;
use http::{HeaderMap, HeaderValue};

use crate::config::CookieConfig;

/// The value of the named cookie in the request's `Cookie` headers.
pub(crate) fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name && !c.value().is_empty())
        .map(|c| c.value().to_owned())
}

/// A `Set-Cookie` value: HttpOnly, with the configured attributes.
pub(crate) fn set(
    config: &CookieConfig,
    name: &str,
    value: &str,
    max_age: Duration,
) -> HeaderValue {
    let max_age = i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX);
    build(config, name, value, time::Duration::seconds(max_age))
}

/// A `Set-Cookie` value that deletes the cookie.
pub(crate) fn clear(config: &CookieConfig, name: &str) -> HeaderValue {
    build(config, name, "", time::Duration::ZERO)
}

/// The attributes of an OAuth flow cookie, whatever the configuration
/// says: `SameSite=Lax`, since the browser must send it back on the
/// provider's cross-site redirect to the callback; and host-only on `/`,
/// so that no sibling host under a configured `Domain` receives or plants it.
pub(crate) fn flow_attributes(config: &CookieConfig) -> CookieConfig {
    CookieConfig {
        same_site: cookie::SameSite::Lax,
        domain: None,
        path: "/".into(),
        ..config.clone()
    }
}

fn build(config: &CookieConfig, name: &str, value: &str, max_age: time::Duration) -> HeaderValue {
    let mut cookie = Cookie::build((name.to_owned(), value.to_owned()))
        .http_only(true)
        .secure(config.secure)
        .same_site(config.same_site)
        .path(config.path.clone())
        .max_age(max_age)
        .build();
    if let Some(domain) = &config.domain {
        cookie.set_domain(domain.clone());
    }
    // Names and values are ours (config-checked names, base64url or JWT
    // values), so the header is always valid; fall back to a harmless empty one.
    HeaderValue::from_str(&cookie.to_string()).unwrap_or(HeaderValue::from_static(""))
}
