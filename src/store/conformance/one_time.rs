//! The [`OneTimeTokenStore`] suite.

use std::time::Duration;

use futures_util::future::join_all;

use super::{Broken, Outcome, Report, UserIds, digest, ensure, ensure_eq, t0, wins};
use crate::store::{OneTimePurpose, OneTimeToken, OneTimeTokenStore, StoreError};

/// Runs every [`OneTimeTokenStore`] promise against `store`, with tokens of
/// users whose ids come from `users`.
pub async fn one_time_token_store<S: OneTimeTokenStore>(store: &S, users: &impl UserIds) -> Report {
    let mut report = Report::new("one_time_token_store");
    report
        .case("a_token_is_found_as_stored", create(store, users))
        .await;
    report
        .case("a_digest_is_stored_once", duplicate(store, users))
        .await;
    report
        .case("failures_are_counted_and_kept", failures(store, users))
        .await;
    report
        .case(
            "of_concurrent_consumers_exactly_one_succeeds",
            consume(store, users),
        )
        .await;
    report
        .case(
            "revoking_a_users_tokens_spares_other_users",
            revoke(store, users),
        )
        .await;
    report
        .case("purging_deletes_expired_tokens_only", purge(store, users))
        .await;
    report
}

async fn token(users: &impl UserIds, ttl: Duration) -> Result<OneTimeToken, Broken> {
    Ok(OneTimeToken {
        token_hash: digest(),
        purpose: OneTimePurpose::MfaChallenge,
        user_id: users.user_id().await?,
        data: "{\"remember\":true}".into(),
        failures: 0,
        created_at: t0(),
        expires_at: t0() + ttl,
    })
}

const FIVE_MINUTES: Duration = Duration::from_secs(300);

async fn create<S: OneTimeTokenStore>(store: &S, users: &impl UserIds) -> Outcome {
    let token = token(users, FIVE_MINUTES).await?;
    store.create_one_time_token(&token).await?;
    ensure_eq!(
        store.find_one_time_token(&token.token_hash).await?,
        Some(token),
        "the token by its digest"
    );
    ensure_eq!(
        store.find_one_time_token(&digest()).await?,
        None,
        "an unknown digest finds nothing"
    );
    Ok(())
}

async fn duplicate<S: OneTimeTokenStore>(store: &S, users: &impl UserIds) -> Outcome {
    let token = token(users, FIVE_MINUTES).await?;
    store.create_one_time_token(&token).await?;
    ensure!(
        matches!(
            store.create_one_time_token(&token).await,
            Err(StoreError::Conflict)
        ),
        "the same digest again is a conflict"
    );
    Ok(())
}

async fn failures<S: OneTimeTokenStore>(store: &S, users: &impl UserIds) -> Outcome {
    let token = token(users, FIVE_MINUTES).await?;
    store.create_one_time_token(&token).await?;
    let hash = &token.token_hash;
    ensure_eq!(store.count_one_time_token_failure(hash).await?, 1, "first");
    let counts = join_all((0..4).map(|_| store.count_one_time_token_failure(hash))).await;
    ensure!(
        counts.iter().all(Result::is_ok),
        "concurrent counts succeed"
    );
    let found = store.find_one_time_token(hash).await?.unwrap();
    ensure_eq!(found.failures, 5, "every concurrent failure is counted");
    ensure_eq!(
        store.count_one_time_token_failure(&digest()).await?,
        0,
        "an unknown token counts 0"
    );
    Ok(())
}

async fn consume<S: OneTimeTokenStore>(store: &S, users: &impl UserIds) -> Outcome {
    let token = token(users, FIVE_MINUTES).await?;
    store.create_one_time_token(&token).await?;
    let consumers = join_all((0..8).map(|_| store.consume_one_time_token(&token.token_hash))).await;
    ensure_eq!(wins(consumers)?, 1, "consumers that succeeded");
    ensure_eq!(
        store.find_one_time_token(&token.token_hash).await?,
        None,
        "a consumed token is gone"
    );
    ensure_eq!(
        store
            .count_one_time_token_failure(&token.token_hash)
            .await?,
        0,
        "and counts nothing"
    );
    Ok(())
}

async fn revoke<S: OneTimeTokenStore>(store: &S, users: &impl UserIds) -> Outcome {
    let mine = token(users, FIVE_MINUTES).await?;
    let also_mine = OneTimeToken {
        token_hash: digest(),
        purpose: OneTimePurpose::PasswordReset,
        ..mine.clone()
    };
    let theirs = token(users, FIVE_MINUTES).await?;
    for t in [&mine, &also_mine, &theirs] {
        store.create_one_time_token(t).await?;
    }
    ensure_eq!(
        store.revoke_one_time_tokens(&mine.user_id).await?,
        2,
        "both of the user's tokens"
    );
    ensure_eq!(
        store.find_one_time_token(&mine.token_hash).await?,
        None,
        "gone"
    );
    ensure!(
        store
            .find_one_time_token(&theirs.token_hash)
            .await?
            .is_some(),
        "only that user's tokens go"
    );
    Ok(())
}

async fn purge<S: OneTimeTokenStore>(store: &S, users: &impl UserIds) -> Outcome {
    let hour = Duration::from_secs(3600);
    let stale = token(users, hour).await?;
    let fresh = token(users, 48 * hour).await?;
    store.create_one_time_token(&stale).await?;
    store.create_one_time_token(&fresh).await?;
    let purged = store.purge_expired_one_time_tokens(t0() + 2 * hour).await?;
    ensure!(purged >= 1, "at least the stale token went: {purged}");
    ensure_eq!(
        store.find_one_time_token(&stale.token_hash).await?,
        None,
        "expired tokens go"
    );
    ensure!(
        store
            .find_one_time_token(&fresh.token_hash)
            .await?
            .is_some(),
        "live ones stay"
    );
    Ok(())
}
