//! [`AuthError`]: the one error type of the service, with a stable machine
//! code, an HTTP status and a message that is safe to show to the end user.
//!
//! The private cause of an error (a database message, say) never reaches the
//! wire: it is logged with `tracing` where the error is made. Input errors
//! name a [`Field`] and a [`Rule`], never a wire field name: each dialect
//! names the field its own way.

mod validation;

use std::time::Duration;

use http::StatusCode;

use crate::store::StoreError;

pub use validation::{Field, Rule};

/// Everything that can go wrong in an authentication call.
///
/// Each variant maps to a stable [`code`](AuthError::code) and an HTTP
/// [`status`](AuthError::status); dialects only choose how to print them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// Unknown email, wrong password or inactive account: deliberately one
    /// answer for all three, so that accounts cannot be enumerated.
    #[error("invalid email or password")]
    InvalidCredentials,
    /// The request carries no credentials where some are needed.
    #[error("authentication required")]
    Unauthenticated,
    /// A token that was valid once has expired.
    #[error("token expired")]
    TokenExpired,
    /// A token that is malformed, forged, revoked, reused or unknown.
    #[error("invalid token")]
    TokenInvalid,
    /// A wrong, replayed or missing one-time code (TOTP or recovery code).
    #[error("invalid one-time code")]
    InvalidOtp,
    /// A passkey's answer did not verify (a wrong signature, an unknown
    /// passkey, a sign counter that went back).
    #[error("the passkey was not accepted")]
    PasskeyRejected,
    /// Too many failed sign-ins over time: the account waits for a
    /// password reset or an admin's unlock.
    #[error(
        "this account is locked after too many failed sign-ins: reset the password to unlock it"
    )]
    AccountLocked,
    /// The password was right, but the address must be verified first.
    #[error("verify your email address first: follow the link we sent")]
    EmailNotVerified,
    /// The caller is known but may not do this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// The app's hook refused the sign-in, for this reason.
    #[error("{0}")]
    LoginRefused(String),
    /// The thing asked for does not exist (or the caller may not know it does).
    #[error("not found")]
    NotFound,
    /// A unique value (an email address) is already taken.
    #[error("{0}")]
    Conflict(&'static str),
    /// Input that breaks a rule.
    #[error("{}", rule.message(field.label()))]
    Validation {
        /// The input at fault.
        field: Field,
        /// What is wrong with it.
        rule: Rule,
    },
    /// The request body is larger than the configured limit.
    #[error("request body too large")]
    PayloadTooLarge,
    /// Too many attempts; try again after `retry_after`.
    #[error("too many attempts, retry later")]
    RateLimited {
        /// How long the caller must wait.
        retry_after: Duration,
    },
    /// The configured stores cannot do this (a user store without a
    /// [`UserDirectory`](crate::store::UserDirectory), say).
    #[error("{0}")]
    Unsupported(&'static str),
    /// A store or another dependency failed; the request fails closed.
    #[error("service temporarily unavailable")]
    Unavailable,
    /// More passwords wait for hashing than the queue holds: try again
    /// after `retry_after` (503 with `Retry-After`).
    #[error("too busy hashing passwords, retry later")]
    Overloaded {
        /// How long the caller should wait.
        retry_after: Duration,
    },
}

impl AuthError {
    /// Input that breaks a rule.
    pub fn invalid(field: Field, rule: Rule) -> Self {
        Self::Validation { field, rule }
    }

    /// The stable machine code, the same in every dialect and release.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidCredentials => "INVALID_CREDENTIALS",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::TokenExpired => "TOKEN_EXPIRED",
            Self::TokenInvalid => "TOKEN_INVALID",
            Self::InvalidOtp => "INVALID_OTP",
            Self::PasskeyRejected => "PASSKEY_REJECTED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::EmailNotVerified => "EMAIL_NOT_VERIFIED",
            Self::AccountLocked => "ACCOUNT_LOCKED",
            Self::LoginRefused(_) => "LOGIN_REFUSED",
            Self::NotFound => "NOT_FOUND",
            Self::Conflict(_) => "CONFLICT",
            Self::Validation { .. } => "VALIDATION",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::Unsupported(_) => "UNSUPPORTED",
            Self::Unavailable => "UNAVAILABLE",
            Self::Overloaded { .. } => "OVERLOADED",
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::InvalidCredentials
            | Self::Unauthenticated
            | Self::TokenExpired
            | Self::TokenInvalid
            | Self::InvalidOtp
            | Self::PasskeyRejected => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_)
            | Self::EmailNotVerified
            | Self::AccountLocked
            | Self::LoginRefused(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Validation { .. } => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unsupported(_) => StatusCode::NOT_IMPLEMENTED,
            Self::Unavailable | Self::Overloaded { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// Seconds for a `Retry-After` header, rounded up, when the error has one.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after } | Self::Overloaded { retry_after } => {
                Some(retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0))
            }
            _ => None,
        }
    }
}

impl From<StoreError> for AuthError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict => Self::Conflict("this value is already taken"),
            StoreError::NotFound => Self::NotFound,
            StoreError::InvalidId => Self::invalid(Field::Id, Rule::Malformed),
            StoreError::Unavailable(cause) => {
                tracing::error!(error = %cause, "store unavailable; failing closed");
                Self::Unavailable
            }
        }
    }
}

/// A configuration that cannot work, reported by [`crate::AuthBuilder::build`]
/// or by reading the environment.
#[derive(Debug, thiserror::Error)]
#[error("invalid portcullis configuration: {0}")]
pub struct ConfigError(pub(crate) String);

impl ConfigError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}
