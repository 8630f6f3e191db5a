//! Reading and writing the auth cookies.
//!
//! The native cookies go by prefixed names when they are `Secure`: the
//! access cookie, host-only on `/`, is `__Host-…` (no other host and no
//! plain-http page can set it); the refresh and device cookies, scoped to
//! the paths that use them, are `__Secure-…`. The refresh cookie is sent
//! only to the auth endpoints, the device cookie only to the dialect's own
//! paths.

use std::time::Duration;

use cookie::Cookie;
use http::{HeaderMap, HeaderValue};

use crate::config::CookieConfig;

/// One of the native cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Jar {
    /// The access token, for every route of the app.
    Access,
    /// The refresh token, for the auth endpoints only.
    Refresh,
    /// The device token, for the login endpoints.
    Device,
    /// A passkey ceremony's secret, for the auth endpoints only.
    Passkey,
}

/// The name a native cookie goes by.
pub(crate) fn name(config: &CookieConfig, jar: Jar) -> String {
    let (base, host_only_root) = match jar {
        Jar::Access => (
            &config.access_name,
            config.domain.is_none() && config.path == "/",
        ),
        Jar::Refresh => (&config.refresh_name, false),
        Jar::Device => (&config.device_name, false),
        Jar::Passkey => (&config.passkey_name, false),
    };
    match (config.secure && config.prefixed, host_only_root) {
        (true, true) => format!("__Host-{base}"),
        (true, false) => format!("__Secure-{base}"),
        (false, _) => base.clone(),
    }
}

/// The value of a native cookie in the request.
pub(crate) fn read_jar(headers: &HeaderMap, config: &CookieConfig, jar: Jar) -> Option<String> {
    read(headers, &name(config, jar))
}

/// A `Set-Cookie` value for a native cookie, set by a request to
/// `request_path` (which scopes the refresh and device cookies).
pub(crate) fn set_jar(
    config: &CookieConfig,
    jar: Jar,
    value: &str,
    max_age: Duration,
    request_path: &str,
) -> HeaderValue {
    let scoped = scoped(config, jar, request_path);
    set(&scoped, &name(config, jar), value, max_age)
}

/// A `Set-Cookie` value that deletes a native cookie.
pub(crate) fn clear_jar(config: &CookieConfig, jar: Jar, request_path: &str) -> HeaderValue {
    let scoped = scoped(config, jar, request_path);
    clear(&scoped, &name(config, jar))
}

/// The attributes of a native cookie: the access cookie as configured; the
/// refresh cookie on the auth endpoints' path; the device cookie on the
/// dialect's path, host-only. An empty path leaves `Path` out, so that the
/// browser scopes the cookie to the directory it asked (right behind a
/// proxy that serves the endpoints under a path of its own).
fn scoped(config: &CookieConfig, jar: Jar, request_path: &str) -> CookieConfig {
    let auth_path = config
        .refresh_path
        .clone()
        .unwrap_or_else(|| auth_path(request_path));
    match jar {
        Jar::Access => config.clone(),
        Jar::Refresh | Jar::Passkey => CookieConfig {
            path: auth_path,
            ..config.clone()
        },
        Jar::Device => CookieConfig {
            path: auth_path
                .strip_suffix("/auth")
                .filter(|mount| !mount.is_empty())
                .unwrap_or("/")
                .to_owned(),
            domain: None,
            ..config.clone()
        },
    }
}

/// Where the auth endpoints live, judged from the path of one of them:
/// up to the last `/auth` segment (`/api/auth/login` → `/api/auth`), or
/// beside a cookie login (`/api/login` → `/api/auth`). The cookie bridge
/// is reached through the app's own proxy, whose path the server cannot
/// know: there the browser's own default (the directory it asked) is right.
fn auth_path(request_path: &str) -> String {
    if request_path.ends_with("/auth/set-cookies") {
        return String::new();
    }
    match request_path.rfind("/auth/") {
        Some(at) => request_path[..at + "/auth".len()].to_owned(),
        None => {
            let dir = request_path.rsplit_once('/').map_or("", |(dir, _)| dir);
            format!("{dir}/auth")
        }
    }
}

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
        .max_age(max_age)
        .build();
    if !config.path.is_empty() {
        cookie.set_path(config.path.clone());
    }
    if let Some(domain) = &config.domain {
        cookie.set_domain(domain.clone());
    }
    // Names and values are ours (config-checked names, base64url or JWT
    // values), so the header is always valid; fall back to a harmless empty one.
    HeaderValue::from_str(&cookie.to_string()).unwrap_or(HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_auth_path_is_where_the_auth_endpoints_live() {
        assert_eq!(auth_path("/api/auth/login"), "/api/auth");
        assert_eq!(auth_path("/api/auth/google/callback"), "/api/auth");
        assert_eq!(auth_path("/api/login"), "/api/auth");
        assert_eq!(auth_path("/login"), "/auth");
        assert_eq!(auth_path("/auth/auth/refresh-token"), "/auth/auth");
        assert_eq!(auth_path("/api/auth/set-cookies"), "");
    }

    #[test]
    fn secure_cookies_go_by_prefixed_names() {
        let mut config = CookieConfig::default();
        assert_eq!(name(&config, Jar::Access), "__Host-portcullis_access");
        assert_eq!(name(&config, Jar::Refresh), "__Secure-portcullis_refresh");
        assert_eq!(name(&config, Jar::Device), "__Secure-portcullis_device");
        config.domain = Some("example.com".into());
        assert_eq!(name(&config, Jar::Access), "__Secure-portcullis_access");
        config.prefixed = false;
        assert_eq!(name(&config, Jar::Access), "portcullis_access");
        config.secure = false;
        config.prefixed = true;
        assert_eq!(name(&config, Jar::Refresh), "portcullis_refresh");
    }
}
