//! [`IdentityStore`] for [`MemoryStore`].

use async_trait::async_trait;

use super::MemoryStore;
use crate::store::{IdentityStore, StoreError};

#[async_trait]
impl IdentityStore for MemoryStore {
    async fn find_identity(
        &self,
        provider: &str,
        subject: &str,
    ) -> Result<Option<String>, StoreError> {
        let key = (provider.to_owned(), subject.to_owned());
        Ok(self.state().identities.get(&key).cloned())
    }

    async fn link_identity(
        &self,
        user_id: &str,
        provider: &str,
        subject: &str,
    ) -> Result<(), StoreError> {
        let mut state = self.state();
        let key = (provider.to_owned(), subject.to_owned());
        if state.identities.contains_key(&key) {
            return Err(StoreError::Conflict);
        }
        state.identities.insert(key, user_id.to_owned());
        Ok(())
    }

    async fn count_identities(&self, user_id: &str) -> Result<u64, StoreError> {
        let state = self.state();
        Ok(super::count(
            state.identities.values().filter(|u| *u == user_id).count(),
        ))
    }

    async fn unlink_identities(&self, user_id: &str) -> Result<u64, StoreError> {
        let mut state = self.state();
        let before = state.identities.len();
        state.identities.retain(|_, owner| owner != user_id);
        Ok(u64::try_from(before - state.identities.len()).unwrap_or(u64::MAX))
    }
}
