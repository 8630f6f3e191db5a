//! [`MemoryRevocations`]: the revocation channel of one process.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use futures_util::StreamExt;
use futures_util::stream;
use time::OffsetDateTime;
use tokio::sync::broadcast;

use super::{Published, RevocationChannel, Subscription};
use crate::store::StoreError;

/// Revocations within one process (and its clones): for a single instance
/// and for tests. Several processes need a shared channel.
#[derive(Clone)]
pub struct MemoryRevocations(Arc<Inner>);

struct Inner {
    history: Mutex<Vec<Published>>,
    live: broadcast::Sender<Published>,
}

impl MemoryRevocations {
    /// A channel with no history.
    pub fn new() -> Self {
        Self(Arc::new(Inner {
            history: Mutex::new(Vec::new()),
            live: broadcast::channel(1024).0,
        }))
    }
}

impl Default for MemoryRevocations {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl RevocationChannel for MemoryRevocations {
    async fn publish(&self, event: &Published, keep: Duration) -> Result<(), StoreError> {
        let keep = i64::try_from(keep.as_secs()).unwrap_or(i64::MAX);
        let mut history = self
            .0
            .history
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        history.retain(|old| old.at >= event.at.saturating_sub(keep));
        history.push(event.clone());
        // No subscriber yet is fine: they read the history when they come.
        let _ = self.0.live.send(event.clone());
        Ok(())
    }

    async fn subscribe(&self, since: OffsetDateTime) -> Result<Subscription, StoreError> {
        // Subscribe before reading the history, so that nothing falls between.
        let live = self.0.live.subscribe();
        let since = since.unix_timestamp();
        let history: Vec<Published> = self
            .0
            .history
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|event| event.at >= since)
            .cloned()
            .collect();
        let following = stream::unfold(live, |mut live| async move {
            match live.recv().await {
                Ok(event) => Some((Ok(event), live)),
                // Lagging behind means events were missed: the channel is lost.
                Err(broadcast::error::RecvError::Lagged(missed)) => Some((
                    Err(StoreError::Unavailable(
                        format!("{missed} revocations missed").into(),
                    )),
                    live,
                )),
                Err(broadcast::error::RecvError::Closed) => None,
            }
        });
        Ok(Subscription {
            history,
            live: following.boxed(),
        })
    }
}
