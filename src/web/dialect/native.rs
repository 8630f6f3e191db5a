//! The native dialect: `{statusCode, message, data}` envelopes, errors as
//! `{statusCode, message, details, code}`, camelCase fields.
//!
//! | method | path | |
//! |---|---|---|
//! | POST | `/auth/login` | `{email, password, remember?}` → tokens and user |
//! | POST | `/login` | the same, cookie mode: HttpOnly cookies and the user |
//! | POST | `/auth/refresh-token` | `{refreshToken}` or the cookie → rotated tokens |
//! | POST | `/auth/logout` | `{refreshToken}` or the cookie → session revoked |
//! | POST | `/auth/register` | `{email, password, name?}` → 201 and the user |
//! | GET | `/auth/validate-session` | 200 when signed in, else 401 |
//! | GET | `/me` | the signed-in user |
//! | PATCH | `/me` | `{name?, password?, currentPassword?}` → the user |
//! | POST | `/auth/enable-mfa` | signed in → `{secret, otpauthUrl, qrCode}` (pending) |
//! | POST | `/auth/verify-mfa` | signed in, `{code}` → MFA on, `{recoveryCodes}`; or `{mfaToken, code}` → the login's tokens |
//! | POST | `/auth/recover-mfa` | `{mfaToken, recoveryCode}` → MFA off, the login's tokens |
//! | POST | `/auth/disable-mfa` | signed in, `{code}` or `{password}` → MFA off |
//! | GET | `/auth/providers`, `/auth/oauth` | the login providers' names |
//! | GET | `/auth/{provider}` | `?redirect=…&cookieBridgePrefix=…` → 302 to the provider |
//! | GET | `/auth/{provider}/callback` | 302 to the cookie bridge, the app callback, or `redirect?error=` |
//! | GET | `/auth/set-cookies` | the cookie bridge: sets the cookies, 302 to `redirect` |
//!
//! A user with MFA who logs in gets `{mfaRequired: true, mfaToken}` and no
//! tokens, unless the login body carries `otp` too.
//!
//! The v1 token API (`/v1/token/`, `/v1/app_tokens/`, `/v1/tokens/`) is
//! served beside it, in its own literal shapes: see [`super::v1`].

use bytes::Bytes;
use http::header::{CONTENT_TYPE, RETRY_AFTER, SET_COOKIE};
use http::{HeaderValue, Method, Response, StatusCode};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use super::{Call, Route, oauth, v1};
use crate::error::AuthError;
use crate::identity::Identity;
use crate::service::{
    Credentials, LoginOutcome, MfaProof, NewAccount, ProfileUpdate, Session, TokenScope,
};
use crate::web::AuthState;

/// The login context that marks a cookie-mode login, so that its second
/// step answers with cookies too.
pub(super) const COOKIE_CONTEXT: &str = "native-cookie";

/// The one answer of mail-sending endpoints, whether or not the address has an account.
const MAIL_MAYBE_SENT: &str = "If the address belongs to an account, a message is on its way.";
use crate::store::{User, email_key};
use crate::web::body::JsonBody;
use crate::web::cookies;

/// The endpoints of the native dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Endpoint {
    /// `POST /auth/login`
    Login,
    /// `POST /login` (cookie mode)
    CookieLogin,
    /// `POST /auth/refresh-token`
    RefreshToken,
    /// `POST /auth/logout`
    Logout,
    /// `POST /auth/register`
    Register,
    /// `GET /auth/validate-session`
    ValidateSession,
    /// `GET /me`
    Me,
    /// `PATCH /me`
    UpdateMe,
    /// `POST /auth/enable-mfa`
    EnableMfa,
    /// `POST /auth/verify-mfa`
    VerifyMfa,
    /// `POST /auth/recover-mfa`
    RecoverMfa,
    /// `POST /auth/disable-mfa`
    DisableMfa,
    /// `POST /auth/request-reset-password`, and `POST /auth/password/request`
    /// (`reset_url` spelled the Directus way)
    RequestPasswordReset,
    /// `POST /auth/reset-password`, `POST /auth/password/reset`
    ResetPassword,
    /// `PUT /auth/update-user`
    UpdateUser,
    /// `PUT /auth/update-email`
    UpdateEmail,
    /// `POST /auth/verify-email`
    VerifyEmail,
    /// `POST /auth/resend-verification`
    ResendVerification,
    /// `GET /auth/providers`, `GET /auth/oauth`: the login providers' names
    Providers,
    /// `GET /auth/{provider}?redirect=…&cookieBridgePrefix=…`: off to the provider
    OAuthStart,
    /// `GET /auth/{provider}/callback`: back from the provider
    OAuthCallback,
    /// `GET /auth/set-cookies`: the cookie bridge
    SetCookies,
    /// The v1 token API, mounted with the native dialect.
    V1(v1::Endpoint),
}

/// Every route of the native dialect.
pub const ROUTES: &[Route] = &[
    route(Method::POST, "/auth/login", Endpoint::Login),
    route(Method::POST, "/login", Endpoint::CookieLogin),
    route(Method::POST, "/auth/refresh-token", Endpoint::RefreshToken),
    route(Method::POST, "/auth/logout", Endpoint::Logout),
    route(Method::POST, "/auth/register", Endpoint::Register),
    route(
        Method::GET,
        "/auth/validate-session",
        Endpoint::ValidateSession,
    ),
    route(Method::GET, "/me", Endpoint::Me),
    route(Method::PATCH, "/me", Endpoint::UpdateMe),
    route(Method::POST, "/auth/enable-mfa", Endpoint::EnableMfa),
    route(Method::POST, "/auth/verify-mfa", Endpoint::VerifyMfa),
    route(Method::POST, "/auth/recover-mfa", Endpoint::RecoverMfa),
    route(Method::POST, "/auth/disable-mfa", Endpoint::DisableMfa),
    route(
        Method::POST,
        "/auth/request-reset-password",
        Endpoint::RequestPasswordReset,
    ),
    route(
        Method::POST,
        "/auth/password/request",
        Endpoint::RequestPasswordReset,
    ),
    route(
        Method::POST,
        "/auth/reset-password",
        Endpoint::ResetPassword,
    ),
    route(
        Method::POST,
        "/auth/password/reset",
        Endpoint::ResetPassword,
    ),
    route(Method::PUT, "/auth/update-user", Endpoint::UpdateUser),
    route(Method::PUT, "/auth/update-email", Endpoint::UpdateEmail),
    route(Method::POST, "/auth/verify-email", Endpoint::VerifyEmail),
    route(
        Method::POST,
        "/auth/resend-verification",
        Endpoint::ResendVerification,
    ),
    route(Method::GET, "/auth/providers", Endpoint::Providers),
    route(Method::GET, "/auth/oauth", Endpoint::Providers),
    route(Method::GET, "/auth/set-cookies", Endpoint::SetCookies),
    route(Method::GET, "/auth/{provider}", Endpoint::OAuthStart),
    route(
        Method::GET,
        "/auth/{provider}/callback",
        Endpoint::OAuthCallback,
    ),
    route(
        Method::POST,
        "/v1/token",
        Endpoint::V1(v1::Endpoint::UserToken),
    ),
    route(
        Method::POST,
        "/v1/token/",
        Endpoint::V1(v1::Endpoint::UserToken),
    ),
    route(
        Method::POST,
        "/v1/app_tokens",
        Endpoint::V1(v1::Endpoint::Create(TokenScope::App)),
    ),
    route(
        Method::POST,
        "/v1/app_tokens/",
        Endpoint::V1(v1::Endpoint::Create(TokenScope::App)),
    ),
    route(
        Method::GET,
        "/v1/app_tokens",
        Endpoint::V1(v1::Endpoint::List(TokenScope::App)),
    ),
    route(
        Method::GET,
        "/v1/app_tokens/",
        Endpoint::V1(v1::Endpoint::List(TokenScope::App)),
    ),
    route(
        Method::PATCH,
        "/v1/app_tokens/{token}",
        Endpoint::V1(v1::Endpoint::Patch(TokenScope::App)),
    ),
    route(
        Method::PATCH,
        "/v1/app_tokens/{token}/",
        Endpoint::V1(v1::Endpoint::Patch(TokenScope::App)),
    ),
    route(
        Method::DELETE,
        "/v1/app_tokens/{token}",
        Endpoint::V1(v1::Endpoint::Delete(TokenScope::App)),
    ),
    route(
        Method::DELETE,
        "/v1/app_tokens/{token}/",
        Endpoint::V1(v1::Endpoint::Delete(TokenScope::App)),
    ),
    route(
        Method::POST,
        "/v1/tokens",
        Endpoint::V1(v1::Endpoint::Create(TokenScope::User)),
    ),
    route(
        Method::POST,
        "/v1/tokens/",
        Endpoint::V1(v1::Endpoint::Create(TokenScope::User)),
    ),
    route(
        Method::GET,
        "/v1/tokens",
        Endpoint::V1(v1::Endpoint::List(TokenScope::User)),
    ),
    route(
        Method::GET,
        "/v1/tokens/",
        Endpoint::V1(v1::Endpoint::List(TokenScope::User)),
    ),
    route(
        Method::PATCH,
        "/v1/tokens/{token}",
        Endpoint::V1(v1::Endpoint::Patch(TokenScope::User)),
    ),
    route(
        Method::PATCH,
        "/v1/tokens/{token}/",
        Endpoint::V1(v1::Endpoint::Patch(TokenScope::User)),
    ),
    route(
        Method::DELETE,
        "/v1/tokens/{token}",
        Endpoint::V1(v1::Endpoint::Delete(TokenScope::User)),
    ),
    route(
        Method::DELETE,
        "/v1/tokens/{token}/",
        Endpoint::V1(v1::Endpoint::Delete(TokenScope::User)),
    ),
];

const fn route(method: Method, path: &'static str, endpoint: Endpoint) -> Route {
    Route {
        method,
        path,
        endpoint: super::Endpoint::Native(endpoint),
    }
}

/// Answers one request of the native dialect.
pub(crate) async fn handle(call: &Call<'_>, endpoint: Endpoint) -> Response<Bytes> {
    match call.answer(endpoint).await {
        Ok(response) => response,
        Err(err) => error(&err),
    }
}

/// The native error response for an error.
pub fn error(err: &AuthError) -> Response<Bytes> {
    let status = err.status();
    let mut body = json!({
        "statusCode": status.as_u16(),
        "message": status.canonical_reason().unwrap_or("Error"),
        "details": err.to_string(),
        "code": err.code(),
    });
    if let AuthError::Validation {
        field: Some(field), ..
    } = err
    {
        body["field"] = json!(field);
    }
    let mut response = envelope(status, &body);
    if let Some(secs) = err.retry_after_secs() {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

impl Call<'_> {
    async fn answer(&self, endpoint: Endpoint) -> Result<Response<Bytes>, AuthError> {
        if endpoint == Endpoint::CookieLogin {
            // It sets cookies: refuse foreign origins even before any cookie
            // exists (login CSRF).
            self.check_origin()?;
        }
        let state = self.state().await?;
        match endpoint {
            Endpoint::Providers => Ok(success(
                StatusCode::OK,
                json!(self.auth.oauth_provider_names()),
            )),
            Endpoint::OAuthStart => oauth::start(self, oauth::Flavor::Native).await,
            Endpoint::OAuthCallback => Ok(oauth::callback(self, oauth::Flavor::Native).await),
            Endpoint::SetCookies => oauth::set_cookies(self).await,
            Endpoint::V1(endpoint) => Ok(v1::answer(self, &state, endpoint).await),
            Endpoint::Login => self.login(false).await,
            Endpoint::CookieLogin => self.login(true).await,
            Endpoint::RefreshToken => self.refresh().await,
            Endpoint::Logout => self.logout().await,
            Endpoint::Register => self.register().await,
            Endpoint::ValidateSession => {
                let identity = state.identity()?;
                Ok(success(
                    StatusCode::OK,
                    json!({
                        "valid": true,
                        "userId": identity.user_id,
                        "expiresAt": timestamp(identity.expires_at),
                    }),
                ))
            }
            Endpoint::Me => {
                let user = self.auth.me(state.identity()?).await?;
                Ok(success(StatusCode::OK, self.account_json(&user).await?))
            }
            Endpoint::UpdateMe => self.update_me(state.identity()?).await,
            Endpoint::EnableMfa => self.enable_mfa(state.identity()?).await,
            Endpoint::VerifyMfa => self.verify_mfa(&state).await,
            Endpoint::RecoverMfa => self.recover_mfa().await,
            Endpoint::DisableMfa => self.disable_mfa(state.identity()?).await,
            Endpoint::RequestPasswordReset => self.request_password_reset().await,
            Endpoint::ResetPassword => {
                let body = JsonBody::parse(self.body)?;
                let token = body.required_str("token")?;
                self.auth
                    .reset_password(&token, &body.required_str("password")?)
                    .await?;
                Ok(success(StatusCode::OK, json!({ "passwordReset": true })))
            }
            Endpoint::UpdateUser => self.update_user(state.identity()?).await,
            Endpoint::UpdateEmail => {
                let token = JsonBody::parse(self.body)?.required_str("token")?;
                let user = self.auth.confirm_email_change(&token).await?;
                Ok(success(StatusCode::OK, self.account_json(&user).await?))
            }
            Endpoint::VerifyEmail => {
                let token = JsonBody::parse(self.body)?.required_str("token")?;
                let user = self.auth.verify_email(&token).await?;
                Ok(success(StatusCode::OK, self.account_json(&user).await?))
            }
            Endpoint::ResendVerification => {
                let email = JsonBody::parse(self.body)?.required_str("email")?;
                self.auth.resend_verification(&email, self.client).await?;
                Ok(success(
                    StatusCode::OK,
                    json!({ "message": MAIL_MAYBE_SENT }),
                ))
            }
        }
    }

    async fn login(&self, cookie_mode: bool) -> Result<Response<Bytes>, AuthError> {
        let body = JsonBody::parse(self.body)?;
        let mut credentials =
            Credentials::new(body.required_str("email")?, body.required_str("password")?);
        credentials.remember = body.optional_bool("remember")?.unwrap_or(false);
        credentials.otp = body.optional_str("otp")?.filter(|otp| !otp.is_empty());
        if cookie_mode {
            credentials.context = Some(COOKIE_CONTEXT.to_owned());
        }
        match self.auth.login(credentials, self.client).await? {
            LoginOutcome::Session(session) => Ok(self.deliver(&session, cookie_mode)),
            LoginOutcome::MfaRequired { mfa_token } => Ok(success(
                StatusCode::OK,
                json!({ "mfaRequired": true, "mfaToken": mfa_token }),
            )),
        }
    }

    /// The second step of a cookie-mode login sets cookies: it gets the
    /// origin check of `/login`. (Bearer clients on other origins need not.)
    async fn check_second_step_origin(&self, mfa_token: &str) -> Result<(), AuthError> {
        if self.auth.mfa_challenge_context(mfa_token).await?.as_deref() == Some(COOKIE_CONTEXT) {
            self.check_origin()?;
        }
        Ok(())
    }

    /// A session in the body, or (cookie mode) in HttpOnly cookies only.
    fn deliver(&self, session: &Session, cookie_mode: bool) -> Response<Bytes> {
        if cookie_mode {
            let data = json!({
                "expTime": session.expires_in.as_secs(),
                "user": self.user_json(&session.user),
            });
            self.with_session_cookies(success(StatusCode::OK, data), session)
        } else {
            success(StatusCode::OK, self.session_json(session))
        }
    }

    async fn enable_mfa(&self, identity: &Identity) -> Result<Response<Bytes>, AuthError> {
        let enrolment = self.auth.begin_mfa_enrolment(identity).await?;
        Ok(success(
            StatusCode::OK,
            json!({
                "secret": enrolment.secret,
                "otpauthUrl": enrolment.otpauth_url,
                "qrCode": format!("data:image/png;base64,{}", enrolment.qr_png_base64),
            }),
        ))
    }

    /// With an `mfaToken`: the second login step. Without: confirming an enrolment.
    async fn verify_mfa(&self, state: &AuthState) -> Result<Response<Bytes>, AuthError> {
        let body = JsonBody::parse(self.body)?;
        let code = body.required_str("code")?;
        if let Some(mfa_token) = body.optional_str("mfaToken")? {
            self.check_second_step_origin(&mfa_token).await?;
            let login = self.auth.complete_mfa_login(&mfa_token, &code).await?;
            let cookie_mode = login.context.as_deref() == Some(COOKIE_CONTEXT);
            return Ok(self.deliver(&login.session, cookie_mode));
        }
        let codes = self
            .auth
            .confirm_mfa_enrolment(state.identity()?, &code)
            .await?;
        Ok(success(
            StatusCode::OK,
            json!({ "mfaEnabled": true, "recoveryCodes": codes }),
        ))
    }

    async fn recover_mfa(&self) -> Result<Response<Bytes>, AuthError> {
        let body = JsonBody::parse(self.body)?;
        let mfa_token = body.required_str("mfaToken")?;
        let code = body.required_str("recoveryCode")?;
        self.check_second_step_origin(&mfa_token).await?;
        let login = self.auth.recover_mfa(&mfa_token, &code).await?;
        let cookie_mode = login.context.as_deref() == Some(COOKIE_CONTEXT);
        Ok(self.deliver(&login.session, cookie_mode))
    }

    async fn request_password_reset(&self) -> Result<Response<Bytes>, AuthError> {
        let body = JsonBody::parse(self.body)?;
        let email = body.required_str("email")?;
        let page = match body.optional_str("resetUrl")? {
            Some(page) => Some(page),
            None => body.optional_str("reset_url")?,
        };
        self.auth
            .request_password_reset(&email, page.as_deref(), self.client)
            .await
            .map_err(|e| match e {
                AuthError::Validation {
                    field: Some(_),
                    message,
                } if body.has("reset_url") => AuthError::Validation {
                    field: Some("reset_url".into()),
                    message: message.replace("resetUrl", "reset_url"),
                },
                other => other,
            })?;
        Ok(success(
            StatusCode::OK,
            json!({ "message": MAIL_MAYBE_SENT }),
        ))
    }

    async fn update_user(&self, identity: &Identity) -> Result<Response<Bytes>, AuthError> {
        let body = JsonBody::parse(self.body)?;
        if let Some(field) = body
            .fields()
            .find(|f| !matches!(*f, "name" | "email" | "currentPassword"))
        {
            return Err(AuthError::invalid(
                field,
                format!("{field} cannot be changed here"),
            ));
        }
        let mut update = ProfileUpdate::default();
        if body.has("name") {
            update.name = Some(body.optional_str("name")?);
        }
        update.email = body.optional_str("email")?;
        update.current_password = body.optional_str("currentPassword")?;
        let asked = update.email.clone();
        let user = self.auth.update_me(identity, update, self.client).await?;
        let mut data = self.account_json(&user).await?;
        if asked.is_some_and(|email| email_key(&email) != email_key(&user.email)) {
            data["emailChangePending"] = json!(true);
        }
        Ok(success(StatusCode::OK, data))
    }

    async fn disable_mfa(&self, identity: &Identity) -> Result<Response<Bytes>, AuthError> {
        let body = JsonBody::parse(self.body)?;
        let proof = match (body.optional_str("code")?, body.optional_str("password")?) {
            (Some(code), _) => MfaProof::Code(code),
            (None, Some(password)) => MfaProof::Password(password),
            (None, None) => return Err(AuthError::invalid("code", "code or password is required")),
        };
        self.auth.disable_mfa(identity, proof, self.client).await?;
        Ok(success(StatusCode::OK, json!({ "mfaEnabled": false })))
    }

    async fn refresh(&self) -> Result<Response<Bytes>, AuthError> {
        let (token, from_cookie) = self.refresh_token()?;
        let session = self.auth.refresh(&token).await;
        let session = match session {
            Ok(session) => session,
            // A dead refresh cookie is useless to the browser: clear it
            // (but not when the store is down: the session may be fine).
            Err(err @ (AuthError::TokenInvalid | AuthError::TokenExpired)) if from_cookie => {
                return Ok(self.clearing_cookies(error(&err)));
            }
            Err(err) => return Err(err),
        };
        if from_cookie {
            let data = json!({ "expTime": session.expires_in.as_secs() });
            Ok(self.with_session_cookies(success(StatusCode::OK, data), &session))
        } else {
            Ok(success(StatusCode::OK, self.session_json(&session)))
        }
    }

    async fn logout(&self) -> Result<Response<Bytes>, AuthError> {
        let (token, _) = self.refresh_token()?;
        self.auth.logout(&token).await?;
        Ok(self.clearing_cookies(success(StatusCode::OK, json!({ "loggedOut": true }))))
    }

    async fn register(&self) -> Result<Response<Bytes>, AuthError> {
        let body = JsonBody::parse(self.body)?;
        let mut account = NewAccount::new(
            body.required_str("email")?,
            body.required_str("password")?,
            "",
        );
        account.name = body.optional_str("name")?;
        let user = self.auth.register(account, self.client).await?;
        Ok(success(
            StatusCode::CREATED,
            self.account_json(&user).await?,
        ))
    }

    async fn update_me(&self, identity: &Identity) -> Result<Response<Bytes>, AuthError> {
        let body = JsonBody::parse(self.body)?;
        let mut update = ProfileUpdate::default();
        if body.has("name") {
            update.name = Some(body.optional_str("name")?);
        }
        update.password = body.optional_str("password")?;
        update.current_password = body.optional_str("currentPassword")?;
        let user = self.auth.update_me(identity, update, self.client).await?;
        Ok(success(StatusCode::OK, self.account_json(&user).await?))
    }

    /// The refresh token from the body, else from the cookie.
    fn refresh_token(&self) -> Result<(String, bool), AuthError> {
        let body = JsonBody::parse(self.body)?;
        if let Some(token) = body.optional_str("refreshToken")?.filter(|t| !t.is_empty()) {
            return Ok((token, false));
        }
        cookies::read(
            &self.parts.headers,
            &self.auth.config().cookies.refresh_name,
        )
        .map(|token| (token, true))
        .ok_or_else(|| AuthError::invalid("refreshToken", "refreshToken is required"))
    }

    fn session_json(&self, session: &Session) -> Value {
        json!({
            "accessToken": session.access_token,
            "refreshToken": session.refresh_token,
            "expTime": session.expires_in.as_secs(),
            "user": self.user_json(&session.user),
        })
    }

    fn user_json(&self, user: &User) -> Value {
        json!({
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "role": { "id": user.role, "name": self.auth.config().role_name(&user.role) },
        })
    }

    /// The whole account: the user, its state and whether MFA is on.
    async fn account_json(&self, user: &User) -> Result<Value, AuthError> {
        let mut value = self.user_json(user);
        value["isActive"] = json!(user.is_active);
        value["mfaEnabled"] = json!(self.auth.mfa_enabled(&user.id).await?);
        value["createdAt"] = json!(timestamp(user.created_at));
        Ok(value)
    }

    pub(super) fn with_session_cookies(
        &self,
        mut response: Response<Bytes>,
        session: &Session,
    ) -> Response<Bytes> {
        let config = &self.auth.config().cookies;
        let headers = response.headers_mut();
        headers.append(
            SET_COOKIE,
            cookies::set(
                config,
                &config.access_name,
                &session.access_token,
                session.expires_in,
            ),
        );
        headers.append(
            SET_COOKIE,
            cookies::set(
                config,
                &config.refresh_name,
                &session.refresh_token,
                session.refresh_expires_in,
            ),
        );
        response
    }

    fn clearing_cookies(&self, mut response: Response<Bytes>) -> Response<Bytes> {
        let config = &self.auth.config().cookies;
        let headers = response.headers_mut();
        headers.append(SET_COOKIE, cookies::clear(config, &config.access_name));
        headers.append(SET_COOKIE, cookies::clear(config, &config.refresh_name));
        response
    }
}

pub(crate) fn success(status: StatusCode, data: Value) -> Response<Bytes> {
    envelope(
        status,
        &json!({
            "statusCode": status.as_u16(),
            "message": "Success",
            "data": data,
        }),
    )
}

pub(crate) fn envelope(status: StatusCode, body: &Value) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(body.to_string()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

pub(crate) fn timestamp(t: time::OffsetDateTime) -> Value {
    t.format(&Rfc3339).map_or(Value::Null, Value::String)
}
