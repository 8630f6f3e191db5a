//! What starting and finishing an external login take and give.

use url::Url;

use crate::oauth::OAuthError;
use crate::service::LoginOutcome;

/// What starting a login needs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OAuthRequest {
    /// Where the browser returns after the login: an absolute http(s) URL on
    /// an allowed origin. Only a [`one_step`](Self::one_step) login may
    /// have none (Directus's form: the callback answers with the tokens, or
    /// the error, itself).
    pub redirect: Option<String>,
    /// The app's proxy prefix for the cookie bridge (`/enfyra`), if any.
    pub bridge_prefix: Option<String>,
    /// Opaque to the service: handed back with the landing (a dialect
    /// remembers how to answer this way), and kept with an MFA challenge.
    pub context: Option<String>,
    /// A TOTP code given up front (Directus's `?otp=`): a user with MFA
    /// then signs in in one step, and a wrong code is
    /// [`OAuthFailure::InvalidOtp`].
    pub otp: Option<String>,
    /// The login has no second step (Directus): a user with MFA who gave no
    /// `otp` fails with [`OAuthFailure::InvalidOtp`] instead of getting an
    /// MFA challenge.
    pub one_step: bool,
}

impl OAuthRequest {
    /// A login that returns to `redirect`.
    pub fn new(redirect: impl Into<String>) -> Self {
        Self {
            redirect: Some(redirect.into()),
            one_step: false,
            ..Self::without_redirect()
        }
    }

    /// A one-step login with no page to return to: its callback answers
    /// with the tokens, or the error, itself (Directus without `redirect`).
    pub fn without_redirect() -> Self {
        Self {
            redirect: None,
            bridge_prefix: None,
            context: None,
            otp: None,
            one_step: true,
        }
    }
}

/// How a started login goes on.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum OAuthStart {
    /// Send the browser to the provider, with the sealed flow in the
    /// HttpOnly cookie `AuthConfig::oauth.flow_cookie`.
    Provider {
        /// The provider's authorization URL.
        location: Url,
        /// The cookie's value.
        flow: String,
    },
    /// The provider failed before the login could start (unreachable, or
    /// its discovery document unusable): send the browser back to the app.
    Failed {
        /// The app's page, if the login has one.
        redirect: Option<Url>,
        /// Why.
        failure: OAuthFailure,
    },
}

/// What the provider's callback carries.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct OAuthCallback {
    /// `state`.
    pub state: Option<String>,
    /// `code`.
    pub code: Option<String>,
    /// `error`, when the person or the provider refused.
    pub error: Option<String>,
    /// The flow cookie sent by the browser.
    pub flow: Option<String>,
}

/// A finished login, and where the browser goes next.
#[derive(Debug)]
#[non_exhaustive]
pub struct OAuthLanding {
    /// The provider's name.
    pub provider: String,
    /// The app page the login started from (allowed when it started), if
    /// it gave one.
    pub redirect: Option<Url>,
    /// The cookie bridge's proxy prefix, if the app gave one.
    pub bridge_prefix: Option<String>,
    /// The request's context.
    pub context: Option<String>,
    /// A session (or an MFA challenge), or why not.
    pub outcome: Result<LoginOutcome, OAuthFailure>,
}

/// Why an external login failed; its [`code`](Self::code) goes back to the
/// app in the redirect's query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OAuthFailure {
    /// The person (or the provider) declined.
    AccessDenied,
    /// The state is wrong, spent or expired.
    InvalidState,
    /// The provider answered with an error.
    ProviderError,
    /// The provider did not answer in time.
    ProviderUnavailable,
    /// The ID token failed a check (signature, issuer, audience, expiry, nonce).
    InvalidIdToken,
    /// The provider shared no email address.
    EmailMissing,
    /// The provider does not vouch for the address.
    EmailNotVerified,
    /// An account with this address exists, but may not be linked (its
    /// address is unverified, or linking is off).
    AccountNotLinked,
    /// The account is deactivated.
    AccountDisabled,
    /// New accounts are not created through providers.
    SignupClosed,
    /// The TOTP code given with the login is wrong.
    InvalidOtp,
    /// Too many wrong codes for the account: it is cooling down.
    TooManyAttempts,
}

impl OAuthFailure {
    /// The stable code (`?error=`).
    pub fn code(self) -> &'static str {
        match self {
            Self::AccessDenied => "access_denied",
            Self::InvalidState => "invalid_state",
            Self::ProviderError => "provider_error",
            Self::ProviderUnavailable => "provider_unavailable",
            Self::InvalidIdToken => "invalid_id_token",
            Self::EmailMissing => "email_missing",
            Self::EmailNotVerified => "email_not_verified",
            Self::AccountNotLinked => "account_not_linked",
            Self::AccountDisabled => "account_disabled",
            Self::SignupClosed => "signup_closed",
            Self::InvalidOtp => "invalid_otp",
            Self::TooManyAttempts => "too_many_attempts",
        }
    }
}

impl From<&OAuthError> for OAuthFailure {
    fn from(err: &OAuthError) -> Self {
        match err {
            OAuthError::Provider(_) => Self::ProviderError,
            OAuthError::Unreachable(_) => Self::ProviderUnavailable,
            OAuthError::InvalidIdToken(_) => Self::InvalidIdToken,
        }
    }
}
