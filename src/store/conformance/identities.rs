//! The [`IdentityStore`] suite.

use super::{Outcome, Report, UserIds, ensure, ensure_eq};
use crate::store::{IdentityStore, StoreError, new_id};

/// Runs every [`IdentityStore`] promise against `store`, for users whose
/// ids come from `users`.
pub async fn identity_store<S: IdentityStore>(store: &S, users: &impl UserIds) -> Report {
    let mut report = Report::new("identity_store");
    report
        .case("a_linked_identity_finds_its_user", linked(store, users))
        .await;
    report
        .case("subjects_are_per_provider", per_provider(store, users))
        .await;
    report
        .case("an_identity_belongs_to_one_user", one_owner(store, users))
        .await;
    report
        .case(
            "identities_are_counted_and_unlinking_frees_a_users_only",
            unlink(store, users),
        )
        .await;
    report
}

fn subject() -> String {
    format!("sub-{}", new_id())
}

async fn linked<S: IdentityStore>(store: &S, users: &impl UserIds) -> Outcome {
    let (id, subject) = (users.user_id().await?, subject());
    ensure_eq!(
        store.find_identity("google", &subject).await?,
        None,
        "nothing before linking"
    );
    store.link_identity(&id, "google", &subject).await?;
    ensure_eq!(
        store.find_identity("google", &subject).await?,
        Some(id.clone()),
        "the user after linking"
    );
    let second = self::subject();
    store.link_identity(&id, "github", &second).await?;
    ensure_eq!(
        store.find_identity("github", &second).await?,
        Some(id),
        "a user may have several identities"
    );
    Ok(())
}

async fn per_provider<S: IdentityStore>(store: &S, users: &impl UserIds) -> Outcome {
    let (id, subject) = (users.user_id().await?, subject());
    store.link_identity(&id, "google", &subject).await?;
    ensure_eq!(
        store.find_identity("github", &subject).await?,
        None,
        "the same subject at another provider is another person"
    );
    let other = users.user_id().await?;
    store.link_identity(&other, "github", &subject).await?;
    ensure_eq!(
        store.find_identity("github", &subject).await?,
        Some(other),
        "and may be linked to someone else"
    );
    Ok(())
}

async fn one_owner<S: IdentityStore>(store: &S, users: &impl UserIds) -> Outcome {
    let (id, other, subject) = (users.user_id().await?, users.user_id().await?, subject());
    store.link_identity(&id, "google", &subject).await?;
    ensure!(
        matches!(
            store.link_identity(&other, "google", &subject).await,
            Err(StoreError::Conflict)
        ),
        "linking a linked identity to another user is a conflict"
    );
    ensure_eq!(
        store.find_identity("google", &subject).await?,
        Some(id),
        "the first link stands"
    );
    Ok(())
}

async fn unlink<S: IdentityStore>(store: &S, users: &impl UserIds) -> Outcome {
    let (mine, theirs) = (users.user_id().await?, users.user_id().await?);
    let (a, b, c) = (subject(), subject(), subject());
    store.link_identity(&mine, "google", &a).await?;
    store.link_identity(&mine, "github", &b).await?;
    store.link_identity(&theirs, "google", &c).await?;
    ensure_eq!(store.count_identities(&mine).await?, 2, "two of mine");
    ensure_eq!(store.count_identities(&theirs).await?, 1, "one of theirs");
    ensure_eq!(store.unlink_identities(&mine).await?, 2, "both of mine");
    ensure_eq!(store.count_identities(&mine).await?, 0, "none left");
    ensure_eq!(store.find_identity("google", &a).await?, None, "gone");
    ensure_eq!(
        store.find_identity("google", &c).await?,
        Some(theirs.clone()),
        "another user's stays"
    );
    store.link_identity(&theirs, "github", &b).await?;
    ensure_eq!(
        store.find_identity("github", &b).await?,
        Some(theirs),
        "a freed identity can be linked again"
    );
    Ok(())
}
