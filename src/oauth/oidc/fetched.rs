//! [`Fetched`]: a provider document fetched once at a time, kept while
//! usable, and not asked for again right after a failure.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use super::RETRY_AFTER;
use crate::oauth::OAuthError;

/// A document fetched from the provider (discovery, key set): one fetch at
/// a time, the result reused while it is usable, and after a failure no new
/// fetch for [`RETRY_AFTER`].
pub(super) struct Fetched<T>(Mutex<FetchState<T>>);

struct FetchState<T> {
    /// The last document fetched, and when.
    last: Option<(Arc<T>, Instant)>,
    /// When the last fetch failed.
    failed: Option<Instant>,
}

impl<T> Fetched<T> {
    pub(super) fn new() -> Self {
        Self(Mutex::new(FetchState {
            last: None,
            failed: None,
        }))
    }

    /// The cached document if `usable(document, its age at now)`, else a
    /// new one from `fetch` (awaited only then).
    pub(super) async fn get<F>(
        &self,
        now: Instant,
        usable: impl Fn(&T, Duration) -> bool,
        fetch: F,
    ) -> Result<Arc<T>, OAuthError>
    where
        F: Future<Output = Result<T, OAuthError>>,
    {
        // Held across the fetch: of concurrent logins, one fetches and the
        // others use what it fetched.
        let mut state = self.0.lock().await;
        if let Some((document, at)) = &state.last
            && usable(document, now.saturating_duration_since(*at))
        {
            return Ok(Arc::clone(document));
        }
        if state
            .failed
            .is_some_and(|at| now.saturating_duration_since(at) < RETRY_AFTER)
        {
            return Err(OAuthError::Unreachable(
                "the provider failed moments ago; not asked again yet".into(),
            ));
        }
        match fetch.await {
            Ok(document) => {
                let document = Arc::new(document);
                state.last = Some((Arc::clone(&document), now));
                state.failed = None;
                Ok(document)
            }
            Err(err) => {
                state.failed = Some(now);
                Err(err)
            }
        }
    }
}
