//! The native dialect: `{statusCode, message, data}` envelopes, errors as
//! `{statusCode, message, details, code, field?}`, camelCase fields.
//!
//! | method | path | |
//! |---|---|---|
//! | POST | `/auth/login` | `{email, password, remember?, otp?}` → tokens and user |
//! | POST | `/login` | the same, cookie mode: HttpOnly cookies and the user |
//! | POST | `/auth/refresh-token` | `{refreshToken}` or the cookie → rotated tokens |
//! | POST | `/auth/logout` | `{refreshToken}` or the cookie → session revoked |
//! | POST | `/auth/register` | `{email, password, name?}` → 201 and the user |
//! | GET | `/auth/validate-session` | 200 when signed in, else 401 |
//! | GET | `/me` | the signed-in user |
//! | PATCH | `/me` | `{name?, password?, currentPassword?}` → the user |
//! | POST | `/auth/enable-mfa` | signed in, `{currentPassword}` → `{secret, otpauthUrl, qrCode}` (pending) |
//! | POST | `/auth/verify-mfa` | signed in, `{code}` → MFA on, `{recoveryCodes}`; or `{mfaToken, code}` → the login's tokens |
//! | POST | `/auth/recover-mfa` | `{mfaToken, recoveryCode}` → MFA off, the login's tokens |
//! | POST | `/auth/disable-mfa` | signed in, `{code}` or `{password}` → MFA off |
//! | POST | `/auth/request-reset-password`, `/auth/password/request` | `{email, resetUrl?}` → always the same 200 |
//! | POST | `/auth/reset-password`, `/auth/password/reset` | `{token, password}` |
//! | PUT | `/auth/update-user` | `{name?, email?, currentPassword?}` |
//! | PUT | `/auth/update-email` | `{token}`: confirms a new address |
//! | POST | `/auth/verify-email` | `{token}` |
//! | POST | `/auth/resend-verification` | `{email}` → always the same 200 |
//! | GET | `/auth/providers`, `/auth/oauth` | the login providers' names |
//! | GET | `/auth/{provider}` | `?redirect=…&cookieBridgePrefix=…` → 302 to the provider |
//! | GET | `/auth/{provider}/callback` | 302 to the cookie bridge, the app callback, or `redirect?error=` |
//! | GET | `/auth/set-cookies` | the cookie bridge: `?code=…` (or the tokens) → sets the cookies, 302 to `redirect` |
//! | POST | `/auth/redeem` | `{code}` (an external login's, at the app's server) → tokens and user |
//! | GET | `/auth/sessions` | signed in → my sessions: `[{id, createdAt, lastUsedAt, expiresAt, client, methods, current}]` |
//! | DELETE | `/auth/sessions/{id}` | signed in → that session of mine ends (204) |
//! | DELETE | `/auth/sessions` | signed in → all my sessions but this one end (204) |
//! | POST | `/auth/passkeys/register/start` | signed in, `{currentPassword?}` → `{options}` and the ceremony cookie |
//! | POST | `/auth/passkeys/register/finish` | signed in, `{credential, name?}` → 201 the passkey |
//! | POST | `/auth/passkeys/login/start` | `{mfaToken?}` → `{options}` and the ceremony cookie |
//! | POST | `/auth/passkeys/login/finish` | `{credential, mfaToken?, remember?, mode?}` → the session (cookies with `mode: "cookie"`) |
//! | GET | `/auth/passkeys` | signed in → my passkeys: `[{id, name, createdAt, lastUsedAt}]` |
//! | PATCH, DELETE | `/auth/passkeys/{id}` | signed in: `{name}` → 204; 204 (the last way to sign in: 409) |
//! | POST | `/auth/magic-link` | `{email, redirect?}` → always the same 200 (when magic links are on) |
//! | POST | `/auth/magic-link/verify` | `{token, remember?, mode?}` → the session, or `{mfaRequired, mfaToken}` |
//! | GET | `/admin/users` | admin, `?search=&limit=&cursor=` → `{users, next}` |
//! | POST | `/admin/users` | admin, `{email, name?, role?, password?}` or `{…, invite: true}` → 201 the account |
//! | GET, PATCH, DELETE | `/admin/users/{id}` | admin: the account; `{name?, role?, isActive?, emailVerified?}`; 204 |
//! | POST | `/admin/users/{id}/reset-mfa` | admin → 204 |
//! | GET, DELETE | `/admin/users/{id}/sessions` | admin: the account's sessions; 204, all ended |
//! | DELETE | `/admin/sessions/{id}` | admin → 204 |
//!
//! A user with MFA who logs in gets `{mfaRequired: true, mfaToken}` and no
//! tokens, unless the login body carries `otp` too.

mod account;
mod admin;
mod endpoints;
mod magic;
mod mfa;
mod oauth;
mod passkeys;
pub(crate) mod replies;
mod session;
mod sessions;
pub(crate) mod shapes;

use bytes::Bytes;
use http::{Response, StatusCode};
use serde::Serialize;

use crate::error::{AuthError, Field, Rule};
use crate::web::body::JsonBody;
use crate::web::call::Call;
use crate::web::respond;
use shapes::{ErrorShape, SuccessShape};

pub use endpoints::Endpoint;
pub(crate) use endpoints::ROUTES;
pub(crate) use oauth::landing as oauth_landing;

/// Answers one request of the native dialect.
pub(crate) async fn handle(call: &Call<'_>, endpoint: Endpoint) -> Response<Bytes> {
    match answer(call, endpoint).await {
        Ok(response) => response,
        Err(err) => error(&err),
    }
}

async fn answer(call: &Call<'_>, endpoint: Endpoint) -> Result<Response<Bytes>, AuthError> {
    let state = call.state().await;
    if let Some(refusal) = state.refusal() {
        return Err(refusal.clone());
    }
    match endpoint {
        Endpoint::Login => session::login(call, false).await,
        Endpoint::CookieLogin => session::login(call, true).await,
        Endpoint::RefreshToken => session::refresh(call).await,
        Endpoint::Logout => session::logout(call).await,
        Endpoint::ValidateSession => session::validate(state.identity()?),
        Endpoint::Register => account::register(call).await,
        Endpoint::Me => account::me(call, state.identity()?).await,
        Endpoint::UpdateMe => account::update_me(call, state.identity()?).await,
        Endpoint::UpdateUser => account::update_user(call, state.identity()?).await,
        Endpoint::RequestPasswordReset => account::request_password_reset(call).await,
        Endpoint::ResetPassword => account::reset_password(call).await,
        Endpoint::UpdateEmail => account::confirm_email_change(call).await,
        Endpoint::VerifyEmail => account::verify_email(call).await,
        Endpoint::ResendVerification => account::resend_verification(call).await,
        Endpoint::EnableMfa => mfa::enable(call, state.identity()?).await,
        Endpoint::VerifyMfa => mfa::verify(call, &state).await,
        Endpoint::RecoverMfa => mfa::recover(call).await,
        Endpoint::DisableMfa => mfa::disable(call, state.identity()?).await,
        Endpoint::Redeem => oauth::redeem(call).await,
        Endpoint::Sessions => sessions::list(call, state.identity()?).await,
        Endpoint::EndSession => sessions::end(call, state.identity()?).await,
        Endpoint::EndOtherSessions => sessions::end_others(call, state.identity()?).await,
        Endpoint::PasskeyRegisterStart => passkeys::register_start(call, state.identity()?).await,
        Endpoint::PasskeyRegisterFinish => passkeys::register_finish(call, state.identity()?).await,
        Endpoint::PasskeyLoginStart => passkeys::login_start(call).await,
        Endpoint::PasskeyLoginFinish => passkeys::login_finish(call).await,
        Endpoint::Passkeys => passkeys::list(call, state.identity()?).await,
        Endpoint::RenamePasskey => passkeys::rename(call, state.identity()?).await,
        Endpoint::RemovePasskey => passkeys::remove(call, state.identity()?).await,
        Endpoint::MagicLink => magic::request(call).await,
        Endpoint::MagicLinkVerify => magic::verify(call).await,
        Endpoint::AdminListUsers => admin::list(call, state.identity()?).await,
        Endpoint::AdminCreateUser => admin::create(call, state.identity()?).await,
        Endpoint::AdminGetUser => admin::get(call, state.identity()?).await,
        Endpoint::AdminUpdateUser => admin::update(call, state.identity()?).await,
        Endpoint::AdminDeleteUser => admin::delete(call, state.identity()?).await,
        Endpoint::AdminResetMfa => admin::reset_mfa(call, state.identity()?).await,
        Endpoint::AdminUserSessions => admin::sessions(call, state.identity()?).await,
        Endpoint::AdminEndUserSessions => admin::end_sessions(call, state.identity()?).await,
        Endpoint::AdminEndSession => admin::end_session(call, state.identity()?).await,
        Endpoint::Providers => Ok(success(StatusCode::OK, call.auth.oauth_provider_names())),
        Endpoint::OAuthStart => oauth::start(call).await,
        Endpoint::SetCookies => oauth::set_cookies(call).await,
    }
}

/// The native error response for an error.
pub(crate) fn error(err: &AuthError) -> Response<Bytes> {
    let status = err.status();
    let field = match err {
        AuthError::Validation { field, .. } => field_name(field).map(str::to_owned),
        _ => None,
    };
    let body = ErrorShape {
        status_code: status.as_u16(),
        message: status.canonical_reason().unwrap_or("Error"),
        details: details(err),
        code: err.code(),
        field,
    };
    respond::with_retry_after(envelope(status, &body), err)
}

/// What went wrong, naming fields the native way.
fn details(err: &AuthError) -> String {
    match err {
        AuthError::Validation { field, rule } => {
            rule.message(field_name(field).unwrap_or("the request body"))
        }
        other => other.to_string(),
    }
}

/// A field as the native dialect names it; `None` for the body as a whole.
fn field_name(field: &Field) -> Option<&str> {
    Some(match field {
        Field::Email => "email",
        Field::Password => "password",
        Field::CurrentPassword => "currentPassword",
        Field::Name => "name",
        Field::Code => "code",
        Field::Otp => "otp",
        Field::ResetPage => "resetUrl",
        Field::Redirect => "redirect",
        Field::BridgePrefix => "cookieBridgePrefix",
        Field::State => "state",
        Field::User => "user",
        Field::Lifetime => "seconds_until_expire",
        Field::Id => "id",
        Field::Named(name) => name,
        Field::Body => return None,
    })
}

/// The body of a request, as JSON.
fn body(call: &Call<'_>) -> Result<JsonBody, AuthError> {
    JsonBody::parse(call.body)
}

/// `mode`: `"json"` (the default) or `"cookie"`.
fn cookie_mode(body: &JsonBody) -> Result<bool, AuthError> {
    match body.optional_str("mode")?.as_deref() {
        None | Some("json") => Ok(false),
        Some("cookie") => Ok(true),
        Some(_) => Err(AuthError::invalid(
            Field::named("mode"),
            Rule::Said("mode is \"json\" or \"cookie\"".into()),
        )),
    }
}

/// `{statusCode, message: "Success", data}`.
pub(crate) fn success(status: StatusCode, data: impl Serialize) -> Response<Bytes> {
    envelope(
        status,
        &SuccessShape {
            status_code: status.as_u16(),
            message: "Success",
            data,
        },
    )
}

fn envelope(status: StatusCode, body: &impl Serialize) -> Response<Bytes> {
    respond::json(status, body, "application/json")
}
