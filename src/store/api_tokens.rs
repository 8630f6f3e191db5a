use time::OffsetDateTime;

/// The three kinds of long-lived API token (the v1 token API).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiTokenKind {
    /// Identifies a client application (`App-Token` header).
    App,
    /// Identifies a user, minted by `POST /v1/token/` (`Token` header).
    User,
    /// Acts as a user on behalf of another (`Token` header).
    OnBehalfOf,
}

impl ApiTokenKind {
    /// A stable name for storage and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::App => "app",
            Self::User => "user",
            Self::OnBehalfOf => "on_behalf_of",
        }
    }

    /// The kind named by [`as_str`](Self::as_str).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "app" => Some(Self::App),
            "user" => Some(Self::User),
            "on_behalf_of" => Some(Self::OnBehalfOf),
            _ => None,
        }
    }
}

/// An API token as the store keeps it: by the SHA-256 digest of its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// SHA-256 of the secret (hex); the secret itself is never stored.
    pub token_hash: String,
    /// What the token is.
    pub kind: ApiTokenKind,
    /// The user the token acts as (for app tokens: the admin who made it).
    pub user_id: String,
    /// For on-behalf-of tokens: the user acting.
    pub actor_id: Option<String>,
    /// Who may list, change and delete the token: its maker.
    pub owner_id: String,
    /// For user and on-behalf-of tokens made through an app token: that
    /// app token's digest; the token then works only beside it.
    pub app_hash: Option<String>,
    /// The first characters of the secret, to tell tokens apart in lists.
    pub hint: String,
    /// When it was made.
    pub created_at: OffsetDateTime,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
}
