//! Strict sessions: each instance holds a revocation view, kept fresh by
//! following the revocation channel; while the channel is lost, the store
//! judges each access token.

mod follow;
mod view;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::Notify;

use super::Auth;
use crate::clock::Clock;
use crate::error::AuthError;
use crate::error::ConfigError;
use crate::identity::Identity;
use crate::revocation::{Published, Revocation, RevocationChannel};
use crate::store::SessionStore;

use view::RevocationView;
pub(crate) use view::Verdict;

/// The strict-sessions state of one instance.
pub(super) struct Strict {
    view: RevocationView,
    channel: Arc<dyn RevocationChannel>,
    sessions: Arc<dyn SessionStore>,
    clock: Arc<dyn Clock>,
    /// How long an event matters: the access tokens' lifetime.
    keep: Duration,
    /// Announcements the channel did not take, published again on catching up.
    outbox: Mutex<Vec<Published>>,
    /// Wakes the follower to catch up (after a failed announcement).
    wake: Arc<Notify>,
}

impl Strict {
    /// Starts following `channel`; until caught up the store judges. Must
    /// be called within a tokio runtime.
    pub(super) fn start(
        channel: Arc<dyn RevocationChannel>,
        sessions: Arc<dyn SessionStore>,
        clock: Arc<dyn Clock>,
        keep: Duration,
    ) -> Result<Arc<Self>, ConfigError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            ConfigError::new("strict sessions follow their channel: build within a tokio runtime")
        })?;
        let strict = Arc::new(Self {
            view: RevocationView::default(),
            channel,
            sessions,
            clock,
            keep,
            outbox: Mutex::new(Vec::new()),
            wake: Arc::new(Notify::new()),
        });
        runtime.spawn(follow::follow(Arc::downgrade(&strict), strict.wake.clone()));
        Ok(strict)
    }

    pub(super) fn judge(&self, identity: Identity) -> Verdict {
        self.view.judge(identity)
    }

    fn outbox(&self) -> MutexGuard<'_, Vec<Published>> {
        self.outbox.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies an event here and publishes it to every instance. The store
    /// already has the change, so a channel that cannot take the event
    /// fails nothing: the event waits in the outbox, and this instance
    /// judges by the store until it has published it and caught up again.
    async fn announce(&self, revocation: Revocation) {
        let event = Published {
            revocation,
            at: self.clock.now().unix_timestamp(),
        };
        self.view
            .apply(&event.revocation, forget_at(&event, self.keep));
        if let Err(err) = self.channel.publish(&event, self.keep).await {
            tracing::warn!(target: "portcullis::revocation", error = %err, "a revocation waits to be published");
            self.outbox().push(event);
            self.view.set_caught_up(false);
            self.wake.notify_one();
        }
    }
}

fn forget_at(event: &Published, keep: Duration) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(event.at).unwrap_or(OffsetDateTime::UNIX_EPOCH) + keep
}

impl Auth {
    /// Tells every instance of a revocation, in strict mode.
    pub(crate) async fn announce(&self, revocation: Revocation) {
        if let Some(strict) = &self.0.strict {
            strict.announce(revocation).await;
        }
    }

    /// The store's word on an identity the view cannot vouch for: its
    /// session still open, its user active, and its role as it is now.
    pub(crate) async fn confirm_with_store(
        &self,
        mut identity: Identity,
    ) -> Result<Identity, AuthError> {
        let user = self.active_user(&identity.user_id).await?;
        if let Some(sid) = &identity.session_id {
            let open = self.0.sessions.list_families(&user.id, self.now()).await?;
            if !open.iter().any(|family| &family.id == sid) {
                return Err(AuthError::TokenInvalid);
            }
        }
        identity.role = user.role;
        Ok(identity)
    }
}
