//! The [`UserStore`] suite.

use super::{Outcome, Report, ensure, ensure_eq, t0, unique_email};
use crate::store::{NewUser, StoreError, User, UserChanges, UserStore, new_id};

/// Runs every [`UserStore`] promise against `store`.
pub async fn user_store<S: UserStore>(store: &S) -> Report {
    let mut report = Report::new("user_store");
    report
        .case("create_mints_an_id_and_keeps_the_fields", create(store))
        .await;
    report
        .case("find_by_id_returns_the_account", find_by_id(store))
        .await;
    report
        .case("email_lookup_ignores_case_and_spaces", email_lookup(store))
        .await;
    report
        .case("a_taken_email_in_another_case_is_a_conflict", taken(store))
        .await;
    report
        .case("ids_never_minted_are_absent_or_malformed", unknown(store))
        .await;
    report
        .case("update_changes_only_what_it_names", update(store))
        .await;
    report
        .case(
            "update_of_an_unknown_user_is_not_found",
            update_unknown(store),
        )
        .await;
    report
        .case("an_address_in_use_cannot_be_taken", email_conflict(store))
        .await;
    report
        .case("a_new_address_frees_the_old_one", email_move(store))
        .await;
    report
}

async fn ada<S: UserStore>(store: &S) -> Result<(User, String), super::Broken> {
    let email = unique_email();
    let mut new = NewUser::new(
        &format!("  {email} "),
        "user",
        Some("$argon2id$hash".into()),
        t0(),
    );
    new.name = Some("Ada".into());
    Ok((store.create_user(new).await?, email))
}

async fn create<S: UserStore>(store: &S) -> Outcome {
    let (user, email) = ada(store).await?;
    ensure!(!user.id.is_empty(), "the store mints an id");
    ensure_eq!(user.email, email, "emails are kept trimmed");
    ensure_eq!(user.name.as_deref(), Some("Ada"), "the name");
    ensure_eq!(user.role, "user", "the role");
    ensure!(user.is_active, "new accounts are active");
    ensure!(!user.email_verified, "new accounts start unverified");
    ensure_eq!(
        user.password_hash.as_deref(),
        Some("$argon2id$hash"),
        "the password hash"
    );
    ensure_eq!(user.created_at, t0(), "the creation time");
    let other = store
        .create_user(NewUser::new(&unique_email(), "user", None, t0()))
        .await?;
    ensure!(other.id != user.id, "each account gets its own id");
    Ok(())
}

async fn find_by_id<S: UserStore>(store: &S) -> Outcome {
    let (user, _) = ada(store).await?;
    ensure_eq!(
        store.find_user(&user.id).await?,
        Some(user),
        "the account by id"
    );
    Ok(())
}

async fn email_lookup<S: UserStore>(store: &S) -> Outcome {
    let (user, email) = ada(store).await?;
    let found = store
        .find_user_by_email(&format!(" {} ", email.to_uppercase()))
        .await?;
    ensure_eq!(found, Some(user), "the account by its address in capitals");
    ensure_eq!(
        store.find_user_by_email(&unique_email()).await?,
        None,
        "an address nobody has"
    );
    Ok(())
}

async fn taken<S: UserStore>(store: &S) -> Outcome {
    let (_, email) = ada(store).await?;
    let twin = NewUser::new(&email.to_lowercase(), "user", None, t0());
    ensure!(
        matches!(store.create_user(twin).await, Err(StoreError::Conflict)),
        "creating a second account with the address is a conflict"
    );
    Ok(())
}

async fn unknown<S: UserStore>(store: &S) -> Outcome {
    for id in [new_id(), "not an id".to_owned()] {
        match store.find_user(&id).await {
            Ok(None) | Err(StoreError::InvalidId) => {}
            other => {
                return Err(super::Broken(format!(
                    "{id:?} was never minted: expected None or InvalidId, got {other:?}"
                )));
            }
        }
    }
    Ok(())
}

async fn update<S: UserStore>(store: &S) -> Outcome {
    let (user, _) = ada(store).await?;
    let changes = UserChanges {
        name: Some(None),
        password_hash: Some("$argon2id$new".into()),
        is_active: Some(false),
        role: Some("editor".into()),
        ..UserChanges::default()
    };
    let changed = store.update_user(&user.id, changes).await?;
    ensure_eq!(changed.name, None, "Some(None) clears the name");
    ensure_eq!(changed.role, "editor", "the new role");
    ensure_eq!(
        changed.password_hash.as_deref(),
        Some("$argon2id$new"),
        "the new hash"
    );
    ensure!(!changed.is_active, "deactivated");
    ensure_eq!(changed.email, user.email, "untouched fields stay");
    ensure_eq!(
        store.find_user(&user.id).await?,
        Some(changed.clone()),
        "the update is returned as stored"
    );
    let unchanged = store.update_user(&user.id, UserChanges::default()).await?;
    ensure_eq!(unchanged, changed, "an empty change changes nothing");
    Ok(())
}

async fn update_unknown<S: UserStore>(store: &S) -> Outcome {
    ensure!(
        matches!(
            store.update_user(&new_id(), UserChanges::default()).await,
            Err(StoreError::NotFound | StoreError::InvalidId)
        ),
        "an id nobody has is NotFound (or InvalidId)"
    );
    Ok(())
}

async fn email_conflict<S: UserStore>(store: &S) -> Outcome {
    let (user, email) = ada(store).await?;
    let other = store
        .create_user(NewUser::new(&unique_email(), "user", None, t0()))
        .await?;
    let taken = UserChanges {
        email: Some(other.email.to_uppercase()),
        ..UserChanges::default()
    };
    ensure!(
        matches!(
            store.update_user(&user.id, taken).await,
            Err(StoreError::Conflict)
        ),
        "another user's address, in any case, is taken"
    );
    let same = UserChanges {
        email: Some(email.to_lowercase()),
        ..UserChanges::default()
    };
    store.update_user(&user.id, same).await?;
    Ok(())
}

async fn email_move<S: UserStore>(store: &S) -> Outcome {
    let (user, email) = ada(store).await?;
    let fresh = unique_email();
    let moved = UserChanges {
        email: Some(format!(" {fresh} ")),
        email_verified: Some(true),
        ..UserChanges::default()
    };
    let moved = store.update_user(&user.id, moved).await?;
    ensure_eq!(moved.email, fresh, "the new address, trimmed");
    ensure!(moved.email_verified, "the verified flag changes with it");
    ensure_eq!(
        store.find_user_by_email(&fresh).await?.map(|u| u.id),
        Some(user.id),
        "found by the new address"
    );
    ensure_eq!(
        store.find_user_by_email(&email).await?,
        None,
        "the old address is free"
    );
    Ok(())
}
