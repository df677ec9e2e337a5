//! The server's two waits on a client, as Go's net/http has them: a connection with no request in
//! flight is closed after the idle timeout if no request starts, and a request's head must have
//! arrived in full within the header timeout of its first byte (slowloris). hyper's own header
//! timeout starts when a connection goes idle, so it would be both at once, with one value.
//!
//! [`TimedIo`] watches the connection's reads; the requests on it mark it busy ([`Busy`]) until
//! their answers have gone. A busy connection has no timeout (a body may pause as long as it
//! likes, as under `axum::serve`), nor has an upgraded one (a WebSocket).

use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// How long the server waits for a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// From a request's first byte to the end of its head.
    pub header: Duration,
    /// From a connection's last answer to its next request's first byte.
    pub idle: Duration,
}

/// What one connection is doing, shared by its reads and its requests.
#[derive(Default)]
struct Activity {
    in_flight: AtomicUsize,
    upgraded: AtomicBool,
    http2: AtomicBool,
    /// The connection's reader while it is busy: woken when the last request ends, so the idle
    /// timeout starts then.
    reader: Mutex<Option<Waker>>,
}

/// The requests' side of a connection's [`Activity`].
#[derive(Clone, Default)]
pub(super) struct Tracker(Arc<Activity>);

impl Tracker {
    /// Marks the connection busy with a request of `version` until the guard is dropped.
    pub(super) fn busy(&self, version: http::Version) -> Busy {
        if version == http::Version::HTTP_2 {
            self.0.http2.store(true, Ordering::Relaxed);
        }
        self.0.in_flight.fetch_add(1, Ordering::SeqCst);
        Busy(self.0.clone())
    }
}

/// A request in flight on a connection (dropped once its answer has gone).
pub(super) struct Busy(Arc<Activity>);

impl Busy {
    /// The request upgraded the connection (a WebSocket): no timeout applies to it any more.
    pub(super) fn upgraded(&self) {
        self.0.upgraded.store(true, Ordering::SeqCst);
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            let reader = self
                .0
                .reader
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            if let Some(reader) = reader {
                reader.wake();
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for a request's head to arrive in full.
    Head,
    /// Waiting for a request to start.
    Idle,
    /// Requests in flight.
    Busy,
}

/// A connection's stream, closed (a `TimedOut` error) when a wait runs past its timeout.
pub(super) struct TimedIo<T> {
    inner: T,
    activity: Arc<Activity>,
    timeouts: Timeouts,
    phase: Phase,
    /// When the current wait times out: set at its first read that has to wait, so a phase
    /// passed through without waiting (a head that arrives with its first bytes) costs no clock
    /// read.
    due: Option<Instant>,
    /// Fires at or before `due`. It is moved later only when it fires early, not on every
    /// request: resetting a timer takes the timer wheel's lock.
    timer: Pin<Box<Sleep>>,
}

impl<T> TimedIo<T> {
    /// `inner`, just accepted: its first request's head is awaited.
    pub(super) fn new(inner: T, tracker: &Tracker, timeouts: Timeouts) -> Self {
        TimedIo {
            inner,
            activity: tracker.0.clone(),
            timeouts,
            phase: Phase::Head,
            due: None,
            timer: Box::pin(tokio::time::sleep(timeouts.header)),
        }
    }

    fn enter(&mut self, phase: Phase) {
        if phase != self.phase {
            self.phase = phase;
            self.due = None;
        }
    }

    /// Whether the current wait has run past its timeout; if not, the timer will wake `cx` by
    /// then.
    fn timed_out(&mut self, cx: &mut Context<'_>) -> bool {
        let wait = match self.phase {
            Phase::Head => self.timeouts.header,
            Phase::Idle => self.timeouts.idle,
            Phase::Busy => return false,
        };
        let due = *self.due.get_or_insert_with(|| Instant::now() + wait);
        if self.timer.deadline() > due {
            self.timer.as_mut().reset(due);
        }
        while self.timer.as_mut().poll(cx).is_ready() {
            if Instant::now() >= due {
                return true;
            }
            self.timer.as_mut().reset(due);
        }
        false
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for TimedIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if this.activity.upgraded.load(Ordering::SeqCst) {
            return polled;
        }
        let read = matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before;
        let busy = this.activity.in_flight.load(Ordering::SeqCst) > 0;
        let next = match (busy, this.phase, read) {
            (true, _, _) => Phase::Busy,
            (false, Phase::Busy, false) => Phase::Idle,
            // A request's first bytes. HTTP/2 reads frames (pings, settings) with no request
            // too: there only a request makes the connection busy.
            (false, Phase::Busy | Phase::Idle, true)
                if !this.activity.http2.load(Ordering::Relaxed) =>
            {
                Phase::Head
            }
            (false, phase, _) => phase,
        };
        this.enter(next);
        if polled.is_pending() {
            if this.phase == Phase::Busy {
                *this
                    .activity
                    .reader
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()) = Some(cx.waker().clone());
                // The last request may have ended since `busy` was read.
                if this.activity.in_flight.load(Ordering::SeqCst) == 0 {
                    cx.waker().wake_by_ref();
                }
            } else if this.timed_out(cx) {
                let what = match this.phase {
                    Phase::Head => "the request's head did not arrive within the header timeout",
                    _ => "the connection was idle past the idle timeout",
                };
                return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, what)));
            }
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for TimedIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
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
