use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;

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
    /// The code a finished external login carries to the app instead of
    /// tokens (the digest of its session's refresh token is in `data`).
    LoginCode,
    /// A passkey ceremony waiting for the browser's answer (its state is
    /// in `data`; `user_id` is empty for a usernameless sign-in).
    PasskeyChallenge,
    /// A mailed sign-in link (`data` holds the address when the link may
    /// create the account, with an empty `user_id`).
    MagicLink,
}

impl OneTimePurpose {
    /// A stable name for storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MfaChallenge => "mfa_challenge",
            Self::PasswordReset => "password_reset",
            Self::EmailChange => "email_change",
            Self::EmailVerification => "email_verification",
            Self::LoginCode => "login_code",
            Self::PasskeyChallenge => "passkey_challenge",
            Self::MagicLink => "magic_link",
        }
    }

    /// The purpose named by [`as_str`](Self::as_str).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "mfa_challenge" => Some(Self::MfaChallenge),
            "password_reset" => Some(Self::PasswordReset),
            "email_change" => Some(Self::EmailChange),
            "email_verification" => Some(Self::EmailVerification),
            "login_code" => Some(Self::LoginCode),
            "passkey_challenge" => Some(Self::PasskeyChallenge),
            "magic_link" => Some(Self::MagicLink),
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

/// Where one-time tokens live: reset, email-change, verification and
/// sign-in links, MFA challenges and passkey ceremonies. Only digests of their secrets pass through here.
///
/// [`consume_one_time_token`](OneTimeTokenStore::consume_one_time_token)
/// and [`count_one_time_token_failure`](OneTimeTokenStore::count_one_time_token_failure)
/// must be atomic: a token is spent once, and every wrong answer counts.
#[async_trait]
pub trait OneTimeTokenStore: Send + Sync + 'static {
    /// Stores a new one-time token; a taken digest is [`StoreError::Conflict`].
    async fn create_one_time_token(&self, token: &OneTimeToken) -> Result<(), StoreError>;

    /// The one-time token with this digest, expired or not.
    async fn find_one_time_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<OneTimeToken>, StoreError>;

    /// Deletes the token, atomically; returns whether this call did (of
    /// concurrent consumers, exactly one gets `true`).
    async fn consume_one_time_token(&self, token_hash: &str) -> Result<bool, StoreError>;

    /// Counts one wrong answer against the token, atomically; returns the
    /// count now (0 when the token is gone).
    async fn count_one_time_token_failure(&self, token_hash: &str) -> Result<u32, StoreError>;

    /// Deletes every one-time token of a user (their credentials changed:
    /// links and challenges made before must not work); returns how many.
    async fn revoke_one_time_tokens(&self, user_id: &str) -> Result<u64, StoreError>;

    /// Deletes the tokens that expired before `now`; returns how many.
    async fn purge_expired_one_time_tokens(&self, now: OffsetDateTime) -> Result<u64, StoreError>;
}
