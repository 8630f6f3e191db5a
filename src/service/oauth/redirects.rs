//! Where logins may return to: the allow-listed redirect and the cookie
//! bridge's proxy prefix.

use url::Url;

use crate::error::{AuthError, Field, Rule};
use crate::service::Auth;

/// Longest `redirect` accepted.
const MAX_REDIRECT: usize = 2048;

impl Auth {
    /// Checks a page a login may return to: an absolute http(s) URL without
    /// credentials, on `oauth.redirect_origins` or the provider's own list.
    pub fn check_redirect(&self, provider: Option<&str>, redirect: &str) -> Result<Url, AuthError> {
        let refused = || AuthError::invalid(Field::Redirect, Rule::NotAllowed);
        let url = Url::parse(redirect).map_err(|_| refused())?;
        if url.as_str().len() > MAX_REDIRECT
            || !matches!(url.scheme(), "http" | "https")
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(refused());
        }
        let origin = url.origin().ascii_serialization();
        let own = provider
            .and_then(|name| self.oauth_provider(name))
            .map(|p| p.config().allowed_redirect_origins.as_slice())
            .unwrap_or_default();
        let allowed = self
            .0
            .config
            .oauth
            .redirect_origins
            .iter()
            .chain(own)
            .filter_map(|o| Url::parse(o).ok())
            .any(|o| o.origin().ascii_serialization() == origin);
        if allowed { Ok(url) } else { Err(refused()) }
    }
}

/// A proxy prefix: `/segment[/segment…]` of unreserved characters, so that
/// the bridge URL stays on the redirect's origin.
pub(super) fn check_prefix(prefix: &str) -> Result<(), AuthError> {
    let ok = prefix.len() <= 100
        && prefix.starts_with('/')
        && prefix[1..].split('/').all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        });
    if ok {
        Ok(())
    } else {
        Err(AuthError::invalid(Field::BridgePrefix, Rule::NotAPath))
    }
}

#[cfg(test)]
mod tests {
    use super::check_prefix;

    #[test]
    fn bridge_prefixes_stay_paths() {
        for good in ["/api", "/enfyra", "/a/b-c_d.e~f"] {
            assert!(check_prefix(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "api",
            "//evil.example",
            "/",
            "/a//b",
            "/..",
            "/a/../b",
            "/a?b",
            "/a\\b",
            "/@evil",
        ] {
            assert!(check_prefix(bad).is_err(), "{bad}");
        }
    }
}
