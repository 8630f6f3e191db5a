//! [`ApiTokenStore`] for [`MemoryStore`].

use async_trait::async_trait;
use time::OffsetDateTime;

use super::MemoryStore;
use crate::store::{ApiToken, ApiTokenKind, ApiTokenStore, StoreError};

#[async_trait]
impl ApiTokenStore for MemoryStore {
    async fn create_api_token(&self, token: &ApiToken) -> Result<(), StoreError> {
        let mut state = self.state();
        if state.api_tokens.contains_key(&token.token_hash) {
            return Err(StoreError::Conflict);
        }
        state
            .api_tokens
            .insert(token.token_hash.clone(), token.clone());
        Ok(())
    }

    async fn find_api_token(&self, token_hash: &str) -> Result<Option<ApiToken>, StoreError> {
        Ok(self.state().api_tokens.get(token_hash).cloned())
    }

    async fn set_api_token_expiry(
        &self,
        token_hash: &str,
        expires_at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        Ok(self
            .state()
            .api_tokens
            .get_mut(token_hash)
            .map(|token| token.expires_at = expires_at)
            .is_some())
    }

    async fn delete_api_token(&self, token_hash: &str) -> Result<bool, StoreError> {
        Ok(self.state().api_tokens.remove(token_hash).is_some())
    }

    async fn list_api_tokens(
        &self,
        owner_id: &str,
        kinds: &[ApiTokenKind],
    ) -> Result<Vec<ApiToken>, StoreError> {
        let mut tokens: Vec<_> = self
            .state()
            .api_tokens
            .values()
            .filter(|t| t.owner_id == owner_id && kinds.contains(&t.kind))
            .cloned()
            .collect();
        tokens.sort_by_key(|t| (t.created_at, t.token_hash.clone()));
        Ok(tokens)
    }
}
