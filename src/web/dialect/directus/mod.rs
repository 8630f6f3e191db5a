//! The Directus-compatible dialect (Directus 11, `@directus/sdk` 26): the
//! same service behind Directus's paths, field names, envelopes, error
//! codes and cookies, so that an app using the Directus SDK for
//! authentication can point it here unchanged. A mapping only: every rule
//! stays in [`crate::Auth`].
//!
//! | method | path | |
//! |---|---|---|
//! | POST | `/auth/login` | `{email, password, otp?, mode?}`: `json` (default) → `{access_token, refresh_token, expires}`; `cookie` → `{access_token, expires}` + `directus_refresh_token`; `session` → `{expires}` + `directus_session_token` |
//! | POST | `/auth/refresh` | `{refresh_token?, mode?}`, the same three shapes; rotates |
//! | POST | `/auth/logout` | `{refresh_token?, mode?}` → 204, cookies cleared |
//! | POST | `/auth/password/request` | `{email, reset_url?}` → 204 |
//! | POST | `/auth/password/reset` | `{token, password}` → 204 |
//! | GET | `/auth`, `/auth/oauth` | the enabled login providers |
//! | GET, PATCH | `/users/me` | `{id, email, first_name, last_name, role, status, …}` |
//! | POST | `/users/me/tfa/generate` | `{password}` → `{secret, otpauth_url}` |
//! | POST | `/users/me/tfa/enable` | `{secret, otp}` → 204 (a bad code is `INVALID_PAYLOAD`) |
//! | POST | `/users/me/tfa/disable` | `{otp}` → 204 |
//! | GET | `/auth/login/{provider}` | `?redirect=…` → 302 to the provider; back at the callback, the session cookies and 302 to `redirect` (or `redirect?reason=<CODE>`) |
//!
//! `expires` is in milliseconds. Requests authenticate as Directus does:
//! `Authorization: Bearer`, the `directus_session_token` cookie, or
//! `?access_token=` (more than one is 400). In session mode the refresh
//! token also travels in its HttpOnly cookie, so that the session can be
//! refreshed. `/users/me/tfa/enable` takes the pending secret from the
//! server (the `secret` the client echoes is not needed).

mod errors;
mod oauth;
mod session;
mod users;

use bytes::Bytes;
use http::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::error::AuthError;
use crate::web::body::JsonBody;
use crate::web::call::Call;
use crate::web::respond::{self, no_content};

pub(crate) use errors::{callback_error, error};
pub(crate) use oauth::landing as oauth_landing;

/// The cookie that holds the refresh token (cookie and session modes).
pub const REFRESH_COOKIE: &str = "directus_refresh_token";
/// The cookie that holds the access token (session mode).
pub const SESSION_COOKIE: &str = "directus_session_token";

/// The endpoints of the Directus dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Endpoint {
    /// `POST /auth/login`
    Login,
    /// `POST /auth/refresh`
    Refresh,
    /// `POST /auth/logout`
    Logout,
    /// `POST /auth/password/request`
    PasswordRequest,
    /// `POST /auth/password/reset`
    PasswordReset,
    /// `GET /auth`
    Providers,
    /// `GET /auth/oauth` (older clients)
    OAuthProviders,
    /// `GET /users/me`
    Me,
    /// `PATCH /users/me`
    UpdateMe,
    /// `POST /users/me/tfa/generate`
    TfaGenerate,
    /// `POST /users/me/tfa/enable`
    TfaEnable,
    /// `POST /users/me/tfa/disable`
    TfaDisable,
    /// `GET /auth/login/{provider}?redirect=…`: off to the provider
    OAuthStart,
}

/// Every route of the Directus dialect.
pub(crate) const ROUTES: &[(Method, &str, Endpoint)] = &[
    (Method::POST, "/auth/login", Endpoint::Login),
    (Method::POST, "/auth/refresh", Endpoint::Refresh),
    (Method::POST, "/auth/logout", Endpoint::Logout),
    (
        Method::POST,
        "/auth/password/request",
        Endpoint::PasswordRequest,
    ),
    (
        Method::POST,
        "/auth/password/reset",
        Endpoint::PasswordReset,
    ),
    (Method::GET, "/auth", Endpoint::Providers),
    (Method::GET, "/auth/oauth", Endpoint::OAuthProviders),
    (Method::GET, "/users/me", Endpoint::Me),
    (Method::PATCH, "/users/me", Endpoint::UpdateMe),
    (
        Method::POST,
        "/users/me/tfa/generate",
        Endpoint::TfaGenerate,
    ),
    (Method::POST, "/users/me/tfa/enable", Endpoint::TfaEnable),
    (Method::POST, "/users/me/tfa/disable", Endpoint::TfaDisable),
    (Method::GET, "/auth/login/{provider}", Endpoint::OAuthStart),
];

/// Answers one request of the Directus dialect.
pub(crate) async fn handle(call: &Call<'_>, endpoint: Endpoint) -> Response<Bytes> {
    match answer(call, endpoint).await {
        Ok(response) => response,
        Err(err) => error(&err),
    }
}

async fn answer(call: &Call<'_>, endpoint: Endpoint) -> Result<Response<Bytes>, AuthError> {
    if let Some(refusal) = call.state().await.refusal() {
        return Err(refusal.clone());
    }
    let auth = call.auth;
    match endpoint {
        Endpoint::Login => session::login(call).await,
        Endpoint::Refresh => session::refresh(call).await,
        Endpoint::Logout => session::logout(call).await,
        Endpoint::PasswordRequest => users::password_request(call).await,
        Endpoint::PasswordReset => {
            let body = JsonBody::parse(call.body)?;
            auth.reset_password(
                &body.required_str("token")?,
                &body.required_str("password")?,
            )
            .await?;
            Ok(no_content())
        }
        Endpoint::Providers => {
            let providers: Vec<Value> = auth
                .oauth_providers()
                .map(|p| {
                    let config = p.config();
                    let mut entry = json!({
                        "name": config.name,
                        "driver": p.driver(),
                        "label": config.label,
                    });
                    if let Some(icon) = &config.icon {
                        entry["icon"] = json!(icon);
                    }
                    entry
                })
                .collect();
            Ok(reply(
                StatusCode::OK,
                &json!({ "data": providers, "disableDefault": false }),
            ))
        }
        Endpoint::OAuthProviders => Ok(reply(
            StatusCode::OK,
            &json!({ "data": auth.oauth_provider_names() }),
        )),
        Endpoint::OAuthStart => oauth::start(call).await,
        Endpoint::Me => users::me(call).await,
        Endpoint::UpdateMe => users::update_me(call).await,
        Endpoint::TfaGenerate => users::tfa_generate(call).await,
        Endpoint::TfaEnable => users::tfa_enable(call).await,
        Endpoint::TfaDisable => users::tfa_disable(call).await,
    }
}

/// `{"data": …}`.
fn data(value: Value) -> Response<Bytes> {
    reply(StatusCode::OK, &json!({ "data": value }))
}

fn reply(status: StatusCode, body: &Value) -> Response<Bytes> {
    respond::json(status, body, "application/json; charset=utf-8")
}
