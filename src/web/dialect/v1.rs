//! The v1 token API, in its own literal shapes: `{"token": "…"}`,
//! `{"app_token": "…"}`, errors as `{"errors": {"<field>": "<message>"}}`.
//! Mounted with the native dialect (so `/api/v1/...` in the quickstart);
//! every path answers with and without a trailing slash.
//!
//! | method | path | |
//! |---|---|---|
//! | POST | `/v1/token/` | `App-Token` header, form or JSON `username`, `password` → `{"token"}` |
//! | POST | `/v1/app_tokens/` | `{"seconds_until_expire"?}` → 201 `{"app_token"}` (admins) |
//! | POST | `/v1/tokens/` | `{"user", "seconds_until_expire"?}` → 201 `{"token"}` acting as `user` |
//! | GET | `/v1/app_tokens/`, `/v1/tokens/` | the caller's tokens, without secrets |
//! | PATCH | `/v1/app_tokens/{token}`, `/v1/tokens/{token}` | `{"seconds_until_expire"}`: expiry = now + N (N ≤ 0 ends it) |
//! | DELETE | the same | 204 |
//!
//! Other methods on these paths get 405 with an `Allow` header.

use bytes::Bytes;
use http::header::{CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderValue, Response, StatusCode};
use serde_json::{Value, json};

use super::Call;
use super::native::{envelope, timestamp};
use crate::error::AuthError;
use crate::service::TokenScope;
use crate::store::{ApiToken, ApiTokenKind};
use crate::web::AuthState;
use crate::web::body::JsonBody;

/// The endpoints of the v1 token API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /v1/token/`: a user token for credentials and an app token.
    UserToken,
    /// `POST /v1/app_tokens/` or `/v1/tokens/`.
    Create(TokenScope),
    /// `GET /v1/app_tokens/` or `/v1/tokens/`.
    List(TokenScope),
    /// `PATCH /v1/app_tokens/{token}` or `/v1/tokens/{token}`.
    Patch(TokenScope),
    /// `DELETE /v1/app_tokens/{token}` or `/v1/tokens/{token}`.
    Delete(TokenScope),
}

pub(crate) async fn answer(
    call: &Call<'_>,
    state: &AuthState,
    endpoint: Endpoint,
) -> Response<Bytes> {
    match run(call, state, endpoint).await {
        Ok(response) => response,
        Err(err) => error(&err, endpoint),
    }
}

async fn run(
    call: &Call<'_>,
    state: &AuthState,
    endpoint: Endpoint,
) -> Result<Response<Bytes>, AuthError> {
    let auth = call.auth;
    match endpoint {
        Endpoint::UserToken => {
            let app_token = call.header("app-token").ok_or(AuthError::Unauthenticated)?;
            let body = body(call)?;
            let username = body.required_str("username")?;
            let password = body.required_str("password")?;
            let otp = body.optional_str("otp")?.filter(|otp| !otp.is_empty());
            let token = auth
                .issue_user_token(app_token, &username, &password, otp.as_deref(), call.client)
                .await?;
            Ok(envelope(StatusCode::OK, &json!({ "token": token })))
        }
        Endpoint::Create(TokenScope::App) => {
            let caller = state.identity()?;
            let seconds = body(call)?.optional_i64("seconds_until_expire")?;
            let token = auth.create_app_token(caller, seconds).await?;
            Ok(envelope(
                StatusCode::CREATED,
                &json!({ "app_token": token }),
            ))
        }
        Endpoint::Create(TokenScope::User) => {
            let caller = state.identity()?;
            let body = body(call)?;
            let user = body.required_str("user")?;
            let seconds = body.optional_i64("seconds_until_expire")?;
            let token = auth
                .create_on_behalf_of_token(caller, &user, seconds)
                .await?;
            Ok(envelope(StatusCode::CREATED, &json!({ "token": token })))
        }
        Endpoint::List(scope) => {
            let caller = state.identity()?;
            let tokens = auth.api_tokens(caller, scope).await?;
            let key = list_key(scope);
            let items: Vec<Value> = tokens.iter().map(describe).collect();
            Ok(envelope(StatusCode::OK, &json!({ key: items })))
        }
        Endpoint::Patch(scope) => {
            let caller = state.identity()?;
            let seconds = body(call)?
                .optional_i64("seconds_until_expire")?
                .ok_or_else(|| {
                    AuthError::invalid("seconds_until_expire", "This field is required.")
                })?;
            let token = auth
                .set_api_token_expiry(caller, scope, call.path_segment(0)?, seconds)
                .await?;
            Ok(envelope(StatusCode::OK, &describe(&token)))
        }
        Endpoint::Delete(scope) => {
            let caller = state.identity()?;
            auth.delete_api_token(caller, scope, call.path_segment(0)?)
                .await?;
            let mut response = Response::new(Bytes::new());
            *response.status_mut() = StatusCode::NO_CONTENT;
            Ok(response)
        }
    }
}

/// A form body when the request says so, else JSON.
fn body(call: &Call<'_>) -> Result<JsonBody, AuthError> {
    let form = call
        .parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if form {
        Ok(JsonBody::parse_form(call.body))
    } else {
        JsonBody::parse(call.body)
    }
}

fn list_key(scope: TokenScope) -> &'static str {
    match scope {
        TokenScope::App => "app_tokens",
        TokenScope::User => "tokens",
    }
}

/// A token as listings show it: never the secret, only its first characters.
fn describe(token: &ApiToken) -> Value {
    let mut value = json!({
        "hint": format!("{}…", token.hint),
        "kind": token.kind.as_str(),
        "created_at": timestamp(token.created_at),
        "expires_at": timestamp(token.expires_at),
    });
    if token.kind != ApiTokenKind::App {
        value["user"] = json!(token.user_id);
    }
    if let Some(actor) = &token.actor_id {
        value["actor"] = json!(actor);
    }
    value
}

/// `{"errors": {"<field>": "<message>"}}`; an unknown user of `POST /v1/tokens/`
/// is reported on the `user` field, as the seed document does.
fn error(err: &AuthError, endpoint: Endpoint) -> Response<Bytes> {
    let (key, message) = match err {
        AuthError::Validation {
            field: Some(field),
            message,
        } => (field.as_str(), message.clone()),
        AuthError::NotFound if endpoint == Endpoint::Create(TokenScope::User) => {
            ("user", "No user with this ID exists.".to_owned())
        }
        AuthError::InvalidOtp => (
            "otp",
            "A valid one-time code is required for this account.".to_owned(),
        ),
        other => ("detail", other.to_string()),
    };
    let mut response = envelope(err.status(), &json!({ "errors": { key: message } }));
    if let Some(secs) = err.retry_after_secs() {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}
