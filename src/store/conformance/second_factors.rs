//! The [`SecondFactorStore`] suite.

use futures_util::future::join_all;

use super::{Outcome, Report, UserIds, digest, ensure, ensure_eq, wins};
use crate::store::{SecondFactorStore, TotpState};

/// Runs every [`SecondFactorStore`] promise against `store`, for users
/// whose ids come from `users`.
pub async fn second_factor_store<S: SecondFactorStore>(store: &S, users: &impl UserIds) -> Report {
    let mut report = Report::new("second_factor_store");
    report
        .case("an_unknown_user_has_no_totp", unknown(store, users))
        .await;
    report
        .case("a_pending_secret_is_not_active", pending(store, users))
        .await;
    report
        .case(
            "only_the_pending_secret_confirms_and_one_of_concurrent_wins",
            confirm(store, users),
        )
        .await;
    report
        .case(
            "a_step_is_accepted_once_and_never_after_a_later_one",
            steps(store, users),
        )
        .await;
    report
        .case(
            "of_concurrent_uses_of_one_code_exactly_one_is_accepted",
            concurrent_steps(store, users),
        )
        .await;
    report
        .case(
            "a_new_confirmation_forgets_the_old_steps",
            new_secret(store, users),
        )
        .await;
    report
        .case(
            "resealing_replaces_only_the_current_secret_and_keeps_the_steps",
            reseal(store, users),
        )
        .await;
    report
        .case(
            "removal_forgets_secrets_steps_and_recovery_codes",
            removal(store, users),
        )
        .await;
    report
        .case(
            "recovery_codes_are_spent_once_and_per_user",
            recovery(store, users),
        )
        .await;
    report
        .case(
            "replacing_recovery_codes_voids_the_old_ones",
            replace(store, users),
        )
        .await;
    report
}

/// A user with an active secret `sealed-secret`.
async fn enrolled<S: SecondFactorStore>(
    store: &S,
    users: &impl UserIds,
) -> Result<String, super::Broken> {
    let id = users.user_id().await?;
    store.set_pending_totp(&id, Some("sealed-secret")).await?;
    ensure!(
        store.confirm_totp(&id, "sealed-secret").await?,
        "the pending secret confirms"
    );
    Ok(id)
}

async fn unknown<S: SecondFactorStore>(store: &S, users: &impl UserIds) -> Outcome {
    let id = users.user_id().await?;
    ensure_eq!(store.totp(&id).await?, TotpState::default(), "empty");
    ensure!(
        !store.confirm_totp(&id, "anything").await?,
        "nothing to confirm"
    );
    ensure!(
        !store.spend_recovery_code(&id, &digest()).await?,
        "no codes"
    );
    Ok(())
}

async fn pending<S: SecondFactorStore>(store: &S, users: &impl UserIds) -> Outcome {
    let id = users.user_id().await?;
    store.set_pending_totp(&id, Some("sealed-pending")).await?;
    let state = store.totp(&id).await?;
    ensure_eq!(state.pending.as_deref(), Some("sealed-pending"), "pending");
    ensure_eq!(state.secret, None, "pending is not active");
    store.set_pending_totp(&id, None).await?;
    ensure_eq!(store.totp(&id).await?, TotpState::default(), "dropped");
    Ok(())
}

async fn confirm<S: SecondFactorStore>(store: &S, users: &impl UserIds) -> Outcome {
    let id = enrolled(store, users).await?;
    store.set_pending_totp(&id, Some("sealed-next")).await?;
    let state = store.totp(&id).await?;
    ensure_eq!(
        (state.secret.as_deref(), state.pending.as_deref()),
        (Some("sealed-secret"), Some("sealed-next")),
        "a new pending secret leaves the active one"
    );
    ensure!(
        !store.confirm_totp(&id, "another-pending").await?,
        "only the pending secret confirms"
    );
    let confirms = join_all((0..4).map(|_| store.confirm_totp(&id, "sealed-next"))).await;
    ensure_eq!(wins(confirms)?, 1, "concurrent confirmations that won");
    let state = store.totp(&id).await?;
    ensure_eq!(
        (state.secret.as_deref(), state.pending.as_deref()),
        (Some("sealed-next"), None),
        "the pending secret is active and the slot empty"
    );
    Ok(())
}

async fn steps<S: SecondFactorStore>(store: &S, users: &impl UserIds) -> Outcome {
    let id = enrolled(store, users).await?;
    ensure!(store.record_totp_step(&id, 100).await?, "a first code");
    ensure!(
        !store.record_totp_step(&id, 100).await?,
        "the same step again is a replay"
    );
    ensure!(
        !store.record_totp_step(&id, 99).await?,
        "an earlier step after a later one"
    );
    ensure!(store.record_totp_step(&id, 101).await?, "a later step");
    let other = enrolled(store, users).await?;
    ensure!(
        store.record_totp_step(&other, 100).await?,
        "steps are per user"
    );
    Ok(())
}

async fn concurrent_steps<S: SecondFactorStore>(store: &S, users: &impl UserIds) -> Outcome {
    let id = enrolled(store, users).await?;
    let uses = join_all((0..8).map(|_| store.record_totp_step(&id, 200))).await;
    ensure_eq!(wins(uses)?, 1, "concurrent uses accepted");
    Ok(())
}

async fn new_secret<S: SecondFactorStore>(store: &S, users: &impl UserIds) -> Outcome {
    let id = enrolled(store, users).await?;
    ensure!(store.record_totp_step(&id, 200).await?, "a code");
    store.set_pending_totp(&id, Some("sealed-new")).await?;
    ensure!(
        !store.record_totp_step(&id, 150).await?,
        "a pending secret changes nothing yet"
    );
    ensure!(store.confirm_totp(&id, "sealed-new").await?, "confirmed");
    ensure!(
        store.record_totp_step(&id, 150).await?,
        "a new secret forgets the old steps"
    );
    Ok(())
}

async fn reseal<S: SecondFactorStore>(store: &S, users: &impl UserIds) -> Outcome {
    let id = enrolled(store, users).await?;
    ensure!(store.record_totp_step(&id, 500).await?, "a code");
    ensure!(
        !store
            .reseal_totp(&id, "another-secret", "sealed-anew")
            .await?,
        "only the current secret is resealed"
    );
    let reseals =
        join_all((0..4).map(|_| store.reseal_totp(&id, "sealed-secret", "sealed-anew"))).await;
    ensure_eq!(wins(reseals)?, 1, "concurrent reseals that won");
    let state = store.totp(&id).await?;
    ensure_eq!(state.secret.as_deref(), Some("sealed-anew"), "resealed");
    ensure!(
        !store.record_totp_step(&id, 500).await?,
        "the steps accepted stay: a used code is still used"
    );
    ensure!(
        !store
            .reseal_totp(&users.user_id().await?, "sealed-secret", "x")
            .await?,
        "a user without a secret has nothing to reseal"
    );
    Ok(())
}

async fn removal<S: SecondFactorStore>(store: &S, users: &impl UserIds) -> Outcome {
    let id = enrolled(store, users).await?;
    store.record_totp_step(&id, 300).await?;
    let code = digest();
    store
        .replace_recovery_codes(&id, std::slice::from_ref(&code))
        .await?;
    store.set_pending_totp(&id, Some("sealed-pending")).await?;
    store.remove_second_factors(&id).await?;
    ensure_eq!(store.totp(&id).await?, TotpState::default(), "no secrets");
    ensure!(
        !store.spend_recovery_code(&id, &code).await?,
        "no recovery codes"
    );
    store.set_pending_totp(&id, Some("sealed-again")).await?;
    store.confirm_totp(&id, "sealed-again").await?;
    ensure!(store.record_totp_step(&id, 1).await?, "no steps remembered");
    Ok(())
}

async fn recovery<S: SecondFactorStore>(store: &S, users: &impl UserIds) -> Outcome {
    let id = enrolled(store, users).await?;
    let other = enrolled(store, users).await?;
    let codes: Vec<String> = (0..3).map(|_| digest()).collect();
    store.replace_recovery_codes(&id, &codes).await?;
    ensure!(
        store.spend_recovery_code(&id, &codes[0]).await?,
        "a code spends"
    );
    ensure!(
        !store.spend_recovery_code(&id, &codes[0]).await?,
        "a code is spent once"
    );
    ensure!(
        !store.spend_recovery_code(&other, &codes[1]).await?,
        "codes are per user"
    );
    let spends = join_all((0..4).map(|_| store.spend_recovery_code(&id, &codes[2]))).await;
    ensure_eq!(wins(spends)?, 1, "concurrent spends of one code that won");
    Ok(())
}

async fn replace<S: SecondFactorStore>(store: &S, users: &impl UserIds) -> Outcome {
    let id = enrolled(store, users).await?;
    let old = digest();
    store
        .replace_recovery_codes(&id, std::slice::from_ref(&old))
        .await?;
    let fresh = vec![digest(), digest()];
    store.replace_recovery_codes(&id, &fresh).await?;
    ensure!(
        !store.spend_recovery_code(&id, &old).await?,
        "replacing voids old codes"
    );
    ensure!(
        store.spend_recovery_code(&id, &fresh[1]).await?,
        "the new codes work"
    );
    Ok(())
}
