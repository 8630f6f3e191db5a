//! Magic links: asking for a sign-in link, and signing in with its token.

use bytes::Bytes;
use http::{Response, StatusCode};

use super::account::MAIL_MAYBE_SENT;
use super::replies::MfaChallengeShape;
use super::session::deliver;
use super::{body, cookie_mode, success};
use crate::error::AuthError;
use crate::service::{LoginOutcome, MagicLinkRequest};
use crate::web::call::Call;
use crate::web::login_context::LoginContext;

/// `POST /auth/magic-link`: `{email, redirect?}` → always the same 200.
pub(super) async fn request(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let body = body(call)?;
    let mut request = MagicLinkRequest::new(body.required_str("email")?);
    request.redirect = body.optional_str("redirect")?;
    call.auth.request_magic_link(request, call.client).await?;
    Ok(success(StatusCode::OK, MAIL_MAYBE_SENT))
}

/// `POST /auth/magic-link/verify`: `{token, remember?, mode?}` → the
/// session (in the body, or with `mode: "cookie"` in cookies), or an MFA
/// challenge.
pub(super) async fn verify(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let body = body(call)?;
    let token = body.required_str("token")?;
    let cookie_mode = cookie_mode(&body)?;
    if cookie_mode {
        // It sets cookies: refuse foreign origins (login CSRF).
        call.check_origin()?;
    }
    let remember = body.optional_bool("remember")?.unwrap_or(false);
    let context = cookie_mode.then(|| LoginContext::NativeCookie.as_str().to_owned());
    match call
        .auth
        .sign_in_with_magic_link(&token, remember, context, call.client)
        .await?
    {
        LoginOutcome::Session(session) => Ok(deliver(call, &session, cookie_mode)),
        LoginOutcome::MfaRequired { mfa_token } => Ok(success(
            StatusCode::OK,
            MfaChallengeShape {
                mfa_required: true,
                mfa_token,
            },
        )),
    }
}
