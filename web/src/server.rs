//! The accept loop: HTTP/1.1 connections served with hyper, with the limits `axum::serve`
//! does not have.
//!
//! - A cap on open connections: a semaphore permit per connection, taken before `accept`, so
//!   beyond the cap the loop stops accepting and a new connection waits in the system's
//!   backlog (it is neither refused nor answered) until one closes.
//! - A header read timeout (hyper's): a request's head must be in within
//!   [`Limits::header_read_timeout`] of the connection's opening or of its previous response.
//! - An idle timeout: a connection on which no byte has moved for [`Limits::idle_timeout`]
//!   while none of its requests is being handled is closed. The socket is wrapped to note when
//!   bytes move, the service to note when a request is in hand.
//! - Graceful shutdown: stop accepting, let each connection finish the request it is on, then
//!   close it; after the request timeout and a second more, close what is left.
//!
//! It deliberately does not speak HTTP/2 or TLS (a reverse proxy in front does), nor limit
//! connections per client address (behind a proxy they all come from one).

use crate::{App, Limits};
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Instant;
use tower::ServiceExt as _;

/// Where the server is in its life, as each connection sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Serving,
    /// Finish the request in hand, then close.
    Draining,
    /// Close now.
    Closing,
}

/// Files the process keeps for itself beyond its connections (the listener, standard
/// streams, what the runtime opens).
const RESERVED_FILES: usize = 64;

/// `wanted`, or fewer when the process may not open that many files (Linux: the soft limit of
/// `/proc/self/limits`; elsewhere `wanted`).
pub(crate) fn connection_budget(wanted: usize) -> usize {
    let soft_limit = std::fs::read_to_string("/proc/self/limits").ok().and_then(|limits| {
        limits
            .lines()
            .find_map(|line| line.strip_prefix("Max open files"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|soft| soft.parse::<usize>().ok())
    });
    match soft_limit {
        Some(files) => wanted.min(files.saturating_sub(RESERVED_FILES)).max(1),
        None => wanted,
    }
}

pub(crate) async fn serve(
    listener: TcpListener,
    app: &App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let limits = app.limits();
    let router = app.router();
    // `acquire_many` counts in u32: the cap fits it.
    let cap =
        u32::try_from(limits.max_connections.clamp(1, Semaphore::MAX_PERMITS)).unwrap_or(u32::MAX);
    let slots = Arc::new(Semaphore::new(cap as usize));
    let (stage, _) = watch::channel(Stage::Serving);
    let mut shutdown = pin!(shutdown);
    let mut last_complaint: Option<Instant> = None;
    loop {
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => slot,
        };
        // The semaphore is never closed.
        let Ok(slot) = slot else { break };
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _)) => {
                let connection = Connection { router: router.clone(), limits, slot };
                tokio::spawn(connection.serve(stream, stage.subscribe()));
            }
            Err(e) if is_connection_error(&e) => {}
            Err(e) => {
                // Out of files or memory: wait for connections to close rather than spin. Said
                // once in a while, not for every attempt.
                if last_complaint.is_none_or(|at| at.elapsed() > Duration::from_secs(10)) {
                    eprintln!("triage serve: cannot accept a connection: {e} (retrying)");
                    last_complaint = Some(Instant::now());
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    // New connections are refused from here on.
    drop(listener);
    stage.send_replace(Stage::Draining);
    let grace = limits.request_timeout.saturating_add(Duration::from_secs(1));
    if tokio::time::timeout(grace, slots.acquire_many(cap)).await.is_err() {
        stage.send_replace(Stage::Closing);
        let _ = tokio::time::timeout(Duration::from_secs(1), slots.acquire_many(cap)).await;
    }
    Ok(())
}

/// An error of one connection that came and went before it was accepted: nothing to wait for.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// One accepted connection and what it needs.
struct Connection {
    router: Router,
    limits: Limits,
    /// Its place under the cap, given back when the connection is done.
    slot: OwnedSemaphorePermit,
}

impl Connection {
    async fn serve(self, stream: TcpStream, mut stage: watch::Receiver<Stage>) {
        let Connection { router, limits, slot: _slot } = self;
        // Answers are written whole; waiting to fill a packet would only delay them.
        let _ = stream.set_nodelay(true);
        let activity = Arc::new(Activity::new());
        let io = TokioIo::new(Watched { inner: stream, activity: activity.clone() });
        let service = {
            let activity = activity.clone();
            hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                let in_hand = InHand::new(activity.clone());
                let router = router.clone();
                async move {
                    let response = router.oneshot(request).await;
                    drop(in_hand);
                    response
                }
            })
        };
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .max_buf_size(crate::MAX_HEADER_BYTES);
        let mut connection = pin!(builder.serve_connection(io, service));
        let mut draining = false;
        loop {
            let quiet_until = activity.quiet_until(limits.idle_timeout);
            tokio::select! {
                // Served to the end, closed by the client, or a protocol error: done either way.
                _ = connection.as_mut() => break,
                changed = stage.changed() => match changed.map(|()| *stage.borrow_and_update()) {
                    Ok(Stage::Serving) => {}
                    Ok(Stage::Draining) => {
                        if !draining {
                            draining = true;
                            connection.as_mut().graceful_shutdown();
                        }
                    }
                    // Closing, or the server is gone.
                    Ok(Stage::Closing) | Err(_) => break,
                },
                () = tokio::time::sleep_until(quiet_until) => {
                    if activity.is_idle(limits.idle_timeout) {
                        break;
                    }
                }
            }
        }
    }
}

/// When a connection last moved bytes, and how many of its requests are being handled.
#[derive(Debug)]
struct Activity {
    opened: Instant,
    /// Milliseconds from `opened` to the last byte read or written, or a request's start or end.
    last_ms: AtomicU64,
    in_hand: AtomicUsize,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            opened: Instant::now(),
            last_ms: AtomicU64::new(0),
            in_hand: AtomicUsize::new(0),
        }
    }

    fn touch(&self) {
        let now = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.fetch_max(now, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.opened + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }

    /// When the connection would have been quiet for `idle`: the time to look again.
    fn quiet_until(&self, idle: Duration) -> Instant {
        let from =
            if self.in_hand.load(Ordering::Relaxed) > 0 { Instant::now() } else { self.last() };
        from + idle
    }

    fn is_idle(&self, idle: Duration) -> bool {
        self.in_hand.load(Ordering::Relaxed) == 0 && self.last().elapsed() >= idle
    }
}

/// A request being handled, for as long as this lives.
struct InHand(Arc<Activity>);

impl InHand {
    fn new(activity: Arc<Activity>) -> InHand {
        activity.in_hand.fetch_add(1, Ordering::Relaxed);
        activity.touch();
        InHand(activity)
    }
}

impl Drop for InHand {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_hand.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A socket that notes in [`Activity`] when bytes move.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl Watched {
    fn moved<T>(
        &self,
        polled: Poll<io::Result<T>>,
        bytes: impl FnOnce(&T) -> bool,
    ) -> Poll<io::Result<T>> {
        if let Poll::Ready(Ok(done)) = &polled
            && bytes(done)
        {
            self.activity.touch();
        }
        polled
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        let read = buf.filled().len() > before;
        this.moved(polled, |()| read)
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.moved(polled, |n| *n > 0)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.moved(polled, |n| *n > 0)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_budget_is_never_more_than_wanted_nor_zero() {
        assert!(connection_budget(10) <= 10);
        assert!(connection_budget(10) >= 1);
        assert_eq!(connection_budget(1), 1);
    }

    #[tokio::test]
    async fn a_request_in_hand_keeps_the_connection_from_being_idle() {
        let activity = Arc::new(Activity::new());
        let idle = Duration::from_millis(20);
        let in_hand = InHand::new(activity.clone());
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert!(!activity.is_idle(idle), "a request is being handled");
        drop(in_hand);
        assert!(!activity.is_idle(idle), "its end counts as activity");
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert!(activity.is_idle(idle));
    }
}
