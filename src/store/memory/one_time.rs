//! [`OneTimeTokenStore`] for [`MemoryStore`].

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{MemoryStore, count};
use crate::store::{OneTimeToken, OneTimeTokenStore, StoreError};

#[async_trait]
impl OneTimeTokenStore for MemoryStore {
    async fn create_one_time_token(&self, token: &OneTimeToken) -> Result<(), StoreError> {
        let mut state = self.state();
        if state.one_time_tokens.contains_key(&token.token_hash) {
            return Err(StoreError::Conflict);
        }
        state
            .one_time_tokens
            .insert(token.token_hash.clone(), token.clone());
        Ok(())
    }

    async fn find_one_time_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<OneTimeToken>, StoreError> {
        Ok(self.state().one_time_tokens.get(token_hash).cloned())
    }

    async fn consume_one_time_token(&self, token_hash: &str) -> Result<bool, StoreError> {
        Ok(self.state().one_time_tokens.remove(token_hash).is_some())
    }

    async fn count_one_time_token_failure(&self, token_hash: &str) -> Result<u32, StoreError> {
        Ok(self
            .state()
            .one_time_tokens
            .get_mut(token_hash)
            .map_or(0, |token| {
                token.failures = token.failures.saturating_add(1);
                token.failures
            }))
    }

    async fn revoke_one_time_tokens(&self, user_id: &str) -> Result<u64, StoreError> {
        let mut state = self.state();
        let before = state.one_time_tokens.len();
        state.one_time_tokens.retain(|_, t| t.user_id != user_id);
        Ok(count(before - state.one_time_tokens.len()))
    }

    async fn purge_expired_one_time_tokens(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        let mut state = self.state();
        let before = state.one_time_tokens.len();
        state.one_time_tokens.retain(|_, t| t.expires_at > now);
        Ok(count(before - state.one_time_tokens.len()))
    }
}
