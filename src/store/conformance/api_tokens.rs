//! The [`ApiTokenStore`] suite.

use std::time::Duration;

use time::OffsetDateTime;

use super::{Outcome, Report, UserIds, digest, ensure, ensure_eq, t0};
use crate::store::{ApiToken, ApiTokenKind, ApiTokenStore, StoreError};
use crate::token::opaque;

/// Runs every [`ApiTokenStore`] promise against `store`, with tokens of
/// users whose ids come from `users`.
pub async fn api_token_store<S: ApiTokenStore>(store: &S, users: &impl UserIds) -> Report {
    let mut report = Report::new("api_token_store");
    report
        .case("tokens_are_found_as_stored", create(store, users))
        .await;
    report
        .case("a_digest_is_stored_once", duplicate(store, users))
        .await;
    report
        .case(
            "listing_filters_by_maker_and_kind_oldest_first",
            listing(store, users),
        )
        .await;
    report
        .case("expiry_can_be_set_in_the_past", expiry(store, users))
        .await;
    report
        .case("a_token_is_deleted_once", delete(store, users))
        .await;
    report
        .case(
            "ending_a_users_tokens_ends_user_and_acting_tokens_not_app_tokens",
            end_user_tokens(store, users),
        )
        .await;
    report
        .case("purging_deletes_expired_tokens_only", purge(store, users))
        .await;
    report
}

fn api_token(
    kind: ApiTokenKind,
    user_id: &str,
    owner_id: &str,
    created: OffsetDateTime,
) -> ApiToken {
    let secret = opaque::generate();
    ApiToken {
        token_hash: opaque::digest(&secret),
        kind,
        user_id: user_id.to_owned(),
        actor_id: (kind == ApiTokenKind::OnBehalfOf).then(|| owner_id.to_owned()),
        owner_id: owner_id.to_owned(),
        app_hash: None,
        hint: secret[..6].to_owned(),
        created_at: created,
        expires_at: created + Duration::from_secs(86_400),
    }
}

/// An app token of an admin, a user token made through it, and an
/// on-behalf-of token the admin made for the user.
async fn three<S: ApiTokenStore>(
    store: &S,
    users: &impl UserIds,
) -> Result<[ApiToken; 3], super::Broken> {
    let (admin, user) = (users.user_id().await?, users.user_id().await?);
    let app = api_token(ApiTokenKind::App, &admin, &admin, t0());
    let mut mine = api_token(
        ApiTokenKind::User,
        &user,
        &user,
        t0() + Duration::from_secs(1),
    );
    mine.app_hash = Some(app.token_hash.clone());
    let obo = api_token(
        ApiTokenKind::OnBehalfOf,
        &user,
        &admin,
        t0() + Duration::from_secs(2),
    );
    for token in [&obo, &mine, &app] {
        store.create_api_token(token).await?;
    }
    Ok([app, mine, obo])
}

async fn create<S: ApiTokenStore>(store: &S, users: &impl UserIds) -> Outcome {
    for token in three(store, users).await? {
        ensure_eq!(
            store.find_api_token(&token.token_hash).await?,
            Some(token.clone()),
            "a {} token by its digest",
            token.kind.as_str()
        );
    }
    ensure_eq!(
        store.find_api_token(&digest()).await?,
        None,
        "an unknown digest finds nothing"
    );
    Ok(())
}

async fn duplicate<S: ApiTokenStore>(store: &S, users: &impl UserIds) -> Outcome {
    let [app, ..] = three(store, users).await?;
    ensure!(
        matches!(
            store.create_api_token(&app).await,
            Err(StoreError::Conflict)
        ),
        "the same digest again is a conflict"
    );
    Ok(())
}

async fn listing<S: ApiTokenStore>(store: &S, users: &impl UserIds) -> Outcome {
    let [app, mine, obo] = three(store, users).await?;
    let admin = &app.owner_id;
    let both = [ApiTokenKind::User, ApiTokenKind::OnBehalfOf];
    ensure_eq!(
        store.list_api_tokens(admin, &both).await?,
        vec![obo.clone()],
        "the admin's user-scope tokens"
    );
    ensure_eq!(
        store.list_api_tokens(admin, &[ApiTokenKind::App]).await?,
        vec![app.clone()],
        "the admin's app tokens"
    );
    ensure_eq!(
        store.list_api_tokens(&mine.owner_id, &both).await?,
        vec![mine.clone()],
        "tokens acting as a user are listed for their maker only"
    );
    let later = api_token(
        ApiTokenKind::App,
        admin,
        admin,
        t0() + Duration::from_secs(5),
    );
    store.create_api_token(&later).await?;
    ensure_eq!(
        store.list_api_tokens(admin, &[ApiTokenKind::App]).await?,
        vec![app, later],
        "oldest first"
    );
    Ok(())
}

async fn expiry<S: ApiTokenStore>(store: &S, users: &impl UserIds) -> Outcome {
    let [_, mine, _] = three(store, users).await?;
    let past = t0() - Duration::from_secs(1);
    ensure!(
        store.set_api_token_expiry(&mine.token_hash, past).await?,
        "an existing token's expiry is set"
    );
    let expired = store.find_api_token(&mine.token_hash).await?.unwrap();
    ensure_eq!(expired.expires_at, past, "the new expiry");
    ensure!(
        !store.set_api_token_expiry(&digest(), past).await?,
        "an unknown token is not there to change"
    );
    Ok(())
}

async fn delete<S: ApiTokenStore>(store: &S, users: &impl UserIds) -> Outcome {
    let [app, _, obo] = three(store, users).await?;
    ensure!(
        store.delete_api_token(&obo.token_hash).await?,
        "deleting finds the token"
    );
    ensure!(
        !store.delete_api_token(&obo.token_hash).await?,
        "deleting twice finds nothing"
    );
    ensure_eq!(
        store.find_api_token(&obo.token_hash).await?,
        None,
        "a deleted token is gone"
    );
    ensure!(
        store.find_api_token(&app.token_hash).await?.is_some(),
        "others stay"
    );
    Ok(())
}

async fn end_user_tokens<S: ApiTokenStore>(store: &S, users: &impl UserIds) -> Outcome {
    let [app, mine, obo] = three(store, users).await?;
    let later = t0() + Duration::from_secs(60);
    let ended = store.end_user_api_tokens(&mine.user_id, later).await?;
    ensure_eq!(ended, 2, "the user token and the token acting as the user");
    for token in [&mine, &obo] {
        let found = store.find_api_token(&token.token_hash).await?;
        ensure_eq!(
            found.map(|t| t.expires_at),
            Some(later),
            "{:?} ends now",
            token.kind
        );
    }
    let kept = store.find_api_token(&app.token_hash).await?;
    ensure_eq!(
        kept.map(|t| t.expires_at),
        Some(app.expires_at),
        "app tokens stay"
    );
    let [_, _, acting] = three(store, users).await?;
    let actor = acting.actor_id.clone().unwrap_or_default();
    ensure_eq!(
        store.end_user_api_tokens(&actor, later).await?,
        1,
        "the actor's token acting for another ends with the actor"
    );
    ensure_eq!(
        store.end_user_api_tokens(&mine.user_id, later).await?,
        0,
        "tokens already ended are not counted again"
    );
    Ok(())
}

async fn purge<S: ApiTokenStore>(store: &S, users: &impl UserIds) -> Outcome {
    let [app, mine, obo] = three(store, users).await?;
    let day = Duration::from_secs(86_400);
    store
        .set_api_token_expiry(&mine.token_hash, t0() - day)
        .await?;
    let purged = store.purge_expired_api_tokens(t0()).await?;
    ensure!(purged >= 1, "at least the expired token went: {purged}");
    ensure!(
        store.find_api_token(&mine.token_hash).await?.is_none(),
        "the expired token is gone"
    );
    for token in [&app, &obo] {
        ensure!(
            store.find_api_token(&token.token_hash).await?.is_some(),
            "{:?}, alive, stays",
            token.kind
        );
    }
    Ok(())
}
