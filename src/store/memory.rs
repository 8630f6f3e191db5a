//! In-memory stores: for tests, examples and single-process prototypes.
//! Everything is lost when the process ends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{
    ApiToken, ApiTokenKind, Decision, NewUser, RateLimiter, RefreshFamily, RefreshToken,
    StoreError, TokenStore, User, UserChanges, UserStore, Window, email_key,
};

/// Users, sessions and tokens in process memory. Cheap to clone (shared state).
#[derive(Debug, Clone, Default)]
pub struct MemoryStore(Arc<Mutex<State>>);

#[derive(Debug, Default)]
struct State {
    users: HashMap<String, User>,
    families: HashMap<String, RefreshFamily>,
    /// token hash → (family id, used at)
    tokens: HashMap<String, (String, Option<OffsetDateTime>)>,
    api_tokens: HashMap<String, ApiToken>,
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
        let user = state.users.get_mut(id).ok_or(StoreError::NotFound)?;
        if let Some(name) = changes.name {
            user.name = name;
        }
        if let Some(hash) = changes.password_hash {
            user.password_hash = Some(hash);
        }
        if let Some(active) = changes.is_active {
            user.is_active = active;
        }
        Ok(user.clone())
    }
}

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
}

/// Rate-limit counters in process memory: right for one process; several
/// processes behind a load balancer need a shared limiter (Redis).
#[derive(Debug, Clone, Default)]
pub struct MemoryRateLimiter(Arc<Mutex<Counters>>);

#[derive(Debug, Default)]
struct Counters {
    keys: HashMap<String, Counter>,
    /// Size at which expired keys are next swept out (amortised: the sweep
    /// runs again only once the map has doubled).
    next_sweep: usize,
}

#[derive(Debug, Clone, Copy)]
struct Counter {
    hits: u32,
    expires_at: OffsetDateTime,
}

/// Fewest keys before expired ones are swept.
const SWEEP_FLOOR: usize = 10_000;

impl MemoryRateLimiter {
    /// An empty limiter.
    pub fn new() -> Self {
        Self::default()
    }

    fn counters(&self) -> MutexGuard<'_, Counters> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn live(counter: Option<&Counter>, now: OffsetDateTime) -> Option<Counter> {
    counter.filter(|c| c.expires_at > now).copied()
}

/// The decision for `hits` counted against `limit`.
fn decide(counter: Option<Counter>, hits: u32, limit: u32, now: OffsetDateTime) -> Decision {
    match counter {
        Some(c) if hits > limit => Decision::Limited {
            retry_after: Duration::try_from(c.expires_at - now).unwrap_or_default(),
        },
        _ => Decision::Allowed {
            remaining: limit.saturating_sub(hits),
        },
    }
}

#[async_trait]
impl RateLimiter for MemoryRateLimiter {
    async fn hit(
        &self,
        key: &str,
        limit: u32,
        window: Window,
        now: OffsetDateTime,
    ) -> Result<Decision, StoreError> {
        let mut counters = self.counters();
        if counters.keys.len() >= counters.next_sweep.max(SWEEP_FLOOR) {
            counters.keys.retain(|_, c| c.expires_at > now);
            counters.next_sweep = counters.keys.len() * 2;
        }
        let previous = live(counters.keys.get(key), now);
        let hits = previous.map_or(0, |c| c.hits).saturating_add(1);
        let expires_at = match (window, previous) {
            (Window::Fixed(span), _) if hits == limit => now + span,
            (Window::Fixed(_), Some(c)) => c.expires_at,
            (Window::Fixed(span), None) | (Window::Sliding(span), _) => now + span,
        };
        let counter = Counter { hits, expires_at };
        counters.keys.insert(key.to_owned(), counter);
        Ok(decide(Some(counter), hits, limit, now))
    }

    async fn peek(
        &self,
        key: &str,
        limit: u32,
        now: OffsetDateTime,
    ) -> Result<Decision, StoreError> {
        let counter = live(self.counters().keys.get(key), now);
        Ok(decide(
            counter,
            counter.map_or(0, |c| c.hits) + 1,
            limit,
            now,
        ))
    }

    async fn forgive(&self, key: &str) -> Result<(), StoreError> {
        if let Some(counter) = self.counters().keys.get_mut(key) {
            counter.hits = counter.hits.saturating_sub(1);
        }
        Ok(())
    }

    async fn reset(&self, key: &str) -> Result<(), StoreError> {
        self.counters().keys.remove(key);
        Ok(())
    }
}
