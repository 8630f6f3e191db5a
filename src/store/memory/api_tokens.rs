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

    async fn end_user_api_tokens(
        &self,
        user_id: &str,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let mut ended = 0;
        for token in self.state().api_tokens.values_mut() {
            let theirs = token.user_id == user_id || token.actor_id.as_deref() == Some(user_id);
            if theirs && token.kind != ApiTokenKind::App && token.expires_at > now {
                token.expires_at = now;
                ended += 1;
            }
        }
        Ok(ended)
    }

    async fn purge_expired_api_tokens(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        let mut state = self.state();
        let before = state.api_tokens.len();
        state.api_tokens.retain(|_, token| token.expires_at > now);
        Ok(u64::try_from(before - state.api_tokens.len()).unwrap_or(u64::MAX))
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
