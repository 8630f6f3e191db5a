//! Keeping the view fresh: catching up from the channel's history and the
//! store, then following the channel; after a loss, all over again.

use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::{self, Either};
use futures_util::stream::BoxStream;
use tokio::sync::Notify;

use super::{Strict, forget_at};
use crate::revocation::{Published, Revocation};
use crate::store::StoreError;

/// First wait after a loss; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

type Live = BoxStream<'static, Result<Published, StoreError>>;

/// Follows the channel for as long as the service lives. Holds the service's
/// state only while it works on it, so that dropping the service ends it.
pub(super) async fn follow(strict: Weak<Strict>, wake: Arc<Notify>) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        let Some(alive) = strict.upgrade() else {
            return;
        };
        let caught_up = alive.catch_up().await;
        drop(alive);
        match caught_up {
            Ok(live) => {
                tracing::info!(target: "portcullis::revocation", "following the revocation channel");
                backoff = FIRST_BACKOFF;
                follow_live(&strict, &wake, live).await;
            }
            Err(err) => {
                tracing::warn!(target: "portcullis::revocation", error = %err, "cannot follow the revocation channel");
            }
        }
        // Whatever ended the following, a service that is gone ends it for good.
        let Some(alive) = strict.upgrade() else {
            return;
        };
        // Until caught up again, every access token is checked with the store.
        alive.view.set_caught_up(false);
        drop(alive);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// Applies live events until the channel is lost, an announcement could
/// not be published (then the caller catches up again, publishing it
/// first), or the service is gone.
async fn follow_live(strict: &Weak<Strict>, wake: &Notify, mut live: Live) {
    loop {
        let woken = std::pin::pin!(wake.notified());
        let event = match future::select(live.next(), woken).await {
            Either::Left((event, _)) => event,
            Either::Right(((), _)) => return,
        };
        let Some(alive) = strict.upgrade() else {
            return;
        };
        match event {
            Some(Ok(event)) => {
                let now = alive.clock.now();
                alive
                    .view
                    .apply(&event.revocation, forget_at(&event, alive.keep));
                alive.view.sweep(now);
            }
            Some(Err(err)) => {
                tracing::warn!(target: "portcullis::revocation", error = %err, "the revocation channel failed");
                return;
            }
            None => return,
        }
    }
}

impl Strict {
    /// Publishes what could not be published, subscribes, and applies the
    /// channel's history and the sessions the store saw end within the
    /// last `keep`: then the view vouches again.
    async fn catch_up(&self) -> Result<Live, StoreError> {
        self.flush().await?;
        let since = self.clock.now() - self.keep;
        // Subscribe before reading the store: a revocation after the read
        // comes live.
        let subscription = self.channel.subscribe(since).await?;
        let ended = self.sessions.revoked_since(since).await?;
        for event in &subscription.history {
            self.view
                .apply(&event.revocation, forget_at(event, self.keep));
        }
        let now = self.clock.now();
        self.view.apply(
            &Revocation::SessionsEnded { session_ids: ended },
            now + self.keep,
        );
        self.view.sweep(now);
        self.view.set_caught_up(true);
        Ok(subscription.live)
    }

    /// Publishes the announcements that failed, oldest first; on a failure
    /// keeps the rest for the next try.
    async fn flush(&self) -> Result<(), StoreError> {
        let pending = std::mem::take(&mut *self.outbox());
        let mut pending = pending.into_iter();
        while let Some(event) = pending.next() {
            if let Err(err) = self.channel.publish(&event, self.keep).await {
                let mut outbox = self.outbox();
                let newer = std::mem::take(&mut *outbox);
                outbox.extend(std::iter::once(event).chain(pending).chain(newer));
                return Err(err);
            }
        }
        Ok(())
    }
}
