//! [`PasskeyStore`] for [`MemoryStore`].

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{MemoryStore, count};
use crate::store::{PasskeyStore, StoreError, StoredPasskey};

#[async_trait]
impl PasskeyStore for MemoryStore {
    async fn add_passkey(&self, passkey: &StoredPasskey) -> Result<(), StoreError> {
        let mut state = self.state();
        if state.passkeys.contains_key(&passkey.id) {
            return Err(StoreError::Conflict);
        }
        state.passkeys.insert(passkey.id.clone(), passkey.clone());
        Ok(())
    }

    async fn find_passkey(&self, id: &str) -> Result<Option<StoredPasskey>, StoreError> {
        Ok(self.state().passkeys.get(id).cloned())
    }

    async fn passkeys_of(&self, user_id: &str) -> Result<Vec<StoredPasskey>, StoreError> {
        let mut passkeys: Vec<StoredPasskey> = (self.state().passkeys.values())
            .filter(|p| p.user_id == user_id)
            .cloned()
            .collect();
        passkeys.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(passkeys)
    }

    async fn record_passkey_use(
        &self,
        id: &str,
        previous: &str,
        credential: &str,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        let Some(passkey) = state
            .passkeys
            .get_mut(id)
            .filter(|p| p.credential == previous)
        else {
            return Ok(false);
        };
        passkey.credential = credential.to_owned();
        passkey.last_used_at = Some(at);
        Ok(true)
    }

    async fn rename_passkey(
        &self,
        user_id: &str,
        id: &str,
        name: &str,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        match state.passkeys.get_mut(id) {
            Some(passkey) if passkey.user_id == user_id => {
                passkey.name = name.to_owned();
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn remove_passkey(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        let mut state = self.state();
        if state.passkeys.get(id).is_none_or(|p| p.user_id != user_id) {
            return Ok(false);
        }
        Ok(state.passkeys.remove(id).is_some())
    }

    async fn remove_passkeys(&self, user_id: &str) -> Result<u64, StoreError> {
        let mut state = self.state();
        let before = state.passkeys.len();
        state.passkeys.retain(|_, p| p.user_id != user_id);
        Ok(count(before - state.passkeys.len()))
    }
}
