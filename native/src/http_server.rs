//! The HTTP server: the executable serving the service itself on `$PORT` (default 8080), on
//! `$HOST` (default every interface, as a container needs), under `$GZRS_BASE_PATH` (default
//! `/`): what container hosts (Cloud Run, Fly.io, Render, ECS) run. A class's typed methods
//! answer Genezio's JSON-RPC at `POST /<Class>` beside the routes (gzrs-core's `rpc`).
//!
//! hyper parses HTTP; each request becomes the request object gzrs-core reads (its target as
//! received, its headers, its body's bytes) and goes through gzrs-core, as in the trap and the
//! sidecar, so the limits, panic recovery and meaning are the same. A response body that is not
//! complete at once (`axum::response::Sse`, `Body::from_stream`) is sent frame by frame as the
//! service produces it; a client that goes away drops it, and with it the service's stream.
//! SIGTERM and SIGINT stop it after the requests in flight.

use std::convert::Infallible;
use std::fmt::Display;
use std::io;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use bytes::{Buf as _, Bytes};
use gzrs_core::{
    limits, Body, HttpInfo, Pairs, RequestBody, RequestObject, ResponseObject, Streamed,
};
use http::{Request, Response};
use http_body::Frame;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tower_service::Service;

use crate::serve::answer_streamed;

/// The largest request body the server takes (see [`limit_request_bodies`]).
static REQUEST_BODY_LIMIT: AtomicUsize = AtomicUsize::new(limits::DEFAULT_STREAMED_BODY_BYTES);

/// Sets the largest request body the server takes, in bytes: the service's
/// `request-body-limit`, which the generated `main` passes before it starts.
pub fn limit_request_bodies(bytes: usize) {
    REQUEST_BODY_LIMIT.store(bytes, Ordering::Relaxed);
}

fn request_body_limit() -> usize {
    REQUEST_BODY_LIMIT.load(Ordering::Relaxed)
}

/// Where to listen and what to serve under, from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub address: String,
    pub base_path: Option<String>,
}

impl Config {
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let port = var("PORT").unwrap_or_else(|| "8080".into());
        let host = var("HOST").unwrap_or_else(|| "0.0.0.0".into());
        Config {
            address: format!("{host}:{port}"),
            base_path: var("GZRS_BASE_PATH"),
        }
    }
}

/// Serves `service` over HTTP until SIGTERM or SIGINT.
pub fn run<S, B>(service: S, class: &str) -> io::Result<()>
where
    S: Service<Request<Body>, Response = Response<B>> + Clone + 'static,
    S::Error: Display,
    B: http_body::Body + 'static,
    B::Error: Display,
{
    let config = Config::from_env();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // Local tasks: the service's futures need not be `Send`, as in the wasm mode.
    let tasks = tokio::task::LocalSet::new();
    tasks.block_on(&runtime, async move {
        let listener = TcpListener::bind(&config.address).await.map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot listen on {}: {e}", config.address),
            )
        })?;
        let bound: SocketAddr = listener.local_addr()?;
        eprintln!(
            "gzrs: native mode, server, {}, gzrs {}: `{class}` on http://{bound}{}",
            match std::env::consts::ARCH {
                "aarch64" => "arm64",
                other => other,
            },
            env!("CARGO_PKG_VERSION"),
            config.base_path.as_deref().unwrap_or("/")
        );
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        loop {
            let (stream, _) = tokio::select! {
                accepted = listener.accept() => accepted?,
                _ = terminate.recv() => break,
                _ = tokio::signal::ctrl_c() => break,
            };
            let (service, base) = (service.clone(), config.base_path.clone());
            tokio::task::spawn_local(async move {
                let handler = hyper::service::service_fn(move |request: Request<Incoming>| {
                    let (service, base) = (service.clone(), base.clone());
                    async move { Ok::<_, Infallible>(handle(service, request, base).await) }
                });
                // A client that goes away mid-request ends its connection, nothing else.
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), handler)
                    .await;
            });
        }
        Ok(())
    })
}

/// One HTTP request through the service, as gzrs-core gives it its meaning.
async fn handle<S, B>(
    service: S,
    request: Request<Incoming>,
    base_path: Option<String>,
) -> Response<Reply<B>>
where
    S: Service<Request<Body>, Response = Response<B>> + Clone + 'static,
    S::Error: Display,
    B: http_body::Body + 'static,
    B::Error: Display,
{
    let (parts, body) = request.into_parts();
    let limit = request_body_limit();
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        // Read to one byte past the limit, unkept, so a client still sending gets the answer
        // rather than a reset connection.
        let _ = Limited::new(body, limit + 1).collect().await;
        return to_http(limits::body_over_limit(limit).into());
    }
    // The body reaches the service as it arrives, as under `axum::serve`; one that goes past the
    // limit ends with the error axum's extractors answer 413 for.
    let body = if declared == Some(0) || http_body::Body::is_end_stream(&body) {
        RequestBody::Raw(declared.map(|_| Bytes::new()))
    } else {
        RequestBody::Streaming(Body::streaming(body, limit))
    };
    let mut headers: Vec<(String, Vec<String>)> = Vec::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match headers.iter_mut().find(|(n, _)| n == name.as_str()) {
            Some((_, values)) => values.push(value),
            None => headers.push((name.as_str().to_owned(), vec![value])),
        }
    }
    let object = RequestObject {
        http: Some(HttpInfo {
            method: Some(parts.method.as_str().to_owned()),
            path: None,
        }),
        headers: Some(Pairs(headers)),
        url: Some(
            parts
                .uri
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_owned(),
        ),
        base_path,
        ..RequestObject::default()
    };
    match answer_streamed(service, object, body).await {
        Streamed::Whole(answer) => to_http(answer),
        Streamed::Head { head, ready, rest } => with_head(
            head,
            Reply::Streaming {
                ready: Some(ready),
                rest,
                ended: false,
            },
        ),
    }
}

fn to_http<B>(answer: ResponseObject) -> Response<Reply<B>> {
    let body = Bytes::copy_from_slice(answer.body.as_bytes());
    with_head(answer, Reply::Whole(Full::new(body)))
}

/// A response with `head`'s status and headers (its own body unused) and `body`.
fn with_head<B>(head: ResponseObject, body: Reply<B>) -> Response<Reply<B>> {
    let mut response = Response::new(body);
    *response.status_mut() =
        http::StatusCode::from_u16(head.status_code).unwrap_or(http::StatusCode::OK);
    *response.headers_mut() = head.headers;
    response
}

/// What the server sends: a whole body (its length known), or the bytes that were ready at
/// once and then the rest of the service's body, frame by frame as it comes.
enum Reply<B> {
    Whole(Full<Bytes>),
    Streaming {
        ready: Option<Bytes>,
        rest: Pin<Box<B>>,
        /// Set after an error or a panic: nothing more is read from `rest`.
        ended: bool,
    },
}

impl<B> http_body::Body for Reply<B>
where
    B: http_body::Body,
    B::Error: Display,
{
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            Reply::Whole(full) => Pin::new(full)
                .poll_frame(cx)
                .map_err(|never| match never {}),
            Reply::Streaming { ended: true, .. } => Poll::Ready(None),
            Reply::Streaming {
                ready, rest, ended, ..
            } => {
                if let Some(bytes) = ready.take().filter(|b| !b.is_empty()) {
                    return Poll::Ready(Some(Ok(Frame::data(bytes))));
                }
                // A panic while the service produces its body ends this response with an error
                // (the connection closes without a clean last chunk), not the server. The body
                // is not polled again after it.
                let polled =
                    std::panic::catch_unwind(AssertUnwindSafe(|| rest.as_mut().poll_frame(cx)));
                let failed = |ended: &mut bool, why: String| {
                    *ended = true;
                    Poll::Ready(Some(Err(io::Error::other(why))))
                };
                match polled {
                    Ok(Poll::Ready(Some(Ok(frame)))) => Poll::Ready(Some(Ok(
                        frame.map_data(|mut data| data.copy_to_bytes(data.remaining()))
                    ))),
                    Ok(Poll::Ready(Some(Err(error)))) => {
                        failed(ended, format!("the response body failed: {error}"))
                    }
                    Ok(Poll::Ready(None)) => Poll::Ready(None),
                    Ok(Poll::Pending) => Poll::Pending,
                    Err(_) => failed(ended, "the service panicked while sending its body".into()),
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Reply::Whole(full) => full.is_end_stream(),
            Reply::Streaming { ended, .. } => *ended,
        }
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match self {
            Reply::Whole(full) => full.size_hint(),
            Reply::Streaming { .. } => http_body::SizeHint::default(),
        }
    }
}
