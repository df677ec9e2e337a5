//! The HTTP server: the executable serving the service itself on `$PORT` (default 8080), on
//! `$HOST` (default every interface, as a container needs), under `$GZRS_BASE_PATH` (default
//! `/`): what container hosts (Cloud Run, Fly.io, Render, ECS) run. A class's typed methods
//! answer Genezio's JSON-RPC at `POST /<Class>` beside the routes (gzrs-core's `rpc`).
//!
//! - **Every core**: the service is built once and each request gets a clone, as under
//!   `axum::serve`, on a tokio runtime with one worker per CPU the process may use (cgroup
//!   quotas included). A service whose futures are not `Send` runs on one thread ([`run`]); the
//!   build says so.
//! - **HTTP/1.1 and HTTP/2** on the same port (h2c with prior knowledge), keep-alive, and
//!   upgrades (axum's `WebSocketUpgrade`).
//! - **Timeouts** ([`timeouts`]): a request's head must arrive within `$GZRS_HEADER_TIMEOUT`
//!   (default 30 s) of its first byte; a connection idle for `$GZRS_IDLE_TIMEOUT` (default 75 s,
//!   above the 60 s load balancers keep idle connections) is closed.
//! - **A graceful stop**: on SIGTERM or SIGINT it stops accepting, lets the requests in flight
//!   finish for up to `$GZRS_SHUTDOWN_TIMEOUT` (default 10 s), then exits; streams still open
//!   then end.
//!
//! What a request means is gzrs-core's ([`request`]).

mod request;
mod timeouts;

use std::convert::Infallible;
use std::fmt::Display;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use gzrs_core::{limits, Body};
use http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tower_service::Service;

pub use timeouts::Timeouts;
use timeouts::{TimedIo, Tracker};

/// The largest request body the server takes (see [`limit_request_bodies`]).
static REQUEST_BODY_LIMIT: AtomicUsize = AtomicUsize::new(limits::DEFAULT_STREAMED_BODY_BYTES);

/// Sets the largest request body the server takes, in bytes: the service's
/// `request-body-limit`, which the generated `main` passes before it starts.
pub fn limit_request_bodies(bytes: usize) {
    REQUEST_BODY_LIMIT.store(bytes, Ordering::Relaxed);
}

/// Where to listen, what to serve under and how long to wait, from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub address: String,
    pub base_path: Option<String>,
    pub timeouts: Timeouts,
    /// How long requests in flight may go on after SIGTERM.
    pub shutdown: Duration,
}

impl Config {
    /// The configuration the environment asks for; an error names a setting that is not valid.
    pub fn from_env() -> io::Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let duration = |name: &str, default: u64| -> io::Result<Duration> {
            match var(name) {
                None => Ok(Duration::from_secs(default)),
                Some(text) => parse_duration(&text).ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("{name}={text:?} is not a duration: write it as 30s, 500ms or 2m"),
                    )
                }),
            }
        };
        let port = var("PORT").unwrap_or_else(|| "8080".into());
        let host = var("HOST").unwrap_or_else(|| "0.0.0.0".into());
        Ok(Config {
            address: format!("{host}:{port}"),
            base_path: var("GZRS_BASE_PATH"),
            timeouts: Timeouts {
                header: duration("GZRS_HEADER_TIMEOUT", 30)?,
                idle: duration("GZRS_IDLE_TIMEOUT", 75)?,
            },
            shutdown: duration("GZRS_SHUTDOWN_TIMEOUT", 10)?,
        })
    }
}

/// `30s`, `500ms`, `2m`, or a number of seconds.
fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    match unit.trim() {
        "" | "s" => Some(Duration::from_secs(number)),
        "ms" => Some(Duration::from_millis(number)),
        "m" => number.checked_mul(60).map(Duration::from_secs),
        _ => None,
    }
}

/// Serves `service` over HTTP on every CPU the process may use, until SIGTERM or SIGINT.
pub fn run_threaded<S, B>(service: S, class: &str) -> io::Result<()>
where
    S: Service<Request<Body>, Response = Response<B>> + Clone + Send + Sync + 'static,
    S::Future: Send,
    S::Error: Display,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Display,
{
    let config = Config::from_env()?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()?;
    let plural = if threads == 1 { "" } else { "s" };
    let builder = builder(TokioExecutor::new());
    runtime.block_on(serve(
        &config,
        class,
        &format!("{threads} thread{plural}"),
        |stream, graceful| {
            let connection = builder
                .serve_connection_with_upgrades(
                    stream.io,
                    handler(service.clone(), &config, stream.tracker),
                )
                .into_owned();
            tokio::spawn(graceful.watch(connection));
        },
    ))
}

/// [`run_threaded`] on this thread alone, for a service whose futures are not `Send`.
pub fn run<S, B>(service: S, class: &str) -> io::Result<()>
where
    S: Service<Request<Body>, Response = Response<B>> + Clone + 'static,
    S::Error: Display,
    B: http_body::Body + 'static,
    B::Error: Display,
{
    let config = Config::from_env()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let builder = builder(LocalExecutor);
    let tasks = tokio::task::LocalSet::new();
    let threads = "1 thread: the service or its futures are not Send";
    tasks.block_on(
        &runtime,
        serve(&config, class, threads, |stream, graceful| {
            let connection = builder
                .serve_connection_with_upgrades(
                    stream.io,
                    handler(service.clone(), &config, stream.tracker),
                )
                .into_owned();
            tokio::task::spawn_local(graceful.watch(connection));
        }),
    )
}

/// Runs HTTP/2 streams' tasks on this thread.
#[derive(Clone, Copy)]
struct LocalExecutor;

impl<F: Future + 'static> hyper::rt::Executor<F> for LocalExecutor {
    fn execute(&self, future: F) {
        tokio::task::spawn_local(future);
    }
}

/// HTTP/1.1 (keep-alive) and HTTP/2, with hyper's timers (HTTP/2's keep-alive pings). The head
/// and idle timeouts are [`TimedIo`]'s.
fn builder<E: Clone>(executor: E) -> auto::Builder<E> {
    let mut builder = auto::Builder::new(executor);
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(None)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(20)));
    builder
}

/// An accepted connection: its stream, which times out the waits on its client, and what its
/// requests mark busy.
struct Accepted {
    io: TokioIo<TimedIo<TcpStream>>,
    tracker: Tracker,
}

/// hyper's service for one connection: each request through [`request::handle`] with its own
/// clone of the service.
fn handler<S, B>(
    service: S,
    config: &Config,
    tracker: Tracker,
) -> impl hyper::service::Service<
    Request<Incoming>,
    Response = Response<request::Reply<B>>,
    Error = Infallible,
    Future = impl Future<Output = Result<Response<request::Reply<B>>, Infallible>>,
> + Clone
where
    S: Service<Request<Body>, Response = Response<B>> + Clone + 'static,
    S::Error: Display,
    B: http_body::Body + 'static,
    B::Error: Display,
{
    let base: Option<Arc<str>> = config.base_path.as_deref().map(Arc::from);
    let limit = REQUEST_BODY_LIMIT.load(Ordering::Relaxed);
    hyper::service::service_fn(move |request: Request<Incoming>| {
        let busy = tracker.busy(request.version());
        let (service, base) = (service.clone(), base.clone());
        async move { Ok::<_, Infallible>(request::handle(service, request, base, limit, busy).await) }
    })
}

/// Listens, says so, and hands each connection to `serve_connection` until SIGTERM or SIGINT;
/// then stops accepting and waits for the connections to finish, up to the shutdown timeout.
async fn serve(
    config: &Config,
    class: &str,
    threads: &str,
    mut serve_connection: impl FnMut(Accepted, &GracefulShutdown),
) -> io::Result<()> {
    let listener = TcpListener::bind(&config.address).await.map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot listen on {}: {e}", config.address),
        )
    })?;
    let bound: SocketAddr = listener.local_addr()?;
    eprintln!(
        "gzrs: native mode, server, {}, gzrs {}: `{class}` on http://{bound}{} ({threads}; HTTP/1.1 and HTTP/2)",
        match std::env::consts::ARCH {
            "aarch64" => "arm64",
            other => other,
        },
        env!("CARGO_PKG_VERSION"),
        config.base_path.as_deref().unwrap_or("/")
    );
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let graceful = GracefulShutdown::new();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors, say: the connections open go on, and so does accepting.
                Err(error) => {
                    eprintln!("gzrs: accepting a connection failed: {error}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = terminate.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
        };
        let _ = stream.set_nodelay(true);
        let tracker = Tracker::default();
        let io = TokioIo::new(TimedIo::new(stream, &tracker, config.timeouts));
        serve_connection(Accepted { io, tracker }, &graceful);
    }
    // New connections are refused from here on.
    drop(listener);
    let open = graceful.count();
    eprintln!(
        "gzrs: stopping: {open} connection{} open, waiting up to {:?} for their requests",
        if open == 1 { "" } else { "s" },
        config.shutdown
    );
    tokio::select! {
        () = graceful.shutdown() => eprintln!("gzrs: stopped"),
        () = tokio::time::sleep(config.shutdown) => {
            eprintln!("gzrs: stopped at the shutdown timeout, with requests still in flight");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_seconds_or_carry_their_unit() {
        assert_eq!(parse_duration("30"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("5h"), None);
    }
}
