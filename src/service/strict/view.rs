//! The revocation view: what one instance knows of recent revocations.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use time::OffsetDateTime;

use crate::error::AuthError;
use crate::identity::Identity;
use crate::revocation::Revocation;

/// Ended sessions and changed roles, each kept until no access token
/// issued before the event can still be alive.
#[derive(Default)]
pub(super) struct RevocationView(RwLock<View>);

#[derive(Default)]
struct View {
    /// Whether every event up to now has been applied; if not, the store judges.
    caught_up: bool,
    /// Ended sessions, with when they may be forgotten.
    ended: HashMap<String, OffsetDateTime>,
    /// Users' current roles, with when they may be forgotten.
    roles: HashMap<String, (String, OffsetDateTime)>,
}

/// What the view says of an access token.
pub(crate) enum Verdict {
    /// Settled without the store.
    Settled(Result<Identity, AuthError>),
    /// The view cannot vouch (the channel is lost): ask the store.
    AskStore(Identity),
}

impl RevocationView {
    fn read(&self) -> RwLockReadGuard<'_, View> {
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, View> {
        self.0.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Checks a verified token's identity against the view.
    pub(super) fn judge(&self, mut identity: Identity) -> Verdict {
        let view = self.read();
        if !view.caught_up {
            return Verdict::AskStore(identity);
        }
        if identity
            .session_id
            .as_ref()
            .is_some_and(|sid| view.ended.contains_key(sid))
        {
            return Verdict::Settled(Err(AuthError::TokenInvalid));
        }
        if let Some((role, _)) = view.roles.get(&identity.user_id) {
            identity.role.clone_from(role);
        }
        Verdict::Settled(Ok(identity))
    }

    /// Applies an event, remembered until `forget_at`.
    pub(super) fn apply(&self, event: &Revocation, forget_at: OffsetDateTime) {
        let mut view = self.write();
        match event {
            Revocation::SessionsEnded { session_ids } => {
                for id in session_ids {
                    view.ended.insert(id.clone(), forget_at);
                }
            }
            Revocation::RoleChanged { user_id, role } => {
                view.roles
                    .insert(user_id.clone(), (role.clone(), forget_at));
            }
        }
    }

    pub(super) fn set_caught_up(&self, caught_up: bool) {
        self.write().caught_up = caught_up;
    }

    /// Forgets what no live token can need any more.
    pub(super) fn sweep(&self, now: OffsetDateTime) {
        let mut view = self.write();
        view.ended.retain(|_, until| *until > now);
        view.roles.retain(|_, (_, until)| *until > now);
    }
}

#[cfg(test)]
mod tests {
    use time::Duration;

    use super::*;

    fn keys<V>(map: &HashMap<String, V>) -> Vec<&str> {
        map.keys().map(String::as_str).collect()
    }

    /// The view stays as small as the live tokens need: an event is
    /// forgotten at its `forget_at`, when every access token it could
    /// refuse has expired (a token is expired once `exp <= now`).
    #[test]
    fn a_sweep_forgets_what_no_live_token_needs_and_keeps_the_rest() {
        let view = RevocationView::default();
        let now = OffsetDateTime::UNIX_EPOCH + Duration::hours(1);
        for (id, forget_at) in [
            ("past", now - Duration::SECOND),
            ("due", now),
            ("later", now + Duration::SECOND),
        ] {
            let ended = Revocation::SessionsEnded {
                session_ids: vec![id.to_owned()],
            };
            let role = Revocation::RoleChanged {
                user_id: id.to_owned(),
                role: "user".to_owned(),
            };
            view.apply(&ended, forget_at);
            view.apply(&role, forget_at);
        }
        view.sweep(now);
        let view = view.read();
        assert_eq!(keys(&view.ended), ["later"]);
        assert_eq!(keys(&view.roles), ["later"]);
    }
}
