//! The OAuth endpoints' shared steps, for every dialect: starting a login
//! (the flow cookie and the redirect to the provider) and reading the
//! provider's callback. How a login lands is each dialect's own (see
//! `dialect::native` and `dialect::directus`); the dialect dispatcher picks
//! one by the login's [`LoginContext`](super::login_context::LoginContext).

use bytes::Bytes;
use http::header::SET_COOKIE;
use http::{HeaderValue, Response};
use url::Url;

use super::call::Call;
use super::cookies;
use super::respond::found;
use crate::config::AuthConfig;
use crate::error::AuthError;
use crate::service::{OAuthCallback, OAuthFailure, OAuthLanding, OAuthRequest, OAuthStart};

/// How a started login goes on.
pub(crate) enum Started {
    /// Off to the provider: a 302 that sets the flow cookie.
    Provider(Response<Bytes>),
    /// The provider failed before the login could start.
    Failed {
        /// The app's page, if the login has one.
        redirect: Option<Url>,
        /// Why.
        failure: OAuthFailure,
    },
}

/// `GET …/{provider}`: starts a login with the provider the path names.
pub(crate) async fn start(call: &Call<'_>, request: OAuthRequest) -> Result<Started, AuthError> {
    let provider = call.path_segment(0)?;
    match call
        .auth
        .begin_oauth(provider, request, call.client)
        .await?
    {
        OAuthStart::Provider { location, flow } => {
            let mut response = found(location.as_str());
            let config = call.auth.config();
            response.headers_mut().append(
                SET_COOKIE,
                cookies::set(
                    &cookies::flow_attributes(&config.web.cookies),
                    &flow_cookie(config, provider),
                    &flow,
                    config.oauth.flow_ttl,
                ),
            );
            Ok(Started::Provider(response))
        }
        OAuthStart::Failed { redirect, failure } => Ok(Started::Failed { redirect, failure }),
    }
}

/// `GET …/{provider}/callback`: finishes the login this browser started,
/// and the `Set-Cookie` value that clears its flow cookie (whatever the
/// outcome, the answer must carry it).
pub(crate) async fn finish(call: &Call<'_>) -> (Result<OAuthLanding, AuthError>, HeaderValue) {
    let config = call.auth.config();
    // The router matched `{provider}`, so the segment is there.
    let provider = call.path_segment(1).unwrap_or_default();
    let name = flow_cookie(config, provider);
    let callback = OAuthCallback {
        state: call.query("state"),
        code: call.query("code"),
        error: call.query("error"),
        flow: call.cookie(&name),
    };
    let landing = call
        .auth
        .finish_oauth(provider, callback, call.client)
        .await;
    let clear = cookies::clear(&cookies::flow_attributes(&config.web.cookies), &name);
    (landing, clear)
}

/// The flow cookie of logins with `provider` (one per provider, so that
/// logins with two providers at once do not clash): `__Host-`-prefixed
/// whenever it is `Secure` (it is always host-only on `/`), so that no
/// other host can set it.
fn flow_cookie(config: &AuthConfig, provider: &str) -> String {
    let name = format!("{}_{provider}", config.web.cookies.oauth_flow_name);
    if config.web.cookies.secure {
        format!("__Host-{name}")
    } else {
        name
    }
}

/// The URL with `key=value` added to its query.
pub(crate) fn with_pair(mut url: Url, key: &str, value: &str) -> Url {
    url.query_pairs_mut().append_pair(key, value);
    url
}
