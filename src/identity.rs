//! [`Identity`]: who a request acts as, as its access token or API tokens say.

use time::OffsetDateTime;

/// How the user proved who they are, as written in the token's `amr` claim
/// (RFC 8176 names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthMethod {
    /// A password.
    Password,
    /// A TOTP code.
    Otp,
    /// A recovery code.
    Recovery,
    /// An external provider (OAuth / OpenID Connect); `fed`, not an RFC
    /// 8176 name, which has none for federated logins.
    Federated,
    /// A passkey (`hwk`: proof of possession of a key kept by an
    /// authenticator). Passkeys verify the user too (a PIN or biometrics).
    Passkey,
    /// Several factors at once (`mfa`): with [`Passkey`](Self::Passkey)
    /// when a passkey alone signed in, since it is both something held and
    /// something known or inherent.
    MultiFactor,
    /// A single-use link mailed to the account's address; `email`, not an
    /// RFC 8176 name, which has none for it.
    EmailLink,
}

impl AuthMethod {
    /// The RFC 8176 name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Password => "pwd",
            Self::Otp => "otp",
            Self::Recovery => "recovery",
            Self::Federated => "fed",
            Self::Passkey => "hwk",
            Self::MultiFactor => "mfa",
            Self::EmailLink => "email",
        }
    }
}

/// The signed-in identity of a request: from a verified access token
/// (without a store round-trip), or from an `App-Token` + `Token` pair.
///
/// Handlers get it through the framework adapter's extractor. Requests made
/// with an on-behalf-of token act as `user_id`, and `actor` names who acts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Identity {
    /// The user the request acts as.
    pub user_id: String,
    /// The user's role id when the token was issued.
    pub role: String,
    /// The session (refresh family) the token belongs to.
    pub session_id: Option<String>,
    /// How the user signed in (`amr`), such as `["pwd"]`; empty for API tokens.
    pub amr: Vec<String>,
    /// For on-behalf-of tokens: the user acting for `user_id`.
    pub actor: Option<String>,
    /// When the access token expires.
    pub expires_at: OffsetDateTime,
    /// The app's own claims in the access token (see
    /// [`Hooks::custom_claims`](crate::hooks::Hooks::custom_claims)).
    pub claims: serde_json::Map<String, serde_json::Value>,
    /// When the user signed in (the session began): the `auth_time`
    /// claim. `None` for API tokens and for tokens issued before it was
    /// written.
    pub auth_time: Option<OffsetDateTime>,
    /// For a request authenticated by an `App-Token` + `Token` pair: the
    /// digests of the `Token` and of the `App-Token`, so that neither can
    /// act on itself.
    pub(crate) api_token: Option<String>,
    pub(crate) app_token: Option<String>,
}

impl Identity {
    /// Whether the identity holds the given role.
    pub fn has_role(&self, role: &str) -> bool {
        self.role == role
    }

    /// Whether the user proved a second factor (a TOTP code, a recovery
    /// code or a passkey) when signing in: for routes that demand one.
    pub fn has_second_factor(&self) -> bool {
        let second = [AuthMethod::Otp, AuthMethod::Recovery, AuthMethod::Passkey];
        self.amr
            .iter()
            .any(|m| second.iter().any(|s| m == s.as_str()))
    }
}
