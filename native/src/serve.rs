//! One request through the user's service, with panics turned into a 500.

use std::any::Any;
use std::fmt::Display;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use gzrs_core::{Body, RequestObject, ResponseObject};
use http::{Request, Response, StatusCode};
use tower_service::Service;

/// Answers one request object (its raw body possibly apart) with `service`. A panic, in `call`
/// or while the future runs, answers 500 with the panic's message, as the wasm mode does; the
/// panic hook has already logged where it happened.
pub async fn answer<S, B>(
    service: S,
    object: RequestObject,
    raw_body: Option<bytes::Bytes>,
) -> ResponseObject
where
    S: Service<Request<Body>, Response = Response<B>>,
    S::Error: Display,
    B: http_body::Body,
    B::Error: Display,
{
    unless_it_panics(
        gzrs_core::call_object(service, object, raw_body),
        |answer| answer,
    )
    .await
}

/// [`answer`] for a platform that streams, from a request already made: a body that is not
/// complete at once comes back as its head, the bytes ready so far and the rest (see
/// `gzrs_core::call_streamed`). A panic before the head answers 500 as in [`answer`]; one while
/// the rest is sent ends that body with an error (the HTTP server's body, which catches it).
#[cfg(feature = "server")]
pub async fn answer_streamed<S, B>(service: S, request: Request<Body>) -> gzrs_core::Streamed<B>
where
    S: Service<Request<Body>, Response = Response<B>>,
    S::Error: Display,
    B: http_body::Body,
    B::Error: Display,
{
    let call = gzrs_core::call_streamed(service, request);
    unless_it_panics(call, gzrs_core::Streamed::Whole).await
}

/// `future`'s output, or, if it panics, the 500 with the panic's message as `answer` makes it.
async fn unless_it_panics<T>(
    future: impl std::future::Future<Output = T>,
    answer: impl FnOnce(ResponseObject) -> T,
) -> T {
    // The service and request are dropped, not reused, after a panic: unwind safety holds.
    match AssertUnwindSafe(future).catch_unwind().await {
        Ok(output) => output,
        Err(payload) => answer(ResponseObject::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("the service panicked: {}", panic_message(&*payload)),
        )),
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(a panic with no message)")
}
