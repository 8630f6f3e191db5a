//! A fixed set of hashing threads, each keeping its Argon2 memory between
//! hashes, fed by a bounded queue.
//!
//! Argon2id at the default cost needs 19 MiB of blocks. Allocated per hash
//! on whatever blocking-pool thread runs it, that memory is freed into that
//! thread's allocator arena and stays resident there: a login burst left
//! hundreds of megabytes behind, growing with the number of threads. Here
//! the threads are as many as `max_concurrent_hashes`, each allocates its
//! blocks once and reuses them, so hashing holds at most
//! `max_concurrent_hashes` × Argon2 memory, whatever the load. A hash that
//! finds every worker busy and the queue full is refused at once
//! ([`AuthError::Overloaded`]: 503 with `Retry-After`) rather than queued
//! without bound.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::Block;
use tokio::sync::oneshot;

use crate::error::AuthError;

/// How long a refused hash's caller is told to wait: a queue's worth of
/// hashes takes well under a second at any sane cost.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// A worker's Argon2 memory, kept from one hash to the next.
pub(crate) struct Memory {
    blocks: Vec<Block>,
    /// What the policy's hashes need: more is given back after a hash of
    /// an older, costlier stored hash.
    usual: usize,
}

impl Memory {
    /// `count` blocks, allocated (once) when the worker holds fewer.
    pub(crate) fn blocks(&mut self, count: usize) -> &mut [Block] {
        // Never fewer: the memory a costlier hash took stays until `settle`.
        let kept = self.blocks.len().max(count);
        self.blocks.resize(kept, Block::default());
        &mut self.blocks[..count]
    }

    /// Gives back what is beyond the usual; a no-op when nothing is.
    fn settle(&mut self) {
        self.blocks.truncate(self.usual);
        self.blocks.shrink_to_fit();
    }
}

type Job = Box<dyn FnOnce(&mut Memory) + Send>;

/// The hashing threads and their queue.
pub(crate) struct Workers {
    queue: SyncSender<Job>,
    /// The workers' count, read by the tests.
    #[cfg(test)]
    busy: Arc<Busy>,
}

/// How many workers hash now, and the most that ever did at once.
#[derive(Default)]
struct Busy {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl Workers {
    /// `count` threads, each to keep `usual_blocks` Argon2 blocks, and room
    /// for `queued` hashes waiting for one.
    pub(crate) fn start(count: usize, queued: usize, usual_blocks: usize) -> Self {
        let (queue, jobs) = mpsc::sync_channel::<Job>(queued);
        let jobs = Arc::new(Mutex::new(jobs));
        let busy = Arc::new(Busy::default());
        for index in 0..count {
            let (jobs, busy) = (Arc::clone(&jobs), Arc::clone(&busy));
            let spawned = std::thread::Builder::new()
                .name(format!("portcullis-hash-{index}"))
                .spawn(move || work(&jobs, &busy, usual_blocks));
            if let Err(err) = spawned {
                tracing::error!(error = %err, "a hashing worker did not start");
            }
        }
        Self {
            queue,
            #[cfg(test)]
            busy,
        }
    }

    /// Runs `job` on a worker with its memory, and answers what it returns.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Memory) -> T + Send + 'static,
    ) -> Result<T, AuthError> {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |memory| {
            // Its caller went away while it waited: spare the hash.
            if !answer.is_closed() {
                let _ = answer.send(job(memory));
            }
        });
        match self.queue.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                metrics::counter!("portcullis_hashes_refused_total").increment(1);
                return Err(AuthError::Overloaded {
                    retry_after: RETRY_AFTER,
                });
            }
            Err(TrySendError::Disconnected(_)) => {
                tracing::error!("no hashing worker is running");
                return Err(AuthError::Unavailable);
            }
        }
        answered.await.map_err(|_| {
            tracing::error!("a hashing job failed");
            AuthError::Unavailable
        })
    }

    /// The most hashes that ran at once so far.
    #[cfg(test)]
    pub(crate) fn peak(&self) -> usize {
        self.busy.peak.load(Ordering::SeqCst)
    }
}

/// A worker's life: take a job, run it with the kept memory, until the
/// hasher is dropped.
fn work(jobs: &Mutex<Receiver<Job>>, busy: &Busy, usual_blocks: usize) {
    yield_to_requests();
    let mut memory = Memory {
        blocks: Vec::new(),
        usual: usual_blocks,
    };
    loop {
        let next = match jobs.lock() {
            Ok(jobs) => jobs.recv(),
            Err(_) => return,
        };
        let Ok(job) = next else { return };
        let now = busy.now.fetch_add(1, Ordering::SeqCst) + 1;
        busy.peak.fetch_max(now, Ordering::SeqCst);
        metrics::gauge!("portcullis_hashes_running").increment(1.0);
        // A panic in a job drops its answer (the caller gets 503); the
        // worker and its memory stay.
        if catch_unwind(AssertUnwindSafe(|| job(&mut memory))).is_err() {
            tracing::error!("a hashing job panicked");
        }
        memory.settle();
        busy.now.fetch_sub(1, Ordering::SeqCst);
        metrics::gauge!("portcullis_hashes_running").decrement(1.0);
    }
}

/// Lowers the calling thread's scheduling priority by 10 nice steps, so
/// that in a login flood the threads answering other requests get the CPU
/// first and hashing takes what is left: reads keep their latency, logins
/// wait.
#[cfg(target_os = "linux")]
fn yield_to_requests() {
    use rustix::process::{getpriority_process, setpriority_process};
    // On Linux the nice value is the calling thread's own.
    let lower = getpriority_process(None).map(|nice| (nice + 10).min(19));
    if let Err(err) = lower.and_then(|nice| setpriority_process(None, nice)) {
        tracing::debug!(error = %err, "hashing threads keep the default priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn yield_to_requests() {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::HashSet;
    use std::sync::{Barrier, mpsc};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn jobs_run_on_the_workers_only_and_never_more_at_once() {
        let workers = Arc::new(Workers::start(2, 64, 8));
        let runs = (0..32).map(|_| {
            let workers = Arc::clone(&workers);
            tokio::spawn(async move {
                workers
                    .run(|memory| {
                        memory.blocks(8)[0] = Block::default();
                        std::thread::current().id()
                    })
                    .await
                    .unwrap()
            })
        });
        let mut threads = HashSet::new();
        for run in runs {
            threads.insert(run.await.unwrap());
        }
        assert!(threads.len() <= 2, "{} threads hashed", threads.len());
        assert!((1..=2).contains(&workers.peak()));
    }

    #[tokio::test]
    async fn a_full_queue_refuses_at_once_with_a_retry_after() {
        let workers = Workers::start(1, 1, 1);
        let (release, held) = mpsc::channel::<()>();
        let (started, running) = oneshot::channel();
        let mut busy = Box::pin(workers.run(move |_| {
            let _ = started.send(());
            let _ = held.recv();
        }));
        // A first poll queues a job; the worker takes this one and holds.
        let _ = tokio::time::timeout(Duration::ZERO, &mut busy).await;
        running.await.unwrap();
        let mut waiting = Box::pin(workers.run(|_| 7));
        let _ = tokio::time::timeout(Duration::ZERO, &mut waiting).await;

        let refused = workers.run(|_| 0).await;
        assert!(
            matches!(refused, Err(AuthError::Overloaded { retry_after }) if !retry_after.is_zero()),
            "{refused:?}"
        );

        release.send(()).unwrap();
        busy.await.unwrap();
        assert_eq!(waiting.await.unwrap(), 7);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn as_many_jobs_run_at_once_as_there_are_workers() {
        let workers = Workers::start(2, 2, 1);
        // Neither job ends before the other has started.
        let both = Arc::new(Barrier::new(2));
        let job = |both: Arc<Barrier>| move |_: &mut Memory| _ = both.wait();
        let (first, second) =
            tokio::join!(workers.run(job(Arc::clone(&both))), workers.run(job(both)));
        first.unwrap();
        second.unwrap();
        assert_eq!(workers.peak(), 2);
    }

    #[test]
    fn memory_beyond_the_usual_is_given_back() {
        let mut memory = Memory {
            blocks: Vec::new(),
            usual: 4,
        };
        assert_eq!(memory.blocks(16).len(), 16);
        memory.settle();
        assert_eq!(memory.blocks.len(), 4);
    }
}
