//! One HTTP request through the service: hyper's request, its body streaming in behind the
//! service's limit, goes through gzrs-core ([`gzrs_core::request::received`], then the same call
//! as in the trap and the sidecar), so the limits, panic recovery and meaning are the same.
//! hyper's own extensions ride along (an upgrade's handle, so axum's `WebSocketUpgrade` works),
//! and the HTTP version is kept. The answer goes back whole, or frame by frame as the service
//! produces it ([`Reply`]).

use std::fmt::Display;
use std::io;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf as _, Bytes};
use gzrs_core::{limits, Body, RequestBody, ResponseObject, Streamed};
use http::{Request, Response};
use http_body::Frame;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use tower_service::Service;

use super::timeouts::Busy;
use crate::serve::answer_streamed;

/// One HTTP request through the service, as gzrs-core gives it its meaning. `busy` marks the
/// connection busy until the answer's body has gone (or is dropped).
pub(super) async fn handle<S, B>(
    service: S,
    request: Request<Incoming>,
    base_path: Option<Arc<str>>,
    limit: usize,
    busy: Busy,
) -> Response<Reply<B>>
where
    S: Service<Request<Body>, Response = Response<B>> + Clone + 'static,
    S::Error: Display,
    B: http_body::Body + 'static,
    B::Error: Display,
{
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        // Read to one byte past the limit, unkept, so a client still sending gets the answer
        // rather than a reset connection.
        let _ = Limited::new(body, limit + 1).collect().await;
        return to_http(limits::body_over_limit(limit).into(), busy);
    }
    // The body reaches the service as it arrives, as under `axum::serve`; one that goes past the
    // limit ends with the error axum's extractors answer 413 for.
    let body = if declared == Some(0) || http_body::Body::is_end_stream(&body) {
        RequestBody::Raw(declared.map(|_| Bytes::new()))
    } else {
        RequestBody::Streaming(Body::streaming(body, limit))
    };
    let request = match gzrs_core::request::received(parts, body, base_path.as_deref()) {
        Ok(request) => request,
        Err(error) => return to_http(error.into(), busy),
    };
    match answer_streamed(service, request).await {
        Streamed::Whole(answer) => {
            if answer.status_code == 101 {
                busy.upgraded();
            }
            to_http(answer, busy)
        }
        Streamed::Head { head, ready, rest } => with_head(
            head.status_code,
            head.headers,
            Reply {
                kind: Kind::Streaming {
                    ready: Some(ready),
                    rest,
                    ended: false,
                },
                _busy: busy,
            },
        ),
    }
}

fn to_http<B>(answer: ResponseObject, busy: Busy) -> Response<Reply<B>> {
    let ResponseObject {
        status_code,
        headers,
        body,
    } = answer;
    with_head(
        status_code,
        headers,
        Reply {
            kind: Kind::Whole(Full::new(body.into_bytes())),
            _busy: busy,
        },
    )
}

fn with_head<B>(status: u16, headers: http::HeaderMap, body: Reply<B>) -> Response<Reply<B>> {
    let mut response = Response::new(body);
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    *response.headers_mut() = headers;
    response
}

/// What the server sends: a whole body (its length known), or the bytes that were ready at
/// once and then the rest of the service's body, frame by frame as it comes. The connection is
/// busy while it lives.
pub(super) struct Reply<B> {
    kind: Kind<B>,
    _busy: Busy,
}

enum Kind<B> {
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
        match &mut self.get_mut().kind {
            Kind::Whole(full) => Pin::new(full)
                .poll_frame(cx)
                .map_err(|never| match never {}),
            Kind::Streaming { ended: true, .. } => Poll::Ready(None),
            Kind::Streaming {
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
        match &self.kind {
            Kind::Whole(full) => full.is_end_stream(),
            Kind::Streaming { ended, .. } => *ended,
        }
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match &self.kind {
            Kind::Whole(full) => full.size_hint(),
            Kind::Streaming { .. } => http_body::SizeHint::default(),
        }
    }
}
