//! The [`PasskeyStore`] suite.

use time::Duration;

use super::{Outcome, Report, UserIds, ensure, ensure_eq, t0};
use crate::store::{PasskeyStore, StoreError, StoredPasskey, new_id};

/// Runs every [`PasskeyStore`] promise against `store`, for users whose
/// ids come from `users`.
pub async fn passkey_store<S: PasskeyStore>(store: &S, users: &impl UserIds) -> Report {
    let mut report = Report::new("passkey_store");
    report
        .case(
            "a_passkey_is_found_as_it_was_added",
            round_trip(store, users),
        )
        .await;
    report
        .case(
            "a_credential_id_belongs_to_one_passkey",
            one_owner(store, users),
        )
        .await;
    report
        .case("a_users_passkeys_come_oldest_first", listed(store, users))
        .await;
    report
        .case(
            "a_use_rewrites_the_credential_it_read_and_its_time",
            used(store, users),
        )
        .await;
    report
        .case(
            "of_concurrent_uses_over_one_credential_one_writes",
            racing(store, users),
        )
        .await;
    report
        .case(
            "only_the_owner_renames_or_removes_a_passkey",
            owned(store, users),
        )
        .await;
    report
        .case(
            "removing_a_users_passkeys_leaves_others",
            remove_all(store, users),
        )
        .await;
    report
}

fn passkey(user_id: &str, minutes: i64) -> StoredPasskey {
    StoredPasskey {
        id: format!("cred-{}", new_id()),
        user_id: user_id.to_owned(),
        user_handle: new_id(),
        name: "Laptop — ключ".into(),
        credential: format!("{{\"counter\":{minutes}}}"),
        created_at: t0() + Duration::minutes(minutes),
        last_used_at: None,
    }
}

async fn round_trip<S: PasskeyStore>(store: &S, users: &impl UserIds) -> Outcome {
    let key = passkey(&users.user_id().await?, 0);
    ensure_eq!(store.find_passkey(&key.id).await?, None, "nothing before");
    store.add_passkey(&key).await?;
    ensure_eq!(
        store.find_passkey(&key.id).await?,
        Some(key.clone()),
        "every field as added"
    );
    Ok(())
}

async fn one_owner<S: PasskeyStore>(store: &S, users: &impl UserIds) -> Outcome {
    let (mine, theirs) = (users.user_id().await?, users.user_id().await?);
    let key = passkey(&mine, 0);
    store.add_passkey(&key).await?;
    let stolen = StoredPasskey {
        user_id: theirs,
        ..key.clone()
    };
    ensure!(
        matches!(store.add_passkey(&stolen).await, Err(StoreError::Conflict)),
        "adding a taken credential id, for another user, is a conflict"
    );
    ensure_eq!(
        store.find_passkey(&key.id).await?.map(|p| p.user_id),
        Some(mine),
        "the first owner keeps it"
    );
    Ok(())
}

async fn listed<S: PasskeyStore>(store: &S, users: &impl UserIds) -> Outcome {
    let (mine, theirs) = (users.user_id().await?, users.user_id().await?);
    let (newer, older) = (passkey(&mine, 5), passkey(&mine, 1));
    ensure_eq!(store.passkeys_of(&mine).await?, vec![], "none at first");
    store.add_passkey(&newer).await?;
    store.add_passkey(&older).await?;
    store.add_passkey(&passkey(&theirs, 0)).await?;
    let ids: Vec<String> = store
        .passkeys_of(&mine)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    ensure_eq!(ids, vec![older.id, newer.id], "mine, oldest first");
    Ok(())
}

async fn used<S: PasskeyStore>(store: &S, users: &impl UserIds) -> Outcome {
    let key = passkey(&users.user_id().await?, 0);
    store.add_passkey(&key).await?;
    let at = t0() + Duration::hours(1);
    let next = "{\"counter\":9}";
    ensure!(
        store
            .record_passkey_use(&key.id, &key.credential, next, at)
            .await?,
        "a use over the credential it read is recorded"
    );
    let found = store.find_passkey(&key.id).await?;
    ensure_eq!(
        found
            .as_ref()
            .map(|p| (p.credential.as_str(), p.last_used_at)),
        Some((next, Some(at))),
        "the new credential and the time of use"
    );
    ensure!(
        !store
            .record_passkey_use(&key.id, &key.credential, "{\"counter\":8}", at)
            .await?,
        "a use over a credential since replaced is not"
    );
    ensure_eq!(
        store.find_passkey(&key.id).await?.map(|p| p.credential),
        Some(next.to_owned()),
        "the later credential stands"
    );
    ensure!(
        !store
            .record_passkey_use("cred-unknown", "{}", "{}", at)
            .await?,
        "an unknown passkey's use is not"
    );
    Ok(())
}

async fn racing<S: PasskeyStore>(store: &S, users: &impl UserIds) -> Outcome {
    let key = passkey(&users.user_id().await?, 0);
    store.add_passkey(&key).await?;
    let at = t0();
    let uses = (0..8).map(|n| {
        let next = format!("{{\"counter\":{}}}", n + 1);
        let (id, previous) = (key.id.clone(), key.credential.clone());
        async move { store.record_passkey_use(&id, &previous, &next, at).await }
    });
    let won = super::wins(futures_util::future::join_all(uses).await)?;
    ensure_eq!(won, 1, "of concurrent uses over one credential, one writes");
    Ok(())
}

async fn owned<S: PasskeyStore>(store: &S, users: &impl UserIds) -> Outcome {
    let (mine, theirs) = (users.user_id().await?, users.user_id().await?);
    let key = passkey(&mine, 0);
    store.add_passkey(&key).await?;
    ensure!(
        !store.rename_passkey(&theirs, &key.id, "stolen").await?,
        "another user cannot rename it"
    );
    ensure!(
        !store.remove_passkey(&theirs, &key.id).await?,
        "another user cannot remove it"
    );
    ensure!(
        store.rename_passkey(&mine, &key.id, "phone").await?,
        "its owner renames it"
    );
    ensure_eq!(
        store.find_passkey(&key.id).await?.map(|p| p.name),
        Some("phone".to_owned()),
        "by its new name"
    );
    ensure!(
        store.remove_passkey(&mine, &key.id).await?,
        "its owner removes it"
    );
    ensure_eq!(store.find_passkey(&key.id).await?, None, "gone");
    ensure!(
        !store.remove_passkey(&mine, &key.id).await?,
        "a second removal finds nothing"
    );
    Ok(())
}

async fn remove_all<S: PasskeyStore>(store: &S, users: &impl UserIds) -> Outcome {
    let (mine, theirs) = (users.user_id().await?, users.user_id().await?);
    store.add_passkey(&passkey(&mine, 0)).await?;
    store.add_passkey(&passkey(&mine, 1)).await?;
    let kept = passkey(&theirs, 0);
    store.add_passkey(&kept).await?;
    ensure_eq!(store.remove_passkeys(&mine).await?, 2, "both of mine");
    ensure_eq!(store.passkeys_of(&mine).await?, vec![], "none left");
    ensure_eq!(
        store.find_passkey(&kept.id).await?.map(|p| p.id),
        Some(kept.id),
        "theirs stays"
    );
    Ok(())
}
