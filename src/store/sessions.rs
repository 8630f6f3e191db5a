use async_trait::async_trait;
use time::OffsetDateTime;

use super::{StoreError, User};

/// A session: the chain of refresh tokens that rotate out of one sign-in
/// (RFC 9700 §4.14 calls it a token family).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshFamily {
    /// Opaque id; also the `sid` claim of the session's access tokens.
    pub id: String,
    /// The user signed in.
    pub user_id: String,
    /// How the user signed in (`amr` values), carried into every refreshed access token.
    pub amr: Vec<String>,
    /// Whether the user asked to be remembered (the longer lifetime).
    pub remember: bool,
    /// When the user signed in.
    pub created_at: OffsetDateTime,
    /// When the session ends, however often it is refreshed.
    pub expires_at: OffsetDateTime,
    /// When the session was revoked (logout, reuse, password change).
    pub revoked_at: Option<OffsetDateTime>,
    /// When it was last refreshed (at first: when the user signed in);
    /// an idle session ends.
    pub last_used_at: OffsetDateTime,
    /// The client it began on, for people to tell their sessions apart
    /// ("Firefox on Linux, 203.0.113.9"); never used for decisions.
    pub client: Option<String>,
}

/// One refresh token of a family, found by the hash of its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    /// SHA-256 of the secret (hex); the secret itself is never stored.
    pub token_hash: String,
    /// The family it belongs to.
    pub family: RefreshFamily,
    /// When it was exchanged for its successor; a used token presented again is reuse.
    pub used_at: Option<OffsetDateTime>,
}

/// The user of a rotated session, as a store that keeps the user accounts
/// beside the sessions read it in the same step (see
/// [`SessionStore::rotate_live_refresh_token_with_user`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionUser {
    /// The store did not read it: the service asks its [`UserStore`](super::UserStore).
    NotRead,
    /// The user, as [`find_user`](super::UserStore::find_user) would
    /// return it now; an inactive one ends the session.
    Found(User),
    /// No such user: `find_user` would return `None`. The session ends.
    Missing,
}

/// Where sessions and their refresh tokens live.
///
/// Only hashes of token secrets pass through this trait. The one operation
/// that must be atomic is [`rotate_refresh_token`](SessionStore::rotate_refresh_token):
/// of two concurrent calls for one token, exactly one may return `true`.
#[async_trait]
pub trait SessionStore: Send + Sync + 'static {
    /// Stores a new family with its first token, both or neither.
    async fn create_family(
        &self,
        family: &RefreshFamily,
        token_hash: &str,
    ) -> Result<(), StoreError>;

    /// The token with this hash, with its family.
    async fn find_refresh_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<RefreshToken>, StoreError>;

    /// Marks `spent_hash` used at `now`, adds `next_hash` to the same
    /// family and records `now` as the family's last use, atomically and
    /// only if the token was unused and its family not revoked; returns
    /// whether this call did it.
    async fn rotate_refresh_token(
        &self,
        spent_hash: &str,
        next_hash: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// A refresh's write in one step, for the common case: spends
    /// `spent_hash` and adds `next_hash` to its family, as
    /// [`rotate_refresh_token`](Self::rotate_refresh_token) does, only if
    /// moreover the family has not expired at `now` and (with `idle_since`)
    /// was last used after `idle_since`. Returns the family (its
    /// `last_used_at` as found or as now marked, either will do); `None`
    /// when any condition fails, having written nothing (the service then
    /// reads the token to tell why). Atomic like `rotate_refresh_token`.
    ///
    /// The default finds the token, then rotates it (two calls); SQL stores
    /// do it in one statement or transaction.
    async fn rotate_live_refresh_token(
        &self,
        spent_hash: &str,
        next_hash: &str,
        now: OffsetDateTime,
        idle_since: Option<OffsetDateTime>,
    ) -> Result<Option<RefreshFamily>, StoreError> {
        let Some(token) = self.find_refresh_token(spent_hash).await? else {
            return Ok(None);
        };
        let family = token.family;
        let live = family.revoked_at.is_none()
            && token.used_at.is_none()
            && family.expires_at > now
            && idle_since.is_none_or(|since| family.last_used_at > since);
        if live
            && self
                .rotate_refresh_token(spent_hash, next_hash, now)
                .await?
        {
            Ok(Some(family))
        } else {
            Ok(None)
        }
    }

    /// [`rotate_live_refresh_token`](Self::rotate_live_refresh_token), and
    /// the family's user read in the same step (one call for a refresh
    /// instead of two), for a store that keeps the user accounts too. The
    /// service calls it only when this store is also its
    /// [`UserStore`](super::UserStore) (both seams set by one
    /// [`AuthBuilder::store`](crate::AuthBuilder::store)), and trusts a
    /// [`SessionUser::Found`] user as it would one from
    /// [`find_user`](super::UserStore::find_user) (once its id matches the
    /// family's). So a wrapper store that forwards this method to an inner
    /// store must also forward `UserStore` to it: forwarded on its own, the
    /// inner store's users would answer for the wrapper's.
    ///
    /// The default rotates and reads no user ([`SessionUser::NotRead`]).
    async fn rotate_live_refresh_token_with_user(
        &self,
        spent_hash: &str,
        next_hash: &str,
        now: OffsetDateTime,
        idle_since: Option<OffsetDateTime>,
    ) -> Result<Option<(RefreshFamily, SessionUser)>, StoreError> {
        let rotated = self
            .rotate_live_refresh_token(spent_hash, next_hash, now, idle_since)
            .await?;
        Ok(rotated.map(|family| (family, SessionUser::NotRead)))
    }

    /// Revokes one family (all its tokens stop working); a second
    /// revocation keeps the first time.
    async fn revoke_family(&self, family_id: &str, now: OffsetDateTime) -> Result<(), StoreError>;

    /// Revokes every family of a user except `keep`; returns the ids of
    /// those it revoked (the ones not revoked before).
    async fn revoke_user_families(
        &self,
        user_id: &str,
        keep: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Vec<String>, StoreError>;

    /// The ids of the families revoked at or after `since` (and not yet
    /// purged): what an instance with strict sessions loads when it starts
    /// or has lost its revocation channel.
    async fn revoked_since(&self, since: OffsetDateTime) -> Result<Vec<String>, StoreError>;

    /// The user's families that are neither revoked nor expired at `now`, oldest first.
    async fn list_families(
        &self,
        user_id: &str,
        now: OffsetDateTime,
    ) -> Result<Vec<RefreshFamily>, StoreError>;

    /// Deletes the sessions that ended before `now`, with their refresh
    /// tokens; returns how many records went.
    async fn purge_expired_sessions(&self, now: OffsetDateTime) -> Result<u64, StoreError>;
}
