//! The threads that do the CPU work of requests, away from the async threads that read and
//! write the sockets.
//!
//! Reading a fact file, the engine's diagnosis or wizard step, rendering a guide or a plan,
//! searching: each costs from microseconds to (for a hostile body) much more, and on an async
//! thread it would hold up every connection that thread serves. A [`Pool`] runs such work on
//! tokio's blocking threads, at most `workers` jobs at once, and lets at most `queue` more
//! wait for a thread; a job beyond that is refused at once with [`WebError::Busy`] (a `503`
//! with `Retry-After`), so a flood costs the server a refusal rather than a growing queue.
//! The server has two pools (see [`Limits`](crate::Limits)): one for requests with a body, one
//! for pages computed from their address, so a saturated API does not delay the pages.
//!
//! It deliberately does not cancel a job that has started: a request that times out answers
//! the time-out at once, and its job still finishes on its thread (holding it, so that the
//! number of busy threads stays bounded). A job that has not started when its request gives up
//! never runs.

use crate::error::WebError;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// What a client that was refused is told to wait before trying again (`Retry-After`).
pub const RETRY_AFTER: Duration = Duration::from_secs(1);

/// How many jobs of one kind run at once, and how many more may wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolLimits {
    /// Jobs run at once, each on its own thread (at least 1).
    pub workers: usize,
    /// Jobs that may wait for a thread; one more is refused with a `503`.
    pub queue: usize,
}

impl PoolLimits {
    /// `workers` workers (at least 1), each with `queue_per_worker` waiting places.
    #[must_use]
    pub fn per_worker(workers: usize, queue_per_worker: usize) -> PoolLimits {
        let workers = workers.max(1);
        PoolLimits { workers, queue: workers.saturating_mul(queue_per_worker) }
    }
}

/// The cores this process may use (1 when that cannot be told).
#[must_use]
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// A bounded set of threads for one kind of work, with a bounded wait.
#[derive(Debug)]
pub(crate) struct Pool {
    /// One permit per job that may run now.
    workers: Arc<Semaphore>,
    /// One permit per job let in: running, or waiting for a worker.
    admitted: Arc<Semaphore>,
}

impl Pool {
    pub(crate) fn new(limits: PoolLimits) -> Pool {
        let workers = limits.workers.clamp(1, Semaphore::MAX_PERMITS);
        let admitted = workers.saturating_add(limits.queue).min(Semaphore::MAX_PERMITS);
        Pool {
            workers: Arc::new(Semaphore::new(workers)),
            admitted: Arc::new(Semaphore::new(admitted)),
        }
    }

    /// Runs `job` on a thread of the pool once one is free; [`WebError::Busy`] at once when as
    /// many jobs as the pool runs and queues are already in.
    pub(crate) async fn run<T, F>(&self, job: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let busy = || WebError::Busy { retry_after_seconds: RETRY_AFTER.as_secs() };
        let admitted = self.admitted.clone().try_acquire_owned().map_err(|_| busy())?;
        // The semaphores are never closed; if one were, the request could not be served.
        let worker = self.workers.clone().acquire_owned().await.map_err(|_| busy())?;
        let running = tokio::task::spawn_blocking(move || {
            // Held until the job is done, even if its request has given up meanwhile.
            let _permits = (admitted, worker);
            job()
        });
        running.await.map_err(|e| {
            eprintln!("triage serve: a request's work failed: {e}");
            WebError::Internal
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_job_beyond_the_workers_and_the_queue_is_refused_at_once() {
        let pool = Arc::new(Pool::new(PoolLimits { workers: 1, queue: 1 }));
        let (release, held) = std::sync::mpsc::channel::<()>();
        let (started, running) = tokio::sync::oneshot::channel::<()>();
        let first = tokio::spawn({
            let pool = pool.clone();
            async move {
                pool.run(move || {
                    let _ = started.send(());
                    held.recv().ok()
                })
                .await
            }
        });
        running.await.unwrap();
        let second = tokio::spawn({
            let pool = pool.clone();
            async move { pool.run(|| 2).await }
        });
        // The second waits for the only worker; a third finds the queue full.
        while pool.admitted.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let third = pool.run(|| 3).await;
        assert!(matches!(third, Err(WebError::Busy { retry_after_seconds: 1 })), "{third:?}");
        release.send(()).unwrap();
        assert_eq!(first.await.unwrap().unwrap(), Some(()));
        assert_eq!(second.await.unwrap().unwrap(), 2);
        assert_eq!(pool.run(|| 4).await.unwrap(), 4, "the places are given back");
    }

    #[tokio::test]
    async fn a_job_that_panics_is_an_internal_error_and_frees_its_worker() {
        let pool = Pool::new(PoolLimits { workers: 1, queue: 0 });
        let failed = pool.run(|| -> u8 { panic!("a bug in a handler") }).await;
        assert!(matches!(failed, Err(WebError::Internal)), "{failed:?}");
        assert_eq!(pool.run(|| 5).await.unwrap(), 5);
    }
}
