//! The native dialect's endpoints, and the route of each.

use http::Method;

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
    /// `GET /auth/set-cookies`: the cookie bridge
    SetCookies,
    /// `POST /auth/redeem`: an external login's code for its tokens
    Redeem,
    /// `GET /auth/sessions`: the signed-in user's sessions
    Sessions,
    /// `DELETE /auth/sessions/{id}`: ends one of them
    EndSession,
    /// `DELETE /auth/sessions`: ends all but the current one
    EndOtherSessions,
    /// `POST /auth/passkeys/register/start`
    PasskeyRegisterStart,
    /// `POST /auth/passkeys/register/finish`
    PasskeyRegisterFinish,
    /// `POST /auth/passkeys/login/start`
    PasskeyLoginStart,
    /// `POST /auth/passkeys/login/finish`
    PasskeyLoginFinish,
    /// `GET /auth/passkeys`: the signed-in user's passkeys
    Passkeys,
    /// `PATCH /auth/passkeys/{id}`: renames one
    RenamePasskey,
    /// `DELETE /auth/passkeys/{id}`: removes one
    RemovePasskey,
    /// `POST /auth/magic-link`: mails a sign-in link
    MagicLink,
    /// `POST /auth/magic-link/verify`: signs in with its token
    MagicLinkVerify,
    /// `GET /admin/users`
    AdminListUsers,
    /// `POST /admin/users`
    AdminCreateUser,
    /// `GET /admin/users/{id}`
    AdminGetUser,
    /// `PATCH /admin/users/{id}`
    AdminUpdateUser,
    /// `DELETE /admin/users/{id}`
    AdminDeleteUser,
    /// `POST /admin/users/{id}/reset-mfa`
    AdminResetMfa,
    /// `GET /admin/users/{id}/sessions`
    AdminUserSessions,
    /// `DELETE /admin/users/{id}/sessions`
    AdminEndUserSessions,
    /// `DELETE /admin/sessions/{id}`
    AdminEndSession,
}

/// Every route of the native dialect.
pub(crate) const ROUTES: &[(Method, &str, Endpoint)] = &[
    (Method::POST, "/auth/login", Endpoint::Login),
    (Method::POST, "/login", Endpoint::CookieLogin),
    (Method::POST, "/auth/refresh-token", Endpoint::RefreshToken),
    (Method::POST, "/auth/logout", Endpoint::Logout),
    (Method::POST, "/auth/register", Endpoint::Register),
    (
        Method::GET,
        "/auth/validate-session",
        Endpoint::ValidateSession,
    ),
    (Method::GET, "/me", Endpoint::Me),
    (Method::PATCH, "/me", Endpoint::UpdateMe),
    (Method::POST, "/auth/enable-mfa", Endpoint::EnableMfa),
    (Method::POST, "/auth/verify-mfa", Endpoint::VerifyMfa),
    (Method::POST, "/auth/recover-mfa", Endpoint::RecoverMfa),
    (Method::POST, "/auth/disable-mfa", Endpoint::DisableMfa),
    (
        Method::POST,
        "/auth/request-reset-password",
        Endpoint::RequestPasswordReset,
    ),
    (
        Method::POST,
        "/auth/password/request",
        Endpoint::RequestPasswordReset,
    ),
    (
        Method::POST,
        "/auth/reset-password",
        Endpoint::ResetPassword,
    ),
    (
        Method::POST,
        "/auth/password/reset",
        Endpoint::ResetPassword,
    ),
    (Method::PUT, "/auth/update-user", Endpoint::UpdateUser),
    (Method::PUT, "/auth/update-email", Endpoint::UpdateEmail),
    (Method::POST, "/auth/verify-email", Endpoint::VerifyEmail),
    (
        Method::POST,
        "/auth/resend-verification",
        Endpoint::ResendVerification,
    ),
    (Method::GET, "/auth/providers", Endpoint::Providers),
    (Method::GET, "/auth/oauth", Endpoint::Providers),
    (Method::GET, "/auth/set-cookies", Endpoint::SetCookies),
    (Method::POST, "/auth/redeem", Endpoint::Redeem),
    (Method::GET, "/auth/sessions", Endpoint::Sessions),
    (Method::DELETE, "/auth/sessions", Endpoint::EndOtherSessions),
    (Method::DELETE, "/auth/sessions/{id}", Endpoint::EndSession),
    (
        Method::POST,
        "/auth/passkeys/register/start",
        Endpoint::PasskeyRegisterStart,
    ),
    (
        Method::POST,
        "/auth/passkeys/register/finish",
        Endpoint::PasskeyRegisterFinish,
    ),
    (
        Method::POST,
        "/auth/passkeys/login/start",
        Endpoint::PasskeyLoginStart,
    ),
    (
        Method::POST,
        "/auth/passkeys/login/finish",
        Endpoint::PasskeyLoginFinish,
    ),
    (Method::GET, "/auth/passkeys", Endpoint::Passkeys),
    (
        Method::PATCH,
        "/auth/passkeys/{id}",
        Endpoint::RenamePasskey,
    ),
    (
        Method::DELETE,
        "/auth/passkeys/{id}",
        Endpoint::RemovePasskey,
    ),
    (Method::POST, "/auth/magic-link", Endpoint::MagicLink),
    (
        Method::POST,
        "/auth/magic-link/verify",
        Endpoint::MagicLinkVerify,
    ),
    (Method::GET, "/auth/{provider}", Endpoint::OAuthStart),
    (Method::GET, "/admin/users", Endpoint::AdminListUsers),
    (Method::POST, "/admin/users", Endpoint::AdminCreateUser),
    (Method::GET, "/admin/users/{id}", Endpoint::AdminGetUser),
    (
        Method::PATCH,
        "/admin/users/{id}",
        Endpoint::AdminUpdateUser,
    ),
    (
        Method::DELETE,
        "/admin/users/{id}",
        Endpoint::AdminDeleteUser,
    ),
    (
        Method::POST,
        "/admin/users/{id}/reset-mfa",
        Endpoint::AdminResetMfa,
    ),
    (
        Method::GET,
        "/admin/users/{id}/sessions",
        Endpoint::AdminUserSessions,
    ),
    (
        Method::DELETE,
        "/admin/users/{id}/sessions",
        Endpoint::AdminEndUserSessions,
    ),
    (
        Method::DELETE,
        "/admin/sessions/{id}",
        Endpoint::AdminEndSession,
    ),
];
