//! [`WebConfig`]: what only the web layer reads: cookies, origins, body
//! size, proxies.

use std::net::IpAddr;

use crate::error::ConfigError;

/// The web layer's settings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WebConfig {
    /// Auth cookies (cookie mode).
    pub cookies: CookieConfig,
    /// Origins (`https://app.example.com`) allowed to make cookie-authenticated
    /// unsafe requests, besides the request's own host.
    pub allowed_origins: Vec<String>,
    /// Largest request body the handlers read; default 1 MiB (413 beyond).
    pub body_limit: usize,
    /// Proxies whose `X-Forwarded-For` is believed; empty: the peer address is the client.
    pub trusted_proxies: Vec<IpAddr>,
    /// Whether the Directus dialect takes an access token from the query
    /// (`?access_token=`), as Directus does; default off, since a token in
    /// a URL ends up in logs, history and `Referer` headers.
    pub query_access_token: bool,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            cookies: CookieConfig::default(),
            allowed_origins: Vec::new(),
            body_limit: 1024 * 1024,
            trusted_proxies: Vec::new(),
            query_access_token: false,
        }
    }
}

impl WebConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let cookies = &self.cookies;
        let names = [
            &cookies.access_name,
            &cookies.refresh_name,
            &cookies.device_name,
            &cookies.passkey_name,
        ];
        let distinct = names
            .iter()
            .enumerate()
            .all(|(i, name)| !name.is_empty() && !names[..i].contains(name));
        if !distinct {
            return Err(ConfigError::new(
                "web.cookies: the access, refresh, device and passkey cookies need different names",
            ));
        }
        if cookies.oauth_flow_name.is_empty() {
            return Err(ConfigError::new("web.cookies.oauth_flow_name is empty"));
        }
        Ok(())
    }
}

/// Names and attributes of the auth cookies.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CookieConfig {
    /// Cookie holding the access token; default `portcullis_access`.
    pub access_name: String,
    /// Cookie holding the refresh token; default `portcullis_refresh`.
    pub refresh_name: String,
    /// Cookie marking a browser that signed in before (it then passes an
    /// account's lockout with the right password); default `portcullis_device`.
    pub device_name: String,
    /// Cookie binding a passkey ceremony to the browser that started it
    /// (short-lived, on the auth endpoints' path); default `portcullis_passkey`.
    pub passkey_name: String,
    /// Whether `Secure` cookies take the `__Host-` prefix (the access cookie,
    /// host-only on `/`) or `__Secure-` (the refresh and device cookies,
    /// scoped to narrower paths); default on.
    pub prefixed: bool,
    /// The `Path` of the refresh cookie; default: where the auth endpoints
    /// answer (`/api/auth` for routes nested at `/api`). Set it when a proxy
    /// serves the endpoints under another path.
    pub refresh_path: Option<String>,
    /// The HttpOnly cookie that binds an OAuth login to the browser that
    /// started it, one per provider (`{name}_{provider}`); default
    /// `portcullis_oauth`. It is always host-only on `/`, and
    /// `__Host-`-prefixed when cookies are `Secure`, so that no sibling
    /// subdomain receives or plants one.
    pub oauth_flow_name: String,
    /// The `Secure` attribute; default `true`. Turn off only for plain http on loopback.
    pub secure: bool,
    /// The `Path` attribute of the access cookie; default `/`.
    pub path: String,
    /// The `Domain` attribute; default none (host-only).
    pub domain: Option<String>,
    /// The `SameSite` attribute; default `Lax`.
    pub same_site: cookie::SameSite,
}

impl Default for CookieConfig {
    fn default() -> Self {
        Self {
            access_name: "portcullis_access".into(),
            refresh_name: "portcullis_refresh".into(),
            device_name: "portcullis_device".into(),
            passkey_name: "portcullis_passkey".into(),
            prefixed: true,
            refresh_path: None,
            oauth_flow_name: "portcullis_oauth".into(),
            secure: true,
            path: "/".into(),
            domain: None,
            same_site: cookie::SameSite::Lax,
        }
    }
}
