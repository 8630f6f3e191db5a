//! The [`SessionStore`] suite.

use std::time::Duration;

use futures_util::future::join_all;
use time::OffsetDateTime;

use super::{Broken, Outcome, Report, UserIds, digest, ensure, ensure_eq, t0, wins};
use crate::store::{RefreshFamily, SessionStore, new_id};

mod beside_users;
mod one_step;

pub use beside_users::sessions_beside_users;
use one_step::OneStep;

const DAY: Duration = Duration::from_secs(86_400);

/// Runs every [`SessionStore`] promise against `store`, with sessions of
/// users whose ids come from `users`.
pub async fn session_store<S: SessionStore>(store: &S, users: &impl UserIds) -> Report {
    let mut report = Report::new("session_store");
    report
        .case("a_family_is_found_by_its_first_token", create(store, users))
        .await;
    report
        .case("a_token_rotates_once_and_only_once", rotate(store, users))
        .await;
    report
        .case(
            "of_concurrent_rotations_exactly_one_wins",
            concurrent(store, users),
        )
        .await;
    // Each one-step rotation, plain and reading the user, by the same cases.
    let ways = [
        (
            OneStep::Plain,
            "a_live_token_rotates_in_one_step_and_brings_its_family",
            "one_step_rotation_refuses_spent_revoked_expired_and_idle_sessions",
            "of_concurrent_one_step_rotations_exactly_one_wins",
        ),
        (
            OneStep::ReadingUser,
            "a_one_step_rotation_reads_its_user_or_leaves_it_to_the_user_store",
            "one_step_rotation_reading_the_user_refuses_spent_revoked_expired_and_idle_sessions",
            "of_concurrent_one_step_rotations_reading_the_user_exactly_one_wins",
        ),
    ];
    for (how, rotates, refusals, concurrent) in ways {
        (report.case(rotates, one_step::rotates(store, users, how))).await;
        (report.case(refusals, one_step::refusals(store, users, how))).await;
        (report.case(concurrent, one_step::concurrent(store, users, how))).await;
    }
    report
        .case(
            "revocation_stops_rotation_and_keeps_its_first_time",
            revoke(store, users),
        )
        .await;
    report
        .case(
            "listing_shows_live_families_oldest_first",
            listing(store, users),
        )
        .await;
    report
        .case(
            "revoking_a_users_families_spares_the_kept_one_and_other_users",
            revoke_user(store, users),
        )
        .await;
    report
        .case(
            "revoked_since_lists_the_families_revoked_from_then",
            revoked_since(store, users),
        )
        .await;
    report
        .case("purging_deletes_ended_sessions_only", purging(store, users))
        .await;
    report
}

fn family(user_id: &str, created: OffsetDateTime, ttl: Duration) -> RefreshFamily {
    RefreshFamily {
        id: new_id(),
        user_id: user_id.to_owned(),
        amr: vec!["pwd".into(), "otp".into()],
        remember: true,
        created_at: created,
        expires_at: created + ttl,
        revoked_at: None,
        last_used_at: created,
        client: Some("Firefox on Linux, 192.0.2.1".into()),
    }
}

/// A new family of a new user, with its first token's digest.
async fn started<S: SessionStore>(
    store: &S,
    users: &impl UserIds,
) -> Result<(RefreshFamily, String), Broken> {
    let first = family(&users.user_id().await?, t0(), DAY);
    let secret = digest();
    store.create_family(&first, &secret).await?;
    Ok((first, secret))
}

async fn create<S: SessionStore>(store: &S, users: &impl UserIds) -> Outcome {
    let (first, secret) = started(store, users).await?;
    let found = store.find_refresh_token(&secret).await?;
    ensure!(found.is_some(), "the first token is found");
    let found = found.unwrap();
    ensure_eq!(found.family, first, "with its family, as stored");
    ensure_eq!(found.used_at, None, "unused");
    ensure_eq!(found.token_hash, secret, "by its digest");
    ensure_eq!(
        store.find_refresh_token(&digest()).await?,
        None,
        "an unknown digest finds nothing"
    );
    Ok(())
}

async fn rotate<S: SessionStore>(store: &S, users: &impl UserIds) -> Outcome {
    let (first, secret) = started(store, users).await?;
    let later = t0() + Duration::from_secs(60);
    let next = digest();
    ensure!(
        store.rotate_refresh_token(&secret, &next, later).await?,
        "an unused token rotates"
    );
    let spent = store.find_refresh_token(&secret).await?.unwrap();
    ensure_eq!(spent.used_at, Some(later), "the spent token records when");
    let successor = store.find_refresh_token(&next).await?.unwrap();
    ensure_eq!(
        successor.family.id,
        first.id,
        "the successor joins the family"
    );
    ensure_eq!(successor.used_at, None, "the successor is unused");
    ensure_eq!(
        successor.family.last_used_at,
        later,
        "the family records its last use"
    );
    ensure_eq!(
        successor.family.client,
        first.client,
        "the client it began on is kept"
    );
    let again = digest();
    ensure!(
        !store.rotate_refresh_token(&secret, &again, later).await?,
        "a spent token does not rotate again"
    );
    ensure_eq!(
        store.find_refresh_token(&again).await?,
        None,
        "a refused rotation adds nothing"
    );
    Ok(())
}

async fn concurrent<S: SessionStore>(store: &S, users: &impl UserIds) -> Outcome {
    let (_, secret) = started(store, users).await?;
    let later = t0() + Duration::from_secs(60);
    let contenders: Vec<String> = (0..8).map(|_| digest()).collect();
    let outcomes = join_all(
        contenders
            .iter()
            .map(|candidate| store.rotate_refresh_token(&secret, candidate, later)),
    )
    .await;
    ensure_eq!(wins(outcomes)?, 1, "concurrent rotations that won");
    Ok(())
}

async fn revoke<S: SessionStore>(store: &S, users: &impl UserIds) -> Outcome {
    let (first, secret) = started(store, users).await?;
    let later = t0() + Duration::from_secs(60);
    let next = digest();
    store.rotate_refresh_token(&secret, &next, later).await?;
    store.revoke_family(&first.id, later).await?;
    let revoked = store.find_refresh_token(&secret).await?.unwrap();
    ensure_eq!(revoked.family.revoked_at, Some(later), "revoked at");
    store.revoke_family(&first.id, later + DAY).await?;
    let still = store.find_refresh_token(&next).await?.unwrap();
    ensure_eq!(
        still.family.revoked_at,
        Some(later),
        "revoking twice keeps the first time"
    );
    ensure!(
        !store.rotate_refresh_token(&next, &digest(), later).await?,
        "no token of a revoked family rotates"
    );
    Ok(())
}

async fn listing<S: SessionStore>(store: &S, users: &impl UserIds) -> Outcome {
    let user = users.user_id().await?;
    let later = t0() + Duration::from_secs(60);
    let a = family(&user, t0() + Duration::from_secs(1), DAY);
    let b = family(&user, t0() + Duration::from_secs(2), DAY);
    let revoked = family(&user, t0() + Duration::from_secs(3), DAY);
    let short = family(
        &user,
        t0() + Duration::from_secs(4),
        Duration::from_secs(10),
    );
    let strangers = family(&users.user_id().await?, t0(), DAY);
    for f in [&b, &a, &revoked, &short, &strangers] {
        store.create_family(f, &digest()).await?;
    }
    store.revoke_family(&revoked.id, later).await?;
    let listed = store.list_families(&user, later).await?;
    ensure_eq!(
        listed.iter().map(|f| &f.id).collect::<Vec<_>>(),
        vec![&a.id, &b.id],
        "live families, oldest first; revoked, expired and others' left out"
    );
    ensure_eq!(listed[0], a, "families come back as stored");
    Ok(())
}

async fn revoke_user<S: SessionStore>(store: &S, users: &impl UserIds) -> Outcome {
    let user = users.user_id().await?;
    let later = t0() + Duration::from_secs(60);
    let a = family(&user, t0(), DAY);
    let b = family(&user, t0() + Duration::from_secs(1), DAY);
    let expired = family(&user, t0(), Duration::from_secs(10));
    let strangers = family(&users.user_id().await?, t0(), DAY);
    for f in [&a, &b, &expired, &strangers] {
        store.create_family(f, &digest()).await?;
    }
    let mut revoked = store
        .revoke_user_families(&user, Some(&b.id), later)
        .await?;
    revoked.sort();
    let mut expected = vec![a.id.clone(), expired.id.clone()];
    expected.sort();
    ensure_eq!(
        revoked,
        expected,
        "every unrevoked family but the kept one (expired ones too), by id"
    );
    let listed = store.list_families(&user, later).await?;
    ensure_eq!(
        listed.iter().map(|f| &f.id).collect::<Vec<_>>(),
        vec![&b.id],
        "the kept family lives on"
    );
    ensure_eq!(
        store.revoke_user_families(&user, None, later).await?,
        vec![b.id.clone()],
        "without a kept one, the rest"
    );
    ensure!(
        store.list_families(&user, later).await?.is_empty(),
        "none left"
    );
    ensure_eq!(
        store.list_families(&strangers.user_id, later).await?.len(),
        1,
        "another user's session is untouched"
    );
    Ok(())
}

async fn revoked_since<S: SessionStore>(store: &S, users: &impl UserIds) -> Outcome {
    let minute = Duration::from_secs(60);
    let (earlier, _) = started(store, users).await?;
    let (later, _) = started(store, users).await?;
    let (open, _) = started(store, users).await?;
    store.revoke_family(&earlier.id, t0() + minute).await?;
    store.revoke_family(&later.id, t0() + 10 * minute).await?;
    let listed = store.revoked_since(t0() + 5 * minute).await?;
    ensure!(
        listed.contains(&later.id),
        "a family revoked since is listed"
    );
    ensure!(
        !listed.contains(&earlier.id),
        "a family revoked before is not"
    );
    ensure!(!listed.contains(&open.id), "an open family is not");
    ensure!(
        store
            .revoked_since(t0() + 10 * minute)
            .await?
            .contains(&later.id),
        "the moment of revocation counts as since"
    );
    Ok(())
}

async fn purging<S: SessionStore>(store: &S, users: &impl UserIds) -> Outcome {
    let user = users.user_id().await?;
    let hour = Duration::from_secs(3600);
    let old = family(&user, t0(), hour);
    let live = family(&user, t0(), 48 * hour);
    let (old_secret, live_secret) = (digest(), digest());
    store.create_family(&old, &old_secret).await?;
    store.create_family(&live, &live_secret).await?;
    let purged = store.purge_expired_sessions(t0() + 2 * hour).await?;
    ensure!(
        purged >= 2,
        "at least the old session and its token went: {purged}"
    );
    ensure_eq!(
        store.find_refresh_token(&old_secret).await?,
        None,
        "ended sessions go"
    );
    ensure!(
        store.find_refresh_token(&live_secret).await?.is_some(),
        "live ones stay"
    );
    Ok(())
}
