//! [`SessionStore`] for [`MemoryStore`].

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{MemoryStore, State, count};
use crate::store::{RefreshFamily, RefreshToken, SessionStore, StoreError};

#[async_trait]
impl SessionStore for MemoryStore {
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
        if let Some(family) = state.families.get_mut(&family_id) {
            family.last_used_at = now;
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
    ) -> Result<Vec<String>, StoreError> {
        let mut revoked = Vec::new();
        for family in self.state().families.values_mut() {
            if family.user_id == user_id
                && family.revoked_at.is_none()
                && Some(family.id.as_str()) != keep
            {
                family.revoked_at = Some(now);
                revoked.push(family.id.clone());
            }
        }
        Ok(revoked)
    }

    async fn revoked_since(&self, since: OffsetDateTime) -> Result<Vec<String>, StoreError> {
        Ok(self
            .state()
            .families
            .values()
            .filter(|f| f.revoked_at.is_some_and(|at| at >= since))
            .map(|f| f.id.clone())
            .collect())
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

    async fn purge_expired_sessions(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        let mut state = self.state();
        let State {
            families, tokens, ..
        } = &mut *state;
        let before = families.len() + tokens.len();
        families.retain(|_, f| f.expires_at > now);
        tokens.retain(|_, (family, _)| families.contains_key(family));
        Ok(count(before - families.len() - tokens.len()))
    }
}
