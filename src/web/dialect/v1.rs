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
use http::header::CONTENT_TYPE;
use http::{Method, Response, StatusCode};
use serde::Serialize;
use serde_json::Value;

use crate::error::{AuthError, Field, Rule};
use crate::service::TokenScope;
use crate::store::{ApiToken, ApiTokenKind};
use crate::web::body::JsonBody;
use crate::web::call::Call;
use crate::web::respond::{self, no_content, timestamp};
use crate::web::state::AuthState;

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

/// Every route of the v1 token API, with and without the trailing slash.
pub(crate) const ROUTES: &[(Method, &str, Endpoint)] = &[
    (Method::POST, "/v1/token", Endpoint::UserToken),
    (Method::POST, "/v1/token/", Endpoint::UserToken),
    (
        Method::POST,
        "/v1/app_tokens",
        Endpoint::Create(TokenScope::App),
    ),
    (
        Method::POST,
        "/v1/app_tokens/",
        Endpoint::Create(TokenScope::App),
    ),
    (
        Method::GET,
        "/v1/app_tokens",
        Endpoint::List(TokenScope::App),
    ),
    (
        Method::GET,
        "/v1/app_tokens/",
        Endpoint::List(TokenScope::App),
    ),
    (
        Method::PATCH,
        "/v1/app_tokens/{token}",
        Endpoint::Patch(TokenScope::App),
    ),
    (
        Method::PATCH,
        "/v1/app_tokens/{token}/",
        Endpoint::Patch(TokenScope::App),
    ),
    (
        Method::DELETE,
        "/v1/app_tokens/{token}",
        Endpoint::Delete(TokenScope::App),
    ),
    (
        Method::DELETE,
        "/v1/app_tokens/{token}/",
        Endpoint::Delete(TokenScope::App),
    ),
    (
        Method::POST,
        "/v1/tokens",
        Endpoint::Create(TokenScope::User),
    ),
    (
        Method::POST,
        "/v1/tokens/",
        Endpoint::Create(TokenScope::User),
    ),
    (Method::GET, "/v1/tokens", Endpoint::List(TokenScope::User)),
    (Method::GET, "/v1/tokens/", Endpoint::List(TokenScope::User)),
    (
        Method::PATCH,
        "/v1/tokens/{token}",
        Endpoint::Patch(TokenScope::User),
    ),
    (
        Method::PATCH,
        "/v1/tokens/{token}/",
        Endpoint::Patch(TokenScope::User),
    ),
    (
        Method::DELETE,
        "/v1/tokens/{token}",
        Endpoint::Delete(TokenScope::User),
    ),
    (
        Method::DELETE,
        "/v1/tokens/{token}/",
        Endpoint::Delete(TokenScope::User),
    ),
];

/// Answers one request of the v1 token API.
pub(crate) async fn handle(call: &Call<'_>, endpoint: Endpoint) -> Response<Bytes> {
    let state = call.state().await;
    let answered = match state.refusal() {
        Some(refusal) => Err(refusal.clone()),
        None => run(call, &state, endpoint).await,
    };
    answered.unwrap_or_else(|err| error(&err, endpoint))
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
            Ok(envelope(StatusCode::OK, &TokenShape { token }))
        }
        Endpoint::Create(TokenScope::App) => {
            let caller = state.identity()?;
            let seconds = body(call)?.optional_i64("seconds_until_expire")?;
            let token = auth.create_app_token(caller, seconds).await?;
            Ok(envelope(
                StatusCode::CREATED,
                &AppTokenShape { app_token: token },
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
            Ok(envelope(StatusCode::CREATED, &TokenShape { token }))
        }
        Endpoint::List(scope) => {
            let caller = state.identity()?;
            let tokens = auth.api_tokens(caller, scope).await?;
            let items = tokens.iter().map(ApiTokenShape::of).collect();
            let list = match scope {
                TokenScope::App => TokenListShape::App { app_tokens: items },
                TokenScope::User => TokenListShape::User { tokens: items },
            };
            Ok(envelope(StatusCode::OK, &list))
        }
        Endpoint::Patch(scope) => {
            let caller = state.identity()?;
            let seconds = body(call)?
                .optional_i64("seconds_until_expire")?
                .ok_or(AuthError::invalid(Field::Lifetime, Rule::Missing))?;
            let token = auth
                .set_api_token_expiry(caller, scope, call.path_segment(0)?, seconds)
                .await?;
            Ok(envelope(StatusCode::OK, &ApiTokenShape::of(&token)))
        }
        Endpoint::Delete(scope) => {
            let caller = state.identity()?;
            auth.delete_api_token(caller, scope, call.path_segment(0)?)
                .await?;
            Ok(no_content())
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

/// `{"token": "…"}`: a user token, or one acting on behalf of a user.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = V1Token))]
pub(crate) struct TokenShape {
    pub(crate) token: String,
}

/// `{"app_token": "…"}`.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = V1AppToken))]
pub(crate) struct AppTokenShape {
    pub(crate) app_token: String,
}

/// The caller's tokens, under the key of their kind.
#[derive(Debug, Serialize)]
#[serde(untagged)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = V1TokenList))]
pub(crate) enum TokenListShape {
    App { app_tokens: Vec<ApiTokenShape> },
    User { tokens: Vec<ApiTokenShape> },
}

/// A token as listings show it: never the secret, only its first characters.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = V1TokenInfo))]
pub(crate) struct ApiTokenShape {
    pub(crate) hint: String,
    /// `app`, `user` or `on_behalf_of`.
    pub(crate) kind: &'static str,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub(crate) created_at: Value,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub(crate) expires_at: Value,
    /// Whom the token speaks for (not on app tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) user: Option<String>,
    /// Who made an on-behalf-of token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) actor: Option<String>,
}

impl ApiTokenShape {
    fn of(token: &ApiToken) -> Self {
        Self {
            hint: format!("{}…", token.hint),
            kind: token.kind.as_str(),
            created_at: timestamp(token.created_at),
            expires_at: timestamp(token.expires_at),
            user: (token.kind != ApiTokenKind::App).then(|| token.user_id.clone()),
            actor: token.actor_id.clone(),
        }
    }
}

/// `{"errors": {"<field>": "<message>"}}`.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = V1Errors))]
pub(crate) struct ErrorsShape {
    pub(crate) errors: std::collections::BTreeMap<String, String>,
}

/// `{"errors": {"<field>": "<message>"}}`; an unknown user of `POST /v1/tokens/`
/// is reported on the `user` field, as the seed document does.
pub(crate) fn error(err: &AuthError, endpoint: Endpoint) -> Response<Bytes> {
    let (key, message) = match err {
        AuthError::Validation { field, rule } => {
            let name = field_name(field);
            let message = match (field, rule) {
                (_, Rule::Missing) => "This field is required.".to_owned(),
                (Field::User, Rule::Malformed) => {
                    "One or more IDs are not formatted correctly.".to_owned()
                }
                _ => rule.message(name),
            };
            (name, message)
        }
        AuthError::NotFound if endpoint == Endpoint::Create(TokenScope::User) => {
            ("user", "No user with this ID exists.".to_owned())
        }
        AuthError::InvalidOtp => (
            "otp",
            "A valid one-time code is required for this account.".to_owned(),
        ),
        other => ("detail", other.to_string()),
    };
    respond::with_retry_after(
        envelope(
            err.status(),
            &ErrorsShape {
                errors: [(key.to_owned(), message)].into(),
            },
        ),
        err,
    )
}

/// A field as the v1 API names it.
fn field_name(field: &Field) -> &str {
    match field {
        Field::Email => "username",
        Field::Password => "password",
        Field::Otp | Field::Code => "otp",
        Field::User => "user",
        Field::Lifetime => "seconds_until_expire",
        Field::Named(name) => name,
        _ => "detail",
    }
}

fn envelope(status: StatusCode, body: &impl Serialize) -> Response<Bytes> {
    respond::json(status, body, "application/json")
}
