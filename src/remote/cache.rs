//! [`Fetched`]: a remote document (a provider's discovery document, a key
//! set) fetched once at a time, kept while usable, and not asked for again
//! right after a failure.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use super::RemoteError;

/// After a failed fetch, how long callers that need the document fail at
/// once rather than each waiting on the remote party in turn.
const RETRY_AFTER: Duration = Duration::from_secs(10);

/// A remote document: one fetch at
/// a time, the result reused while it is usable, and after a failure no new
/// fetch for [`RETRY_AFTER`].
pub(crate) struct Fetched<T>(Mutex<FetchState<T>>);

struct FetchState<T> {
    /// The last document fetched, and when.
    last: Option<(Arc<T>, Instant)>,
    /// When the last fetch failed.
    failed: Option<Instant>,
}

impl<T> Fetched<T> {
    pub(crate) fn new() -> Self {
        Self(Mutex::new(FetchState {
            last: None,
            failed: None,
        }))
    }

    /// The cached document if `usable(document, its age at now)`, else a
    /// new one from `fetch` (awaited only then).
    pub(crate) async fn get<F, E>(
        &self,
        now: Instant,
        usable: impl Fn(&T, Duration) -> bool,
        fetch: F,
    ) -> Result<Arc<T>, E>
    where
        F: Future<Output = Result<T, E>>,
        E: From<RemoteError>,
    {
        // Held across the fetch: of concurrent callers, one fetches and the
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
            return Err(E::from(RemoteError::Unreachable(
                "it failed moments ago; not asked again yet".into(),
            )));
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
