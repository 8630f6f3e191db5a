//! In-memory stores: for tests, examples and single-process prototypes.
//! Everything is lost when the process ends.

mod limiter;
mod tokens;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{
    ApiToken, NewUser, OneTimeToken, RefreshFamily, StoreError, User, UserChanges, UserStore,
    email_key,
};

pub use limiter::MemoryRateLimiter;

/// Users, sessions and tokens in process memory. Cheap to clone (shared state).
#[derive(Debug, Clone, Default)]
pub struct MemoryStore(Arc<Mutex<State>>);

#[derive(Debug, Default)]
struct State {
    users: HashMap<String, User>,
    /// user id → the last TOTP step accepted
    totp_steps: HashMap<String, i64>,
    /// user id → digests of unspent recovery codes
    recovery_codes: HashMap<String, HashSet<String>>,
    families: HashMap<String, RefreshFamily>,
    /// token hash → (family id, used at)
    tokens: HashMap<String, (String, Option<OffsetDateTime>)>,
    api_tokens: HashMap<String, ApiToken>,
    one_time_tokens: HashMap<String, OneTimeToken>,
    /// (provider, subject) → user id
    identities: HashMap<(String, String), String>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn check_id(id: &str) -> Result<(), StoreError> {
    uuid::Uuid::try_parse(id)
        .map(|_| ())
        .map_err(|_| StoreError::InvalidId)
}

#[async_trait]
impl UserStore for MemoryStore {
    async fn create_user(&self, user: NewUser) -> Result<User, StoreError> {
        let mut state = self.state();
        let key = email_key(&user.email);
        if state.users.values().any(|u| email_key(&u.email) == key) {
            return Err(StoreError::Conflict);
        }
        let created = User {
            id: crate::token::new_id(),
            email: user.email.trim().to_owned(),
            name: user.name,
            role: user.role,
            is_active: user.is_active,
            email_verified: user.email_verified,
            password_hash: user.password_hash,
            totp_secret: None,
            totp_pending: None,
            created_at: user.created_at,
        };
        state.users.insert(created.id.clone(), created.clone());
        Ok(created)
    }

    async fn find_user(&self, id: &str) -> Result<Option<User>, StoreError> {
        check_id(id)?;
        Ok(self.state().users.get(id).cloned())
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        let key = email_key(email);
        Ok(self
            .state()
            .users
            .values()
            .find(|u| email_key(&u.email) == key)
            .cloned())
    }

    async fn update_user(&self, id: &str, changes: UserChanges) -> Result<User, StoreError> {
        check_id(id)?;
        let mut state = self.state();
        if let Some(email) = &changes.email {
            let key = email_key(email);
            if state
                .users
                .values()
                .any(|u| u.id != id && email_key(&u.email) == key)
            {
                return Err(StoreError::Conflict);
            }
        }
        let user = state.users.get_mut(id).ok_or(StoreError::NotFound)?;
        if let Some(email) = changes.email {
            user.email = email.trim().to_owned();
        }
        if let Some(verified) = changes.email_verified {
            user.email_verified = verified;
        }
        if let Some(name) = changes.name {
            user.name = name;
        }
        if let Some(hash) = changes.password_hash {
            user.password_hash = Some(hash);
        }
        if let Some(active) = changes.is_active {
            user.is_active = active;
        }
        if let Some(pending) = changes.totp_pending {
            user.totp_pending = pending;
        }
        let new_secret = changes.totp_secret.is_some();
        if let Some(secret) = changes.totp_secret {
            user.totp_secret = secret;
        }
        let user = user.clone();
        if new_secret {
            state.totp_steps.remove(id);
        }
        Ok(user)
    }

    async fn confirm_totp(&self, user_id: &str, pending: &str) -> Result<bool, StoreError> {
        let mut state = self.state();
        let Some(user) = state.users.get_mut(user_id) else {
            return Ok(false);
        };
        if user.totp_pending.as_deref() != Some(pending) {
            return Ok(false);
        }
        user.totp_secret = user.totp_pending.take();
        state.totp_steps.remove(user_id);
        Ok(true)
    }

    async fn record_totp_step(&self, user_id: &str, step: i64) -> Result<bool, StoreError> {
        let mut state = self.state();
        let last = state.totp_steps.get(user_id).copied();
        if last.is_some_and(|last| last >= step) {
            return Ok(false);
        }
        state.totp_steps.insert(user_id.to_owned(), step);
        Ok(true)
    }

    async fn replace_recovery_codes(
        &self,
        user_id: &str,
        code_hashes: &[String],
    ) -> Result<(), StoreError> {
        self.state()
            .recovery_codes
            .insert(user_id.to_owned(), code_hashes.iter().cloned().collect());
        Ok(())
    }

    async fn spend_recovery_code(
        &self,
        user_id: &str,
        code_hash: &str,
    ) -> Result<bool, StoreError> {
        Ok(self
            .state()
            .recovery_codes
            .get_mut(user_id)
            .is_some_and(|codes| codes.remove(code_hash)))
    }

    async fn find_user_by_identity(
        &self,
        provider: &str,
        subject: &str,
    ) -> Result<Option<User>, StoreError> {
        let state = self.state();
        let key = (provider.to_owned(), subject.to_owned());
        Ok(state
            .identities
            .get(&key)
            .and_then(|id| state.users.get(id))
            .cloned())
    }

    async fn link_identity(
        &self,
        user_id: &str,
        provider: &str,
        subject: &str,
    ) -> Result<(), StoreError> {
        check_id(user_id)?;
        let mut state = self.state();
        if !state.users.contains_key(user_id) {
            return Err(StoreError::NotFound);
        }
        let key = (provider.to_owned(), subject.to_owned());
        if state.identities.contains_key(&key) {
            return Err(StoreError::Conflict);
        }
        state.identities.insert(key, user_id.to_owned());
        Ok(())
    }
}
