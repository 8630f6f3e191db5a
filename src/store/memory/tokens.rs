//! [`TokenStore`] for [`MemoryStore`].

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{MemoryStore, State};
use crate::store::{
    ApiToken, ApiTokenKind, OneTimeToken, RefreshFamily, RefreshToken, StoreError, TokenStore,
};

#[async_trait]
impl TokenStore for MemoryStore {
    async fn create_family(
        &self,
        family: &RefreshFamily,
        token_hash: &str,
    ) -> Result<(), StoreError> {
        let mut state = self.state();
        if state.tokens.contains_key(token_hash) || state.families.contains_key(&family.id) {
            return Err(StoreError::Conflict);
        }
        state.families.insert(family.id.clone(), family.clone());
        state
            .tokens
            .insert(token_hash.to_owned(), (family.id.clone(), None));
        Ok(())
    }

    async fn find_refresh_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<RefreshToken>, StoreError> {
        let state = self.state();
        Ok(state
            .tokens
            .get(token_hash)
            .and_then(|(family_id, used_at)| {
                state.families.get(family_id).map(|family| RefreshToken {
                    token_hash: token_hash.to_owned(),
                    family: family.clone(),
                    used_at: *used_at,
                })
            }))
    }

    async fn rotate_refresh_token(
        &self,
        spent_hash: &str,
        next_hash: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        let Some((family_id, None)) = state.tokens.get(spent_hash).cloned() else {
            return Ok(false);
        };
        let live = state
            .families
            .get(&family_id)
            .is_some_and(|f| f.revoked_at.is_none());
        if !live || state.tokens.contains_key(next_hash) {
            return Ok(false);
        }
        state
            .tokens
            .insert(spent_hash.to_owned(), (family_id.clone(), Some(now)));
        state.tokens.insert(next_hash.to_owned(), (family_id, None));
        Ok(true)
    }

    async fn revoke_family(&self, family_id: &str, now: OffsetDateTime) -> Result<(), StoreError> {
        if let Some(family) = self.state().families.get_mut(family_id) {
            family.revoked_at.get_or_insert(now);
        }
        Ok(())
    }

    async fn revoke_user_families(
        &self,
        user_id: &str,
        keep: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let mut revoked = 0;
        for family in self.state().families.values_mut() {
            if family.user_id == user_id
                && family.revoked_at.is_none()
                && Some(family.id.as_str()) != keep
            {
                family.revoked_at = Some(now);
                revoked += 1;
            }
        }
        Ok(revoked)
    }

    async fn list_families(
        &self,
        user_id: &str,
        now: OffsetDateTime,
    ) -> Result<Vec<RefreshFamily>, StoreError> {
        let mut families: Vec<_> = self
            .state()
            .families
            .values()
            .filter(|f| f.user_id == user_id && f.revoked_at.is_none() && f.expires_at > now)
            .cloned()
            .collect();
        families.sort_by_key(|f| (f.created_at, f.id.clone()));
        Ok(families)
    }

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

    async fn purge_expired(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        let mut state = self.state();
        let before = state.families.len() + state.tokens.len() + state.one_time_tokens.len();
        state.families.retain(|_, f| f.expires_at > now);
        let State {
            families, tokens, ..
        } = &mut *state;
        tokens.retain(|_, (family, _)| families.contains_key(family));
        state.one_time_tokens.retain(|_, t| t.expires_at > now);
        let after = state.families.len() + state.tokens.len() + state.one_time_tokens.len();
        Ok(u64::try_from(before - after).unwrap_or(u64::MAX))
    }

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

    async fn revoke_one_time_tokens(&self, user_id: &str) -> Result<u64, StoreError> {
        let mut state = self.state();
        let before = state.one_time_tokens.len();
        state.one_time_tokens.retain(|_, t| t.user_id != user_id);
        Ok(u64::try_from(before - state.one_time_tokens.len()).unwrap_or(u64::MAX))
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
}
