//! Outbound HTTP over `http` types: Node's `fetch` in wasm mode, reqwest (rustls) natively.
//! Bodies are bytes both ways; a request that cannot be made is an error, never a panic.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};

/// Why a request got no response: the URL, and the host's or the network's reason.
#[derive(Debug, Clone)]
pub struct FetchError {
    url: String,
    reason: String,
}

impl FetchError {
    fn new(url: &str, reason: impl Into<String>) -> FetchError {
        FetchError {
            url: url.to_owned(),
            reason: reason.into(),
        }
    }

    /// The URL that was requested.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Why it failed (connection refused, name not resolved, ...).
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "request to {} failed: {}", self.url, self.reason)
    }
}

impl std::error::Error for FetchError {}

/// Sends `request` (its URI absolute: `https://host/path`) and returns the whole response.
pub async fn fetch(request: Request<Bytes>) -> Result<Response<Bytes>, FetchError> {
    // wasm32 has one thread, so the host's (non-Send) future can be sent nowhere: marking it
    // Send is sound, and lets it run in axum handlers.
    #[cfg(target_arch = "wasm32")]
    return send_wrapper::SendWrapper::new(imp::fetch(request)).await;
    #[cfg(not(target_arch = "wasm32"))]
    return imp::fetch(request).await;
}

/// [`fetch`] as a `tower::Service`, for middleware (timeouts, retries) and for tests to swap.
#[derive(Debug, Clone, Copy, Default)]
pub struct Client;

impl tower_service::Service<Request<Bytes>> for Client {
    type Response = Response<Bytes>;
    type Error = FetchError;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Bytes>, FetchError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), FetchError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        Box::pin(fetch(request))
    }
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use super::*;
    use wasm_bindgen::JsCast;

    pub async fn fetch(request: Request<Bytes>) -> Result<Response<Bytes>, FetchError> {
        let url = request.uri().to_string();
        let headers: Vec<(&str, &str)> = request
            .headers()
            .iter()
            .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
            .collect();
        let headers = serde_json::to_string(&headers).unwrap_or_else(|_| "[]".into());
        let body = (!request.body().is_empty()).then(|| request.body().to_vec());
        let promise = crate::host::fetch(request.method().as_str(), &url, &headers, body);
        let reply = wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .map_err(|error| {
                let reason = error
                    .dyn_ref::<js_sys::Error>()
                    .map(|e| String::from(e.message()))
                    .or_else(|| error.as_string())
                    .unwrap_or_else(|| "the host's fetch failed".into());
                FetchError::new(&url, reason)
            })?
            .unchecked_into::<crate::host::FetchReply>();
        let mut response = Response::builder().status(reply.status());
        let pairs: Vec<(String, String)> =
            serde_json::from_str(&reply.headers()).unwrap_or_default();
        for (name, value) in pairs {
            response = response.header(name, value);
        }
        response
            .body(Bytes::from(reply.body()))
            .map_err(|e| FetchError::new(&url, format!("invalid response: {e}")))
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::*;
    use std::sync::OnceLock;

    fn client() -> &'static reqwest::Client {
        static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
        CLIENT.get_or_init(reqwest::Client::new)
    }

    /// The error and its causes, as one line (reqwest's own message is only the first link).
    fn reason(error: &reqwest::Error) -> String {
        let mut reason = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            reason.push_str(": ");
            reason.push_str(&cause.to_string());
            source = cause.source();
        }
        reason
    }

    pub async fn fetch(request: Request<Bytes>) -> Result<Response<Bytes>, FetchError> {
        let url = request.uri().to_string();
        let request = reqwest::Request::try_from(request.map(reqwest::Body::from))
            .map_err(|e| FetchError::new(&url, reason(&e)))?;
        let response = client()
            .execute(request)
            .await
            .map_err(|e| FetchError::new(&url, reason(&e)))?;
        let mut builder = Response::builder().status(response.status());
        for (name, value) in response.headers() {
            builder = builder.header(name, value);
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| FetchError::new(&url, reason(&e)))?;
        builder
            .body(body)
            .map_err(|e| FetchError::new(&url, format!("invalid response: {e}")))
    }
}
