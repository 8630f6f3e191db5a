use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;

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

/// Where API tokens live (the v1 token API), by the digests of their secrets.
#[async_trait]
pub trait ApiTokenStore: Send + Sync + 'static {
    /// Stores a new API token; a taken digest is [`StoreError::Conflict`].
    async fn create_api_token(&self, token: &ApiToken) -> Result<(), StoreError>;

    /// The API token with this digest, expired or not.
    async fn find_api_token(&self, token_hash: &str) -> Result<Option<ApiToken>, StoreError>;

    /// Sets a token's expiry (the past is allowed: it ends the token);
    /// returns whether the token exists.
    async fn set_api_token_expiry(
        &self,
        token_hash: &str,
        expires_at: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// Deletes a token; returns whether it existed.
    async fn delete_api_token(&self, token_hash: &str) -> Result<bool, StoreError>;

    /// Ends, at `now`, every live user token and on-behalf-of token that
    /// acts as `user_id` or that `user_id` acts with (app tokens stay: they
    /// belong to the app); returns how many it ended.
    async fn end_user_api_tokens(
        &self,
        user_id: &str,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError>;

    /// Deletes the tokens that expired before `now`; returns how many went.
    async fn purge_expired_api_tokens(&self, now: OffsetDateTime) -> Result<u64, StoreError>;

    /// The tokens of these kinds that `owner_id` made, expired ones too,
    /// oldest first.
    async fn list_api_tokens(
        &self,
        owner_id: &str,
        kinds: &[ApiTokenKind],
    ) -> Result<Vec<ApiToken>, StoreError>;
}
