//! [`SessionStore::rotate_live_refresh_token`] and its variant that reads
//! the user: a refresh's write in one step.

use std::time::Duration;

use futures_util::future::join_all;
use time::OffsetDateTime;

use super::started;
use crate::store::conformance::{Broken, Outcome, UserIds, digest, ensure, ensure_eq, t0, wins};
use crate::store::{RefreshFamily, SessionStore, SessionUser, StoreError};

pub(super) async fn rotates<S: SessionStore>(
    store: &S,
    users: &impl UserIds,
    how: OneStep,
) -> Outcome {
    let (first, secret) = started(store, users).await?;
    let later = t0() + Duration::from_secs(60);
    let next = digest();
    let since = Some(t0() - Duration::from_secs(1));
    let rotated = how.rotate(store, (&secret, &next), later, since).await?;
    let (family, read) = rotated.unzip();
    ensure_eq!(
        family.map(|f| (f.id, f.user_id, f.amr, f.expires_at)),
        Some((
            first.id.clone(),
            first.user_id.clone(),
            first.amr,
            first.expires_at
        )),
        "a live token rotates and brings its family"
    );
    // `Missing` may be true: the ids may come from another user store.
    if let Some(SessionUser::Found(user)) = read {
        ensure_eq!(
            user.id,
            first.user_id,
            "a user read in the rotation is the family's own"
        );
    }
    let spent = store.find_refresh_token(&secret).await?.unwrap();
    ensure_eq!(spent.used_at, Some(later), "the token is spent");
    let successor = store.find_refresh_token(&next).await?;
    ensure_eq!(
        successor.map(|t| (t.family.id, t.family.last_used_at, t.used_at)),
        Some((first.id, later, None)),
        "its unused successor joins the family, marked used now"
    );
    let again = digest();
    ensure!(
        !how.rotates(store, (&secret, &again), later, None).await?,
        "a spent token does not rotate again"
    );
    ensure_eq!(
        store.find_refresh_token(&again).await?,
        None,
        "a refused rotation adds nothing"
    );
    Ok(())
}

/// Which of the two one-step rotations a case calls.
#[derive(Clone, Copy)]
pub(super) enum OneStep {
    Plain,
    ReadingUser,
}

impl OneStep {
    /// Rotates `secret` into `next` this way: the family when it did, and
    /// the user as read ([`SessionUser::NotRead`] by the plain way).
    async fn rotate<S: SessionStore>(
        self,
        store: &S,
        (secret, next): (&str, &str),
        now: OffsetDateTime,
        since: Option<OffsetDateTime>,
    ) -> Result<Option<(RefreshFamily, SessionUser)>, StoreError> {
        match self {
            Self::Plain => Ok((store.rotate_live_refresh_token(secret, next, now, since))
                .await?
                .map(|family| (family, SessionUser::NotRead))),
            Self::ReadingUser => {
                (store.rotate_live_refresh_token_with_user(secret, next, now, since)).await
            }
        }
    }

    /// Whether it rotated `secret` into `next` this way.
    async fn rotates<S: SessionStore>(
        self,
        store: &S,
        secret_and_next: (&str, &str),
        now: OffsetDateTime,
        since: Option<OffsetDateTime>,
    ) -> Result<bool, StoreError> {
        let rotated = self.rotate(store, secret_and_next, now, since).await?;
        Ok(rotated.is_some())
    }
}

pub(super) async fn refusals<S: SessionStore>(
    store: &S,
    users: &impl UserIds,
    how: OneStep,
) -> Outcome {
    let (first, secret) = started(store, users).await?;
    let refused = |now: OffsetDateTime, since: Option<OffsetDateTime>| {
        let (secret, next) = (secret.clone(), digest());
        async move {
            let rotated = how.rotates(store, (&secret, &next), now, since).await?;
            let added = store.find_refresh_token(&next).await?;
            Ok::<_, Broken>(!rotated && added.is_none())
        }
    };
    ensure!(
        refused(first.expires_at, None).await?,
        "an expired session does not rotate"
    );
    ensure!(
        refused(t0() + Duration::from_secs(60), Some(first.last_used_at)).await?,
        "a session idle since the cut-off does not rotate"
    );
    ensure_eq!(
        store.find_refresh_token(&secret).await?.unwrap().used_at,
        None,
        "refusals leave the token unspent"
    );
    store.revoke_family(&first.id, t0()).await?;
    ensure!(
        refused(t0() + Duration::from_secs(60), None).await?,
        "a revoked session does not rotate"
    );
    Ok(())
}

pub(super) async fn concurrent<S: SessionStore>(
    store: &S,
    users: &impl UserIds,
    how: OneStep,
) -> Outcome {
    let (_, secret) = started(store, users).await?;
    let later = t0() + Duration::from_secs(60);
    let contenders: Vec<String> = (0..8).map(|_| digest()).collect();
    let outcomes = join_all(
        contenders
            .iter()
            .map(|candidate| how.rotates(store, (&secret, candidate), later, None)),
    )
    .await;
    ensure_eq!(wins(outcomes)?, 1, "concurrent one-step rotations that won");
    Ok(())
}
