//! What the native dialect's own-account endpoints answer inside
//! `{statusCode, message, data}`, as types: the handlers serialize them and
//! the OpenAPI document describes them, so the two cannot drift apart.

use serde::Serialize;
use serde_json::Value;

use super::shapes::UserShape;
use crate::service::Session;
use crate::web::call::Call;
use crate::web::respond::timestamp;

/// The signed-in user's whole account.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = MyAccount))]
pub(crate) struct MyAccountShape {
    #[serde(flatten)]
    pub(crate) user: UserShape,
    pub(crate) is_active: bool,
    pub(crate) mfa_enabled: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub(crate) created_at: Value,
    /// Present (true) when an address change waits for its confirmation link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) email_change_pending: Option<bool>,
}

/// A session's tokens in the body (bearer mode).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Tokens))]
pub(crate) struct TokensShape {
    pub(crate) access_token: String,
    pub(crate) refresh_token: String,
    /// Seconds the access token lives.
    pub(crate) exp_time: u64,
    pub(crate) user: UserShape,
}

impl TokensShape {
    pub(crate) fn of(call: &Call<'_>, session: &Session) -> Self {
        Self {
            access_token: session.access_token.clone(),
            refresh_token: session.refresh_token.clone(),
            exp_time: session.expires_in.as_secs(),
            user: UserShape::of(call, &session.user),
        }
    }
}

/// A session delivered in HttpOnly cookies: what the body still says.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CookieSession))]
pub(crate) struct CookieSessionShape {
    /// Seconds the access token lives.
    pub(crate) exp_time: u64,
    /// The user, on a sign-in (a cookie refresh leaves it out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) user: Option<UserShape>,
}

/// The first step of a login of an account with a second factor.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = MfaChallenge))]
pub(crate) struct MfaChallengeShape {
    pub(crate) mfa_required: bool,
    /// Goes with the code to `POST /auth/verify-mfa`.
    pub(crate) mfa_token: String,
}

/// `GET /auth/validate-session`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ValidSession))]
pub(crate) struct ValidSessionShape {
    pub(crate) valid: bool,
    pub(crate) user_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub(crate) expires_at: Value,
}

/// A pending TOTP enrolment.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Enrolment))]
pub(crate) struct EnrolmentShape {
    /// Base32, for typing into an authenticator app.
    pub(crate) secret: String,
    pub(crate) otpauth_url: String,
    /// A `data:image/png;base64,…` QR code of the URL, when built with `qr`.
    pub(crate) qr_code: Option<String>,
}

/// Whether MFA is on, and the recovery codes when it was just turned on.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = MfaState))]
pub(crate) struct MfaStateShape {
    pub(crate) mfa_enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) recovery_codes: Option<Vec<String>>,
}

/// The one answer of endpoints that must not tell whether an address has an account.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Notice))]
pub(crate) struct NoticeShape {
    pub(crate) message: &'static str,
}

/// `POST /auth/reset-password`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PasswordReset))]
pub(crate) struct PasswordResetShape {
    pub(crate) password_reset: bool,
}

/// `POST /auth/logout`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = LoggedOut))]
pub(crate) struct LoggedOutShape {
    pub(crate) logged_out: bool,
}

/// A started passkey ceremony: the options for `navigator.credentials`,
/// in WebAuthn's JSON (the ceremony's secret travels in a cookie).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PasskeyOptions))]
pub(crate) struct CeremonyShape {
    /// `{publicKey: …}`: for `PublicKeyCredential.parseCreationOptionsFromJSON`
    /// or `parseRequestOptionsFromJSON`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub(crate) options: Value,
}

/// One of my passkeys.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Passkey))]
pub(crate) struct PasskeyShape {
    /// The credential id (base64url).
    pub(crate) id: String,
    pub(crate) name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub(crate) created_at: Value,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub(crate) last_used_at: Value,
}

impl PasskeyShape {
    pub(crate) fn of(passkey: &crate::service::PasskeyInfo) -> Self {
        Self {
            id: passkey.id.clone(),
            name: passkey.name.clone(),
            created_at: timestamp(passkey.created_at),
            last_used_at: passkey.last_used_at.map_or(Value::Null, timestamp),
        }
    }
}
