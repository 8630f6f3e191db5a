//! The native OAuth endpoints: starting a login, how it lands (the cookie
//! bridge, the app callback, or `redirect?error=`), and the bridge itself.

use bytes::Bytes;
use http::Response;
use url::Url;

use super::body;
use super::session::{deliver, with_session_cookies};
use crate::config::OAuthBridge;
use crate::error::{AuthError, Field, Rule};
use crate::service::{LoginOutcome, OAuthLanding, OAuthRequest, Session};
use crate::web::call::Call;
use crate::web::login_context::LoginContext;
use crate::web::oauth_flow::{self, Started, with_pair};
use crate::web::respond::found;

/// The cookie bridge's prefix when the app gives none.
const DEFAULT_BRIDGE_PREFIX: &str = "/api";

/// `GET /auth/{provider}?redirect=…&cookieBridgePrefix=…`: two steps (an
/// `mfaToken` goes back to the page), so the service refuses a login
/// without `redirect`.
pub(super) async fn start(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let provider = call.path_segment(0)?;
    let bridged = call
        .auth
        .oauth_provider(provider)
        .is_some_and(|p| p.config().auto_set_cookies);
    let mut request = call
        .query("redirect")
        .map_or_else(OAuthRequest::without_redirect, OAuthRequest::new);
    let context = if bridged {
        LoginContext::NativeCookie
    } else {
        LoginContext::NativeCallback
    };
    request.context = Some(context.as_str().to_owned());
    request.one_step = false;
    request.bridge_prefix = call.query("cookieBridgePrefix");
    match oauth_flow::start(call, request).await? {
        Started::Provider(response) => Ok(response),
        Started::Failed {
            redirect: Some(redirect),
            failure,
        } => Ok(found(with_pair(redirect, "error", failure.code()).as_str())),
        // A native start always has a redirect.
        Started::Failed { redirect: None, .. } => {
            Err(AuthError::invalid(Field::Redirect, Rule::Missing))
        }
    }
}

/// Where a finished native login goes: the cookie bridge (a bridged
/// login), the provider's app callback, or back with `?error=` or the
/// `mfaToken`.
pub(crate) async fn landing(
    call: &Call<'_>,
    landing: OAuthLanding,
) -> Result<Response<Bytes>, AuthError> {
    // A native start always gives one.
    let redirect = landing
        .redirect
        .ok_or(AuthError::invalid(Field::Redirect, Rule::Missing))?;
    let bridge =
        LoginContext::parse(landing.context.as_deref()) == Some(LoginContext::NativeCookie);
    let app_callback = call
        .auth
        .oauth_provider(&landing.provider)
        .and_then(|p| p.config().app_callback_url.as_deref())
        .and_then(|u| Url::parse(u).ok());
    let provider = landing.provider.as_str();
    let location = match (landing.outcome, bridge, app_callback) {
        (Err(failure), _, _) => with_pair(redirect, "error", failure.code()),
        (Ok(LoginOutcome::Session(session)), true, _) => {
            let prefix = landing
                .bridge_prefix
                .as_deref()
                .unwrap_or(DEFAULT_BRIDGE_PREFIX);
            let mut bridge = redirect.clone();
            bridge.set_path(&format!("{prefix}/auth/set-cookies"));
            bridge.set_query(None);
            bridge.set_fragment(None);
            carry(call, bridge, &session, provider, &redirect).await?
        }
        (Ok(LoginOutcome::Session(session)), false, Some(target)) => {
            carry(call, target, &session, provider, &redirect).await?
        }
        (Ok(LoginOutcome::MfaRequired { mfa_token }), bridge, target) => {
            let mut target = if bridge { None } else { target }.unwrap_or(redirect.clone());
            target
                .query_pairs_mut()
                .append_pair("mfaToken", &mfa_token)
                .append_pair("loginProvider", provider);
            if !bridge {
                target
                    .query_pairs_mut()
                    .append_pair("redirect", redirect.as_str());
            }
            target
        }
        // The provider was validated with an app callback URL; it is gone only
        // if the provider list changed under a running login.
        (Ok(LoginOutcome::Session(_)), false, None) => return Err(AuthError::NotFound),
    };
    Ok(found(location.as_str()))
}

/// `GET /auth/set-cookies?code&loginProvider&redirect` (or, with the
/// tokens bridge, `?accessToken&refreshToken&expTime&loginProvider&redirect`):
/// sets the auth cookies on this origin (the app's, through its proxy) and
/// goes on to `redirect`. A code works once, within `oauth.bridge_ttl`;
/// tokens must be a live pair of one session that an external login
/// opened moments ago (see [`Auth::bridge_session`](crate::Auth::bridge_session)),
/// and the refresh token is rotated, so the URL works once.
pub(super) async fn set_cookies(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let provider = call.query("loginProvider");
    let redirect = call
        .query("redirect")
        .ok_or(AuthError::invalid(Field::Redirect, Rule::Missing))?;
    let redirect = call.auth.check_redirect(provider.as_deref(), &redirect)?;
    let refused = |redirect| found(with_pair(redirect, "error", "invalid_token").as_str());
    let bridged = match (call.query("code"), call.auth.config().oauth.bridge) {
        (Some(code), _) => call.auth.redeem_login_code(&code).await,
        (None, OAuthBridge::Tokens) => {
            let (Some(access), Some(refresh)) =
                (call.query("accessToken"), call.query("refreshToken"))
            else {
                return Ok(refused(redirect));
            };
            call.auth.bridge_session(&access, &refresh).await
        }
        // Tokens in a URL are refused where the bridge carries codes.
        (None, _) => return Ok(refused(redirect)),
    };
    match bridged {
        Ok(session) => Ok(with_session_cookies(
            call,
            found(redirect.as_str()),
            &session,
        )),
        Err(AuthError::Unavailable) => Err(AuthError::Unavailable),
        Err(_) => Ok(refused(redirect)),
    }
}

/// `POST /auth/redeem` `{code}`: the app's own server exchanges the code
/// an external login carried to it for the session's tokens.
pub(super) async fn redeem(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let code = body(call)?.required_str("code")?;
    let session = call.auth.redeem_login_code(&code).await?;
    Ok(deliver(call, &session, false))
}

/// The finished login's session, in the redirect to the app: a single-use
/// code, or (the seed API's bridge) the tokens themselves.
async fn carry(
    call: &Call<'_>,
    mut target: Url,
    session: &Session,
    provider: &str,
    redirect: &Url,
) -> Result<Url, AuthError> {
    match call.auth.config().oauth.bridge {
        OAuthBridge::Tokens => {
            target
                .query_pairs_mut()
                .append_pair("accessToken", &session.access_token)
                .append_pair("refreshToken", &session.refresh_token)
                .append_pair("expTime", &session.expires_in.as_secs().to_string());
        }
        _ => {
            let code = call.auth.park_session(session).await?;
            target.query_pairs_mut().append_pair("code", &code);
        }
    }
    target
        .query_pairs_mut()
        .append_pair("loginProvider", provider);
    Ok(with_pair(target, "redirect", redirect.as_str()))
}
