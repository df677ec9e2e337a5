use std::fmt::Display;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use bytes::{BufMut as _, Bytes, BytesMut};
use http::{Request, Response, StatusCode};
use http_body::Body as HttpBody;
use http_body_util::BodyExt;
use tower_service::Service;

use crate::{Body, RequestBody, RequestObject, ResponseObject};

/// Runs one request through `service` and answers in Genezio's terms. A service error or a body
/// that fails mid-way answers 500 with the error's message.
pub async fn call<S, B>(service: S, request: Request<Body>) -> ResponseObject
where
    S: Service<Request<Body>, Response = Response<B>>,
    S::Error: Display,
    B: http_body::Body,
    B::Error: Display,
{
    let (parts, body) = match respond(service, request).await {
        Ok(response) => response.into_parts(),
        Err(failed) => return failed,
    };
    match body.collect().await {
        Ok(collected) => {
            ResponseObject::from_http(Response::from_parts(parts, collected.to_bytes()))
        }
        Err(e) => failed("response body error", &e),
    }
}

/// The service's response to `request`, or the 500 that says why there is none.
async fn respond<S, B>(
    mut service: S,
    request: Request<Body>,
) -> Result<Response<B>, ResponseObject>
where
    S: Service<Request<Body>, Response = Response<B>>,
    S::Error: Display,
{
    if let Err(e) = poll_fn(|cx| service.poll_ready(cx)).await {
        return Err(failed("service not ready", &e));
    }
    service
        .call(request)
        .await
        .map_err(|e| failed("service error", &e))
}

/// A 500 saying what failed.
fn failed(what: &str, e: &dyn Display) -> ResponseObject {
    ResponseObject::error(StatusCode::INTERNAL_SERVER_ERROR, &format!("{what}: {e}"))
}

/// A service's answer as it comes, for a platform that can send a body while it is produced.
#[derive(Debug)]
pub enum Streamed<B> {
    /// The whole answer: the body was complete at once (the common case), or the call failed.
    Whole(ResponseObject),
    /// The head (its body empty), the body's bytes that were ready at once, and the rest of the
    /// body, to send frame by frame as it comes (`axum::response::Sse`, `Body::from_stream`).
    Head {
        head: ResponseObject,
        ready: Bytes,
        rest: Pin<Box<B>>,
    },
}

/// [`call`], for a platform that streams: the same meaning and errors, but a body that is not
/// complete at once comes back as [`Streamed::Head`] instead of being waited for. Its frames
/// that are ready without waiting are taken first, so a body that is whole (`Full`, a `String`)
/// answers [`Streamed::Whole`] exactly as [`call`] does.
pub async fn call_streamed<S, B>(service: S, request: Request<Body>) -> Streamed<B>
where
    S: Service<Request<Body>, Response = Response<B>>,
    S::Error: Display,
    B: HttpBody,
    B::Error: Display,
{
    let (parts, body) = match respond(service, request).await {
        Ok(response) => response.into_parts(),
        Err(failed) => return Streamed::Whole(failed),
    };
    let mut body = Box::pin(body);
    let mut ready = Ready::default();
    // Without a waker that matters: a frame that is not ready is polled again by whoever sends
    // the rest, with theirs.
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        match body.as_mut().poll_frame(&mut cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    ready.push(data);
                }
                // A body that goes on yielding at once is sent as it comes past this, at the
                // pace its client reads, rather than held whole.
                if ready.len() > READY_LIMIT && !body.is_end_stream() {
                    break;
                }
            }
            Poll::Ready(Some(Err(e))) => return Streamed::Whole(failed("response body error", &e)),
            Poll::Ready(None) => {
                return Streamed::Whole(ResponseObject::from_http(Response::from_parts(
                    parts,
                    ready.into_bytes(),
                )))
            }
            Poll::Pending => break,
        }
    }
    Streamed::Head {
        head: ResponseObject::from_http(Response::from_parts(parts, Bytes::new())),
        ready: ready.into_bytes(),
        rest: body,
    }
}

/// The most of a body's ready bytes [`call_streamed`] gathers before it streams the rest.
const READY_LIMIT: usize = 1024 * 1024;

/// The body's bytes that were ready: one frame kept as it is (a whole body's usual case, no
/// copy), several joined.
#[derive(Default)]
struct Ready {
    first: Option<Bytes>,
    more: Option<BytesMut>,
}

impl Ready {
    fn push(&mut self, mut data: impl bytes::Buf) {
        let data = data.copy_to_bytes(data.remaining());
        match (&mut self.first, &mut self.more) {
            (None, _) => self.first = Some(data),
            (Some(first), None) => {
                let mut joined = BytesMut::from(&first[..]);
                joined.put(data);
                self.more = Some(joined);
            }
            (Some(_), Some(joined)) => joined.put(data),
        }
    }

    fn len(&self) -> usize {
        match (&self.first, &self.more) {
            (_, Some(joined)) => joined.len(),
            (Some(first), None) => first.len(),
            (None, None) => 0,
        }
    }

    fn into_bytes(self) -> Bytes {
        match (self.first, self.more) {
            (_, Some(joined)) => joined.freeze(),
            (Some(first), None) => first,
            (None, None) => Bytes::new(),
        }
    }
}

/// [`call_streamed`] for a request object, as [`call_object`] is for [`call`].
pub async fn call_object_streamed<S, B>(
    service: S,
    object: RequestObject,
    body: impl Into<RequestBody>,
) -> Streamed<B>
where
    S: Service<Request<Body>, Response = Response<B>>,
    S::Error: Display,
    B: HttpBody,
    B::Error: Display,
{
    match object.into_http_with(body.into()) {
        Ok(request) => call_streamed(service, request).await,
        Err(err) => Streamed::Whole(err.into()),
    }
}

/// [`call`] for a request object (its `rawBody` possibly apart, see
/// [`RequestObject::into_http_with_raw_body`]): a request object that is not a valid HTTP request answers
/// 400 without reaching the service.
pub async fn call_object<S, B>(
    service: S,
    object: RequestObject,
    body: impl Into<RequestBody>,
) -> ResponseObject
where
    S: Service<Request<Body>, Response = Response<B>>,
    S::Error: Display,
    B: http_body::Body,
    B::Error: Display,
{
    match object.into_http_with(body.into()) {
        Ok(request) => call(service, request).await,
        Err(err) => err.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ResponseBody;
    use axum::{extract::Path, routing::get, Router};

    #[tokio::test]
    async fn routes_see_the_path_without_class_and_method() {
        let app = Router::new().route(
            "/users/{id}",
            get(|Path(id): Path<u32>| async move { format!("user {id}") }),
        );
        let object =
            RequestObject::from_json(r#"{"http":{"method":"GET","path":"/Hello/api/users/7"}}"#)
                .unwrap();
        let answer = call_object(app.clone(), object, None).await;
        assert_eq!(answer.status_code, 200);
        assert_eq!(answer.body, ResponseBody::Text("user 7".into()));

        let object =
            RequestObject::from_json(r#"{"http":{"method":"GET","path":"/Hello/api/nope"}}"#)
                .unwrap();
        assert_eq!(call_object(app, object, None).await.status_code, 404);
    }

    #[tokio::test]
    async fn a_whole_body_answers_whole_and_a_body_still_coming_answers_its_head_first() {
        use futures_util::StreamExt as _;
        let app = Router::new()
            .route("/whole", get(|| async { "all at once" }))
            .route(
                "/later",
                get(|| async {
                    let first = futures_util::stream::once(async {
                        Ok::<_, std::io::Error>(Bytes::from_static(b"first;"))
                    });
                    let later = futures_util::stream::once(async {
                        tokio::task::yield_now().await;
                        Ok::<_, std::io::Error>(Bytes::from_static(b"later"))
                    });
                    (
                        [("content-type", "text/event-stream")],
                        axum::body::Body::from_stream(first.chain(later)),
                    )
                }),
            );
        let request = |path: &str| {
            RequestObject::from_json(format!(
                r#"{{"http":{{"method":"GET","path":"/Hello/api{path}"}}}}"#
            ))
            .unwrap()
        };
        match call_object_streamed(app.clone(), request("/whole"), None).await {
            Streamed::Whole(answer) => {
                assert_eq!(answer.body, ResponseBody::Text("all at once".into()))
            }
            Streamed::Head { .. } => panic!("a whole body was streamed"),
        }
        match call_object_streamed(app, request("/later"), None).await {
            Streamed::Head { head, ready, rest } => {
                assert_eq!(head.status_code, 200);
                assert_eq!(head.headers["content-type"], "text/event-stream");
                assert_eq!(head.body, ResponseBody::Text(String::new()));
                assert_eq!(&ready[..], b"first;");
                let rest = rest.collect().await.ok().unwrap().to_bytes();
                assert_eq!(&rest[..], b"later");
            }
            Streamed::Whole(answer) => panic!("answered whole: {answer:?}"),
        }
    }

    #[tokio::test]
    async fn a_long_body_ready_at_once_is_streamed_past_a_mebibyte_and_a_whole_one_is_not() {
        let frame = || Ok::<_, std::io::Error>(Bytes::from(vec![b'x'; 512 * 1024]));
        let app = Router::new()
            .route(
                "/ready-stream",
                get(move || async move {
                    let frames = futures_util::stream::iter([frame(), frame(), frame(), frame()]);
                    axum::body::Body::from_stream(frames)
                }),
            )
            .route("/whole", get(|| async { vec![b'x'; 2 * 1024 * 1024] }));
        let request = |path: &str| {
            RequestObject::from_json(format!(
                r#"{{"http":{{"method":"GET","path":"/Hello/api{path}"}}}}"#
            ))
            .unwrap()
        };
        match call_object_streamed(app.clone(), request("/ready-stream"), None).await {
            Streamed::Head { ready, rest, .. } => {
                assert!(ready.len() > READY_LIMIT && ready.len() < 2 * READY_LIMIT);
                let rest = rest.collect().await.ok().unwrap().to_bytes();
                assert_eq!(ready.len() + rest.len(), 2 * 1024 * 1024);
            }
            Streamed::Whole(_) => panic!("4 frames of 512 KiB ready at once were held whole"),
        }
        match call_object_streamed(app, request("/whole"), None).await {
            Streamed::Whole(answer) => assert_eq!(answer.body.as_bytes().len(), 2 * 1024 * 1024),
            Streamed::Head { .. } => panic!("a whole body of 2 MiB was streamed"),
        }
    }

    #[tokio::test]
    async fn an_invalid_object_never_reaches_the_service() {
        let app =
            Router::new().fallback(|| async { unreachable!("must not be called") as &'static str });
        let object = RequestObject::from_json(r#"{"headers":{}}"#).unwrap();
        let answer = call_object(app, object, None).await;
        assert_eq!(answer.status_code, 400);
        assert!(String::from_utf8_lossy(answer.body.as_bytes()).contains("no `http` section"));
    }
}
