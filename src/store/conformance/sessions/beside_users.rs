//! The suite of a store that keeps the users beside the sessions: the user
//! a rotation reads is the one its [`UserStore`] has.

use std::time::Duration;

use super::started;
use crate::store::conformance::{Broken, Outcome, Report, digest, ensure_eq, t0};
use crate::store::{SessionStore, SessionUser, UserChanges, UserStore};

/// Runs the promises of a store that is both the [`SessionStore`] and the
/// [`UserStore`] (as `AuthBuilder::store` sets it): a rotation that reads
/// the session's user reads it as [`UserStore::find_user`] has it, before
/// and after a change, or leaves it unread.
pub async fn sessions_beside_users<S: SessionStore + UserStore>(store: &S) -> Report {
    let mut report = Report::new("sessions_beside_users");
    report
        .case(
            "a_rotation_reads_the_user_as_the_user_store_has_it",
            reads_the_user(store),
        )
        .await;
    report
}

async fn reads_the_user<S: SessionStore + UserStore>(store: &S) -> Outcome {
    let (family, mut secret) = started(store, store).await?;
    for (minutes, change) in [(1, None), (2, Some(demotion()))] {
        if let Some(change) = change {
            store.update_user(&family.user_id, change).await?;
        }
        let next = digest();
        let now = t0() + Duration::from_secs(60 * minutes);
        let rotated = store
            .rotate_live_refresh_token_with_user(&secret, &next, now, None)
            .await?;
        let Some((_, read)) = rotated else {
            return Err(Broken("a live token did not rotate".into()));
        };
        let expected = store.find_user(&family.user_id).await?;
        match read {
            SessionUser::NotRead => {}
            SessionUser::Found(user) => {
                ensure_eq!(Some(user), expected, "the user read, as find_user has it");
            }
            SessionUser::Missing => {
                ensure_eq!(
                    None,
                    expected,
                    "a user read as missing, as find_user has it"
                );
            }
        }
        secret = next;
    }
    Ok(())
}

/// Another role, and inactive.
fn demotion() -> UserChanges {
    UserChanges {
        role: Some("guest".into()),
        is_active: Some(false),
        ..UserChanges::default()
    }
}
