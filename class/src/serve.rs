//! The class and its HTTP service as one `tower::Service`: what gzrs's generated entries run, so
//! a typed method's call travels every mode's path (wasm, the sidecar, the trap) as an HTTP
//! request does, with the same limits and the same panic recovery.
//!
//! A request carrying gzrs-core's [`MethodCall`] extension (set only by gzrs: a JSON-RPC call or
//! a cron event, its body the JSON arguments) runs that method and answers `200` with
//! `{"result": ...}`, `{}` for a method that answers nothing, or `{"error": "<message>"}`; any
//! other request goes to the HTTP service.

use std::convert::Infallible;
use std::fmt::{self, Display};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use bytes::Bytes;
use gzrs_core::rpc::{Endpoint, RpcEndpoint};
use gzrs_core::{Body, MethodCall};
use http::{Request, Response, StatusCode};
use http_body_util::combinators::MapErr;
use http_body_util::{BodyExt, Either, Full};
use serde_json::{json, Value};
use tower_service::Service;

use crate::Class;

/// The body every answer has: the HTTP service's (`B`), or a call's JSON.
pub type AnswerBody<B> =
    Either<MapErr<B, fn(<B as http_body::Body>::Error) -> String>, Full<Bytes>>;

/// `class`'s typed methods beside the HTTP service `http`.
pub fn serve<C: Class, S>(class: C, http: S) -> Served<C, S> {
    Served {
        class: Rc::new(class),
        http,
    }
}

/// `class`'s typed methods alone: an HTTP request answers 404.
pub fn serve_methods<C: Class>(class: C) -> Served<C, NoHttp> {
    serve(class, NoHttp)
}

/// See [`serve`].
pub struct Served<C, S> {
    class: Rc<C>,
    http: S,
}

impl<C, S: Clone> Clone for Served<C, S> {
    fn clone(&self) -> Self {
        Self {
            class: self.class.clone(),
            http: self.http.clone(),
        }
    }
}

impl<C: Class, S> fmt::Debug for Served<C, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Served").field("class", &C::NAME).finish()
    }
}

impl<C, S, B> Service<Request<Body>> for Served<C, S>
where
    C: Class,
    S: Service<Request<Body>, Response = Response<B>> + Clone + 'static,
    S::Future: 'static,
    B: http_body::Body<Data = Bytes> + 'static,
    B::Error: Display,
{
    type Response = Response<AnswerBody<B>>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>>>>;

    /// Always ready: the HTTP service is made ready when a request is for it.
    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let class = self.class.clone();
        let Some(MethodCall(method)) = request.extensions().get::<MethodCall>().cloned() else {
            let mut http = self.http.clone();
            let endpoint = request.extensions().get::<RpcEndpoint>().is_some()
                && request.uri().path().strip_prefix('/') == Some(C::NAME);
            return Box::pin(async move {
                let request = if endpoint {
                    match json_rpc::<C>(&class, request).await {
                        Ok(answer) => return Ok(answer.map(|b| Either::Right(Full::new(b)))),
                        Err(request) => request,
                    }
                } else {
                    request
                };
                poll_fn(|cx| http.poll_ready(cx)).await?;
                let response = http.call(request).await?;
                let to_text: fn(B::Error) -> String = |e| e.to_string();
                Ok(response.map(|body| Either::Left(body.map_err(to_text))))
            });
        };
        Box::pin(async move {
            let answer = match arguments(request).await {
                Ok(params) => run::<C>(&class, &method, params).await,
                Err(message) => json!({ "error": message }).to_string(),
            };
            Ok(json_response(answer).map(|b| Either::Right(Full::new(b))))
        })
    }
}

/// Runs `method`: `{"result": ...}` with the result's text as the method wrote it (its fields
/// in order), `{}` for a method that answers nothing (JavaScript's `undefined`, which JSON
/// leaves out), or `{"error": "<message>"}`.
async fn run<C: Class>(class: &C, method: &str, params: Vec<Value>) -> String {
    match class.call(method, params).await {
        Ok(_)
            if C::METHODS
                .iter()
                .any(|m| m.name == method && m.returns_nothing) =>
        {
            "{}".to_owned()
        }
        Ok(result) => format!("{{\"result\":{result}}}"),
        Err(error) => json!({ "error": error.message }).to_string(),
    }
}

fn json_response(body: String) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(body));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

/// The answer to a JSON-RPC request whose body could not be read: 413 when it went past the
/// body limit, 400 otherwise.
fn unreadable_body(error: &(dyn std::error::Error + 'static)) -> Response<Bytes> {
    let mut response = json_response(
        json!({ "error": format!("the request body could not be read: {error}") }).to_string(),
    );
    *response.status_mut() = if error.is::<http_body_util::LengthLimitError>() {
        StatusCode::PAYLOAD_TOO_LARGE
    } else {
        StatusCode::BAD_REQUEST
    };
    response
}

/// A request to `/<Class>` where the platform serves JSON-RPC beside the routes: the call's
/// answer in Genezio's envelope, or the request back (rebuilt, its body read) when it is not a
/// JSON-RPC call, for the HTTP service.
async fn json_rpc<C: Class>(
    class: &C,
    request: Request<Body>,
) -> Result<Response<Bytes>, Request<Body>> {
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) => return Ok(unreadable_body(&*error)),
    };
    let methods: Vec<&str> = C::METHODS.iter().map(|m| m.name).collect();
    match gzrs_core::rpc::request(&parts.method, &body, C::NAME, &methods) {
        None => Err(Request::from_parts(parts, Body::new(body))),
        Some(Endpoint::Answer(answer)) => Ok(answer),
        Some(Endpoint::Call { id, name, params }) => {
            let answer = match serde_json::from_str::<Vec<Value>>(&params) {
                Ok(params) => run::<C>(class, &name, params).await,
                Err(e) => {
                    json!({ "error": format!("the call's arguments are not a JSON array: {e}") })
                        .to_string()
                }
            };
            let object = gzrs_core::ResponseObject::from_http(json_response(answer));
            Ok(gzrs_core::rpc::response(id, &object))
        }
    }
}

/// A call's arguments: its body, a JSON array (empty for no body).
async fn arguments(request: Request<Body>) -> Result<Vec<Value>, String> {
    let body = match request.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) => return Err(format!("the call's arguments could not be read: {error}")),
    };
    if body.is_empty() {
        return Ok(Vec::new());
    }
    serde_json::from_slice(&body)
        .map_err(|e| format!("the call's arguments are not a JSON array: {e}"))
}

/// The HTTP side of a class that has none: every HTTP request answers 404.
#[derive(Debug, Clone, Copy)]
pub struct NoHttp;

impl Service<Request<Body>> for NoHttp {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<Body>) -> Self::Future {
        let mut response = Response::new(Full::new(Bytes::from_static(
            br#"{"error":"this class has typed methods only: call them with JSON-RPC (its generated SDK)"}"#,
        )));
        *response.status_mut() = StatusCode::NOT_FOUND;
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        std::future::ready(Ok(response))
    }
}
