//! What each endpoint takes and answers, by endpoint: the matches are
//! exhaustive, so an endpoint added to a dialect without a description here
//! does not compile.

use super::queries::{BRIDGE, CALLBACK, OAUTH_START, PAGE, Query};
use super::requests::{self, Body};
use crate::service::TokenScope;
use crate::web::dialect::{native::Endpoint as Native, v1::Endpoint as V1};

/// Who may call an endpoint.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    /// Anyone.
    Public,
    /// A signed-in user (bearer token or cookie).
    SignedIn,
    /// A user with the admin role.
    Admin,
}

/// A success answer.
#[derive(Clone, Copy)]
pub(super) enum Answer {
    /// A JSON body of the named schema (inside the native envelope for the
    /// native dialect).
    Json(u16, &'static str),
    /// One of two JSON bodies.
    Either(u16, &'static str, &'static str),
    /// A JSON list of the named schema.
    List(u16, &'static str),
    /// A list of strings.
    Names(u16),
    /// `204 No Content`.
    Empty,
    /// `302 Found`, with a `Location`.
    Redirect,
}

/// One operation of the document.
pub(super) struct Operation {
    pub(super) summary: &'static str,
    pub(super) tag: &'static str,
    pub(super) access: Access,
    pub(super) body: Option<&'static Body>,
    pub(super) query: &'static [Query],
    /// A required request header, with what it carries.
    pub(super) header: Option<(&'static str, &'static str)>,
    pub(super) answer: Answer,
    /// Error statuses besides those every operation may answer.
    pub(super) errors: &'static [u16],
}

impl Operation {
    const fn new(tag: &'static str, summary: &'static str, access: Access, answer: Answer) -> Self {
        Self {
            summary,
            tag,
            access,
            body: None,
            query: &[],
            header: None,
            answer,
            errors: &[],
        }
    }

    const fn body(mut self, body: &'static Body) -> Self {
        self.body = Some(body);
        self
    }

    const fn query(mut self, query: &'static [Query]) -> Self {
        self.query = query;
        self
    }

    const fn errors(mut self, errors: &'static [u16]) -> Self {
        self.errors = errors;
        self
    }
}

use Access::{Admin, Public, SignedIn};
use Answer::{Either, Empty, Json, List, Names, Redirect};

const SESSION: &str = "sessions";
const ACCOUNT: &str = "account";
const MFA: &str = "mfa";
const OAUTH: &str = "external logins";
const ADMIN: &str = "admin";
const TOKENS: &str = "v1 tokens";
const PASSWORDLESS: &str = "passwordless";

/// The native dialect's endpoint.
pub(super) fn native(endpoint: Native) -> Operation {
    let tokens_or_challenge = Either(200, "Tokens", "MfaChallenge");
    match endpoint {
        Native::Login => Operation::new(
            SESSION,
            "Sign in (bearer tokens)",
            Public,
            tokens_or_challenge,
        )
        .body(&requests::LOGIN),
        Native::CookieLogin => Operation::new(
            SESSION,
            "Sign in (HttpOnly cookies)",
            Public,
            Either(200, "CookieSession", "MfaChallenge"),
        )
        .body(&requests::LOGIN),
        Native::RefreshToken => Operation::new(
            SESSION,
            "Rotate the refresh token",
            Public,
            Either(200, "Tokens", "CookieSession"),
        )
        .body(&requests::REFRESH),
        Native::Logout => Operation::new(SESSION, "Sign out", Public, Json(200, "LoggedOut"))
            .body(&requests::REFRESH),
        Native::Register => {
            Operation::new(ACCOUNT, "Create an account", Public, Json(201, "MyAccount"))
                .body(&requests::REGISTER)
                .errors(&[409])
        }
        Native::ValidateSession => Operation::new(
            SESSION,
            "Whether the caller is signed in",
            SignedIn,
            Json(200, "ValidSession"),
        ),
        Native::Me => {
            Operation::new(ACCOUNT, "My account", SignedIn, Json(200, "MyAccount")).errors(&[404])
        }
        Native::UpdateMe => Operation::new(
            ACCOUNT,
            "Change my name or password",
            SignedIn,
            Json(200, "MyAccount"),
        )
        .body(&requests::UPDATE_ME)
        .errors(&[404]),
        Native::UpdateUser => Operation::new(
            ACCOUNT,
            "Change my name or address",
            SignedIn,
            Json(200, "MyAccount"),
        )
        .body(&requests::UPDATE_USER)
        .errors(&[404, 409]),
        Native::RequestPasswordReset => Operation::new(
            ACCOUNT,
            "Mail a password-reset link",
            Public,
            Json(200, "Notice"),
        )
        .body(&requests::REQUEST_RESET),
        Native::ResetPassword => Operation::new(
            ACCOUNT,
            "Set a new password with a reset link's token",
            Public,
            Json(200, "PasswordReset"),
        )
        .body(&requests::RESET),
        Native::UpdateEmail => Operation::new(
            ACCOUNT,
            "Confirm an address change",
            Public,
            Json(200, "MyAccount"),
        )
        .body(&requests::LINK_TOKEN)
        .errors(&[404, 409]),
        Native::VerifyEmail => {
            Operation::new(ACCOUNT, "Verify an address", Public, Json(200, "MyAccount"))
                .body(&requests::LINK_TOKEN)
                .errors(&[404])
        }
        Native::ResendVerification => Operation::new(
            ACCOUNT,
            "Mail the verification link again",
            Public,
            Json(200, "Notice"),
        )
        .body(&requests::EMAIL),
        Native::EnableMfa => Operation::new(
            MFA,
            "Begin a TOTP enrolment",
            SignedIn,
            Json(200, "Enrolment"),
        )
        .body(&requests::ENABLE_MFA)
        .errors(&[404, 409]),
        Native::VerifyMfa => Operation::new(
            MFA,
            "Confirm an enrolment, or pass a login's second step",
            Public,
            Either(200, "MfaState", "Tokens"),
        )
        .body(&requests::VERIFY_MFA)
        .errors(&[404, 409]),
        Native::RecoverMfa => Operation::new(
            MFA,
            "Pass a login's second step with a recovery code (MFA turns off)",
            Public,
            tokens_or_challenge,
        )
        .body(&requests::RECOVER_MFA),
        Native::DisableMfa => Operation::new(MFA, "Turn MFA off", SignedIn, Json(200, "MfaState"))
            .body(&requests::DISABLE_MFA)
            .errors(&[404]),
        Native::Providers => {
            Operation::new(OAUTH, "The external login providers", Public, Names(200))
        }
        Native::OAuthStart => Operation::new(OAUTH, "Off to the provider", Public, Redirect)
            .query(OAUTH_START)
            .errors(&[404]),
        Native::SetCookies => Operation::new(
            OAUTH,
            "The cookie bridge: the login's session into cookies",
            Public,
            Redirect,
        )
        .query(BRIDGE),
        Native::Redeem => Operation::new(
            OAUTH,
            "An external login's one-time code for its tokens",
            Public,
            Json(200, "Tokens"),
        )
        .body(&requests::REDEEM),
        Native::Sessions => Operation::new(SESSION, "My sessions", SignedIn, List(200, "Session")),
        Native::EndSession => {
            Operation::new(SESSION, "End one of my sessions", SignedIn, Empty).errors(&[404])
        }
        Native::EndOtherSessions => {
            Operation::new(SESSION, "End my other sessions", SignedIn, Empty)
        }
        Native::PasskeyRegisterStart => Operation::new(
            PASSWORDLESS,
            "Begin registering a passkey (sets the ceremony cookie)",
            SignedIn,
            Json(200, "PasskeyOptions"),
        )
        .body(&requests::PASSKEY_REGISTER_START)
        .errors(&[404, 501]),
        Native::PasskeyRegisterFinish => Operation::new(
            PASSWORDLESS,
            "Finish registering a passkey",
            SignedIn,
            Json(201, "Passkey"),
        )
        .body(&requests::PASSKEY_REGISTER_FINISH)
        .errors(&[404, 409, 501]),
        Native::PasskeyLoginStart => Operation::new(
            PASSWORDLESS,
            "Begin a sign-in with a passkey (sets the ceremony cookie)",
            Public,
            Json(200, "PasskeyOptions"),
        )
        .body(&requests::PASSKEY_LOGIN_START)
        .errors(&[501]),
        Native::PasskeyLoginFinish => Operation::new(
            PASSWORDLESS,
            "Finish a sign-in with a passkey",
            Public,
            Either(200, "Tokens", "CookieSession"),
        )
        .body(&requests::PASSKEY_LOGIN_FINISH)
        .errors(&[501]),
        Native::Passkeys => {
            Operation::new(PASSWORDLESS, "My passkeys", SignedIn, List(200, "Passkey"))
                .errors(&[404, 501])
        }
        Native::RenamePasskey => Operation::new(PASSWORDLESS, "Rename a passkey", SignedIn, Empty)
            .body(&requests::RENAME_PASSKEY)
            .errors(&[404, 501]),
        Native::RemovePasskey => Operation::new(PASSWORDLESS, "Remove a passkey", SignedIn, Empty)
            .errors(&[404, 409, 501]),
        Native::MagicLink => Operation::new(
            PASSWORDLESS,
            "Mail a sign-in link",
            Public,
            Json(200, "Notice"),
        )
        .body(&requests::MAGIC_LINK),
        Native::MagicLinkVerify => Operation::new(
            PASSWORDLESS,
            "Sign in with a sign-in link's token",
            Public,
            Either(200, "Tokens", "MfaChallenge"),
        )
        .body(&requests::MAGIC_LINK_VERIFY)
        .errors(&[404]),
        Native::AdminListUsers => Operation::new(
            ADMIN,
            "List or search accounts",
            Admin,
            Json(200, "AccountPage"),
        )
        .query(PAGE),
        Native::AdminCreateUser => Operation::new(
            ADMIN,
            "Create an account, or invite its owner",
            Admin,
            Json(201, "Account"),
        )
        .body(&requests::ADMIN_CREATE)
        .errors(&[409]),
        Native::AdminGetUser => {
            Operation::new(ADMIN, "An account", Admin, Json(200, "Account")).errors(&[404])
        }
        Native::AdminUpdateUser => Operation::new(
            ADMIN,
            "Change an account's name, role, state",
            Admin,
            Json(200, "Account"),
        )
        .body(&requests::ADMIN_UPDATE)
        .errors(&[404, 409]),
        Native::AdminDeleteUser => Operation::new(
            ADMIN,
            "Delete an account, its sessions, tokens and links",
            Admin,
            Empty,
        )
        .errors(&[404, 409]),
        Native::AdminResetMfa => {
            Operation::new(ADMIN, "Turn an account's MFA off", Admin, Empty).errors(&[404])
        }
        Native::AdminUserSessions => {
            Operation::new(ADMIN, "An account's sessions", Admin, List(200, "Session"))
                .errors(&[404])
        }
        Native::AdminEndUserSessions => {
            Operation::new(ADMIN, "End all of an account's sessions", Admin, Empty).errors(&[404])
        }
        Native::AdminEndSession => Operation::new(
            ADMIN,
            "End a session (idempotent: an unknown or ended one is no error)",
            Admin,
            Empty,
        ),
    }
}

/// The OAuth callback every dialect serves at its own path.
pub(super) fn oauth_callback() -> Operation {
    Operation::new(
        OAUTH,
        "The provider's return: on to the app with the login's outcome",
        Public,
        Redirect,
    )
    .query(CALLBACK)
    .errors(&[404])
}

/// The v1 token API's endpoint.
pub(super) fn v1(endpoint: V1) -> Operation {
    match endpoint {
        V1::UserToken => Operation {
            header: Some(("App-Token", "An app token.")),
            ..Operation::new(
                TOKENS,
                "A user token for credentials and an app token",
                Public,
                Json(200, "V1Token"),
            )
            .body(&requests::V1_USER_TOKEN)
        },
        V1::Create(TokenScope::App) => Operation::new(
            TOKENS,
            "Create an app token (admins)",
            SignedIn,
            Json(201, "V1AppToken"),
        )
        .body(&requests::V1_APP_TOKEN),
        V1::Create(TokenScope::User) => Operation::new(
            TOKENS,
            "Create a token acting on behalf of a user",
            SignedIn,
            Json(201, "V1Token"),
        )
        .body(&requests::V1_ON_BEHALF)
        .errors(&[404]),
        V1::List(_) => Operation::new(
            TOKENS,
            "My tokens, without their secrets",
            SignedIn,
            Json(200, "V1TokenList"),
        ),
        V1::Patch(_) => Operation::new(
            TOKENS,
            "Change a token's expiry",
            SignedIn,
            Json(200, "V1TokenInfo"),
        )
        .body(&requests::V1_LIFETIME)
        .errors(&[404]),
        V1::Delete(_) => Operation::new(TOKENS, "End a token", SignedIn, Empty).errors(&[404]),
    }
}
