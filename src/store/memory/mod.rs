//! In-memory stores: for tests, examples and single-process prototypes.
//! Everything is lost when the process ends. One file per seam, mirroring
//! `src/store/`.

mod api_tokens;
mod directory;
mod identities;
mod limiter;
mod one_time;
mod passkeys;
mod second_factors;
mod sessions;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{
    ApiToken, NewUser, OneTimeToken, RefreshFamily, StoreError, StoredPasskey, TotpState, User,
    UserChanges, UserStore, email_key, new_id,
};

pub use limiter::MemoryRateLimiter;

/// Every seam in process memory. Cheap to clone (shared state).
#[derive(Debug, Clone, Default)]
pub struct MemoryStore(Arc<Mutex<State>>);

#[derive(Debug, Default)]
struct State {
    users: HashMap<String, User>,
    /// user id → TOTP secrets
    totp: HashMap<String, TotpState>,
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
    /// credential id → passkey
    passkeys: HashMap<String, StoredPasskey>,
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

/// The users of this store have UUIDs; anything else is no id of theirs.
fn check_id(id: &str) -> Result<(), StoreError> {
    uuid::Uuid::try_parse(id)
        .map(|_| ())
        .map_err(|_| StoreError::InvalidId)
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
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
            id: new_id(),
            email: user.email.trim().to_owned(),
            name: user.name,
            role: user.role,
            is_active: user.is_active,
            email_verified: user.email_verified,
            password_hash: user.password_hash,
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
        if let Some(role) = changes.role {
            user.role = role;
        }
        Ok(user.clone())
    }
}
