//! Access tokens already verified, by the whole token: a request that
//! presents a token seen before skips the signature check (an Ed25519
//! verification is ~50 µs, a lookup well under one).
//!
//! Safe because a token's verdict never changes while its key set stands:
//! the key set is fixed for the life of the service, an entry is dropped
//! once its token has expired (checked against the service clock at every
//! hit), and what can end a token early — a revoked session, a deactivated
//! user under strict sessions — is judged after this cache, at every
//! request. Only successes are kept, so forged tokens are verified each
//! time and cannot fill it. The cache is bounded (S3-FIFO eviction, by
//! `quick_cache`), so memory is too.

use foldhash::fast::RandomState;
use quick_cache::UnitWeighter;
use quick_cache::sync::{Cache, DefaultLifecycle};
use time::OffsetDateTime;

use crate::identity::Identity;

/// A bounded map from tokens to the identities they verified as.
pub(crate) struct VerifiedTokens {
    /// Hashed with foldhash (randomly seeded), several times faster than
    /// SipHash on a token's few hundred bytes; only verified tokens get in.
    entries: Cache<Box<str>, Identity, UnitWeighter, RandomState>,
}

impl VerifiedTokens {
    /// Room for `capacity` tokens.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            entries: Cache::with(
                capacity,
                capacity as u64,
                UnitWeighter,
                RandomState::default(),
                DefaultLifecycle::default(),
            ),
        }
    }

    /// The identity `token` verified as, while it has not expired at `now`.
    pub(crate) fn get(&self, token: &str, now: OffsetDateTime) -> Option<Identity> {
        let identity = self.entries.get(token)?;
        if identity.expires_at <= now {
            self.entries.remove(token);
            return None;
        }
        Some(identity)
    }

    /// Remembers what `token` verified as.
    pub(crate) fn insert(&self, token: &str, identity: &Identity) {
        self.entries.insert(token.into(), identity.clone());
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use time::Duration;

    use super::*;

    fn identity(expires_at: OffsetDateTime) -> Identity {
        Identity {
            user_id: "u1".into(),
            role: "user".into(),
            session_id: Some("s1".into()),
            amr: vec!["pwd".into()],
            actor: None,
            expires_at,
            claims: serde_json::Map::new(),
            auth_time: None,
            api_token: None,
            app_token: None,
        }
    }

    #[test]
    fn an_entry_ends_with_its_token() {
        let now = OffsetDateTime::now_utc();
        let cache = VerifiedTokens::new(8);
        cache.insert("a.b.c", &identity(now + Duration::seconds(60)));
        assert_eq!(cache.get("a.b.c", now).unwrap().user_id, "u1");
        assert!(
            cache.get("a.b.d", now).is_none(),
            "the whole token is the key"
        );
        assert!(cache.get("a.b.c", now + Duration::seconds(60)).is_none());
        assert!(
            cache.get("a.b.c", now).is_none(),
            "an expired entry is dropped, not kept for a clock that goes back"
        );
    }

    #[test]
    fn it_holds_no_more_than_its_capacity() {
        let now = OffsetDateTime::now_utc();
        let cache = VerifiedTokens::new(16);
        for i in 0..1000 {
            cache.insert(
                &format!("token-{i}"),
                &identity(now + Duration::seconds(60)),
            );
        }
        let kept = (0..1000)
            .filter(|i| cache.get(&format!("token-{i}"), now).is_some())
            .count();
        assert!((1..=16).contains(&kept), "{kept} kept");
    }
}
