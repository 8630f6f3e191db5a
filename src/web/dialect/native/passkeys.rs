//! Passkeys: registering one (signed in), signing in with one
//! (usernameless, or as the second step of a password login), and my list.
//!
//! A ceremony's secret travels in an HttpOnly cookie on the auth path, so
//! only the browser that started a ceremony can finish it; every finish
//! clears it, whatever the outcome (a ceremony serves one answer).

use bytes::Bytes;
use http::header::SET_COOKIE;
use http::{Response, StatusCode};

use super::replies::{CeremonyShape, PasskeyShape};
use super::session::{check_second_step_origin, deliver};
use super::{body, cookie_mode, error, success};
use crate::error::{AuthError, Field, Rule};
use crate::identity::Identity;
use crate::service::{PasskeyAnswer, PasskeyCeremony};
use crate::web::call::Call;
use crate::web::cookies::Jar;
use crate::web::login_context::LoginContext;
use crate::web::respond::no_content;

/// `POST /auth/passkeys/register/start`: signed in, `{currentPassword?}`.
pub(super) async fn register_start(
    call: &Call<'_>,
    identity: &Identity,
) -> Result<Response<Bytes>, AuthError> {
    let current_password = body(call)?.optional_str("currentPassword")?;
    let ceremony = call
        .auth
        .begin_passkey_registration(identity, current_password.as_deref(), call.client)
        .await?;
    Ok(started(call, ceremony))
}

/// `POST /auth/passkeys/register/finish`: signed in, `{credential, name?}`.
pub(super) async fn register_finish(
    call: &Call<'_>,
    identity: &Identity,
) -> Result<Response<Bytes>, AuthError> {
    let body = body(call)?;
    let credential = body.required_object("credential")?;
    let name = body.optional_str("name")?;
    let challenge = ceremony_secret(call)?;
    let registered = call
        .auth
        .finish_passkey_registration(identity, &challenge, credential, name.as_deref())
        .await;
    Ok(ending_ceremony(
        call,
        registered.map(|passkey| success(StatusCode::CREATED, PasskeyShape::of(&passkey))),
    ))
}

/// `POST /auth/passkeys/login/start`: `{mfaToken?}`.
pub(super) async fn login_start(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let mfa_token = body(call)?.optional_str("mfaToken")?;
    if let Some(mfa_token) = &mfa_token {
        check_second_step_origin(call, mfa_token).await?;
    }
    let ceremony = call
        .auth
        .begin_passkey_login(mfa_token.as_deref(), call.client)
        .await?;
    Ok(started(call, ceremony))
}

/// `POST /auth/passkeys/login/finish`: `{credential, mfaToken?, remember?,
/// mode?}` → the session, in the body or (`mode: "cookie"`) in cookies.
pub(super) async fn login_finish(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let body = body(call)?;
    let credential = body.required_object("credential")?;
    let mfa_token = body.optional_str("mfaToken")?;
    let cookie_mode = cookie_mode(&body)?;
    if cookie_mode {
        // It sets cookies: refuse foreign origins (login CSRF).
        call.check_origin()?;
    }
    if let Some(mfa_token) = &mfa_token {
        check_second_step_origin(call, mfa_token).await?;
    }
    let challenge = ceremony_secret(call)?;
    let mut answer = PasskeyAnswer::new(&challenge, credential);
    answer.mfa_token = mfa_token.as_deref();
    answer.remember = body.optional_bool("remember")?.unwrap_or(false);
    answer.context = cookie_mode.then(|| LoginContext::NativeCookie.as_str().to_owned());
    let login = call.auth.finish_passkey_login(answer, call.client).await;
    Ok(ending_ceremony(
        call,
        login.map(|login| {
            let cookie_mode =
                LoginContext::parse(login.context.as_deref()) == Some(LoginContext::NativeCookie);
            deliver(call, &login.session, cookie_mode)
        }),
    ))
}

/// `GET /auth/passkeys`: my passkeys, oldest first.
pub(super) async fn list(
    call: &Call<'_>,
    identity: &Identity,
) -> Result<Response<Bytes>, AuthError> {
    let passkeys = call.auth.my_passkeys(identity).await?;
    let shapes: Vec<PasskeyShape> = passkeys.iter().map(PasskeyShape::of).collect();
    Ok(success(StatusCode::OK, shapes))
}

/// `PATCH /auth/passkeys/{id}`: `{name}`.
pub(super) async fn rename(
    call: &Call<'_>,
    identity: &Identity,
) -> Result<Response<Bytes>, AuthError> {
    let id = call.path_segment(0)?;
    let name = body(call)?.required_str("name")?;
    call.auth.rename_passkey(identity, id, &name).await?;
    Ok(no_content())
}

/// `DELETE /auth/passkeys/{id}`.
pub(super) async fn remove(
    call: &Call<'_>,
    identity: &Identity,
) -> Result<Response<Bytes>, AuthError> {
    let id = call.path_segment(0)?;
    call.auth.remove_passkey(identity, id).await?;
    Ok(no_content())
}

/// The options, and the ceremony's secret in its cookie.
fn started(call: &Call<'_>, ceremony: PasskeyCeremony) -> Response<Bytes> {
    let ttl = call.auth.config().passkeys.challenge_ttl;
    let cookie = call.set_jar(Jar::Passkey, &ceremony.challenge, ttl);
    let mut response = success(
        StatusCode::OK,
        CeremonyShape {
            options: ceremony.options,
        },
    );
    response.headers_mut().append(SET_COOKIE, cookie);
    response
}

/// The secret of the ceremony this browser started.
fn ceremony_secret(call: &Call<'_>) -> Result<String, AuthError> {
    call.jar(Jar::Passkey).ok_or_else(|| {
        AuthError::invalid(
            Field::named("credential"),
            Rule::Said("no passkey ceremony was started in this browser: start one first".into()),
        )
    })
}

/// The outcome of a finish, clearing the ceremony's cookie either way.
fn ending_ceremony(
    call: &Call<'_>,
    outcome: Result<Response<Bytes>, AuthError>,
) -> Response<Bytes> {
    let mut response = outcome.unwrap_or_else(|err| error(&err));
    response
        .headers_mut()
        .append(SET_COOKIE, call.clear_jar(Jar::Passkey));
    response
}
