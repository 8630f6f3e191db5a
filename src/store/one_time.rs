use time::OffsetDateTime;

/// What a one-time token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OneTimePurpose {
    /// The second step of a login: the password was right, a TOTP code or
    /// recovery code must follow (the `mfaToken`).
    MfaChallenge,
    /// A password reset link.
    PasswordReset,
    /// A link confirming a new email address (the address is in `data`).
    EmailChange,
    /// A link verifying the account's address.
    EmailVerification,
}

impl OneTimePurpose {
    /// A stable name for storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MfaChallenge => "mfa_challenge",
            Self::PasswordReset => "password_reset",
            Self::EmailChange => "email_change",
            Self::EmailVerification => "email_verification",
        }
    }

    /// The purpose named by [`as_str`](Self::as_str).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "mfa_challenge" => Some(Self::MfaChallenge),
            "password_reset" => Some(Self::PasswordReset),
            "email_change" => Some(Self::EmailChange),
            "email_verification" => Some(Self::EmailVerification),
            _ => None,
        }
    }
}

/// A short-lived, single-use token bound to a user, found by the digest of
/// its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneTimeToken {
    /// SHA-256 of the secret (hex).
    pub token_hash: String,
    /// What it is for; a token never serves another purpose.
    pub purpose: OneTimePurpose,
    /// The user it is bound to.
    pub user_id: String,
    /// What the service needs to finish the step (opaque to stores).
    pub data: String,
    /// Wrong answers given so far.
    pub failures: u32,
    /// When it was made.
    pub created_at: OffsetDateTime,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
}
