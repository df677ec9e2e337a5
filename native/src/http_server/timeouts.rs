//! The server's two waits on a client, as Go's net/http has them: a connection with no request in
//! flight is closed after the idle timeout if no request starts, and a request's head must have
//! arrived in full within the header timeout of its first byte (slowloris). hyper's own header
//! timeout starts when a connection goes idle, so it would be both at once, with one value.
//!
//! [`TimedIo`] watches the connection's reads; the requests on it mark it busy ([`Busy`]) until
//! their answers have gone. A busy connection has no timeout (a body may pause as long as it
//! likes, as under `axum::serve`), nor has an upgraded one (a WebSocket).
//!
//! A request that ends does not wake the connection's reader: that was a second poll of the
//! connection for every request, queued behind every other connection's, and it put the
//! server's p99 latency at 64 connections at five times `axum::serve`'s. The request notes when
//! it ended instead, and the reader's timer, which never fires later than an idle timeout after
//! that, starts the idle wait from then.

use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
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
    /// When a request last ended ([`since_start`]): the idle timeout counts from there.
    ended: AtomicU64,
}

/// `instant` as nanoseconds since [`start`], to keep in an atomic.
fn since_start(instant: Instant) -> u64 {
    u64::try_from(instant.saturating_duration_since(start()).as_nanos()).unwrap_or(u64::MAX)
}

/// The instant [`since_start`] gave `nanos` for.
fn instant_at(nanos: u64) -> Instant {
    start() + Duration::from_nanos(nanos)
}

fn start() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
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
        // Noted before the count goes down, so a reader that sees none in flight sees when.
        self.0
            .ended
            .fetch_max(since_start(Instant::now()), Ordering::SeqCst);
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
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
            // The idle wait after requests counts from when the last of them ended.
            self.due = (self.phase == Phase::Busy && phase == Phase::Idle).then(|| {
                instant_at(self.activity.ended.load(Ordering::SeqCst)) + self.timeouts.idle
            });
            self.phase = phase;
            // The timer stays within an idle timeout of now while busy (see `timed_out`); a
            // header timeout longer than that may have set it later.
            if phase == Phase::Busy && self.timeouts.header > self.timeouts.idle {
                let latest = Instant::now() + self.timeouts.idle;
                if self.timer.deadline() > latest {
                    self.timer.as_mut().reset(latest);
                }
            }
        }
    }

    /// Whether the current wait has run past its timeout; if not, the timer will wake `cx` by
    /// then. While requests are in flight nothing times out, but the timer stays set, at most an
    /// idle timeout ahead: when it fires after the last request has ended, the idle wait starts.
    fn timed_out(&mut self, cx: &mut Context<'_>) -> bool {
        let wait = match self.phase {
            Phase::Head => self.timeouts.header,
            Phase::Idle => self.timeouts.idle,
            Phase::Busy => {
                while self.timer.as_mut().poll(cx).is_ready() {
                    self.timer
                        .as_mut()
                        .reset(Instant::now() + self.timeouts.idle);
                }
                return false;
            }
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
        if polled.is_pending() && this.timed_out(cx) {
            let what = match this.phase {
                Phase::Head => "the request's head did not arrive within the header timeout",
                _ => "the connection was idle past the idle timeout",
            };
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, what)));
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
