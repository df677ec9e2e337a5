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
    imp::fetch(request).await
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

    pub async fn fetch(request: Request<Bytes>) -> Result<Response<Bytes>, FetchError> {
        let url = request.uri().to_string();
        let headers: Vec<(&str, &str)> = request
            .headers()
            .iter()
            .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
            .collect();
        let head = serde_json::json!({
            "method": request.method().as_str(),
            "url": url,
            "headers": headers,
        });
        let reply = crate::host::fetch(head.to_string().as_bytes(), request.body())
            .await
            .map_err(|reason| FetchError::new(&url, reason))?;
        // The reply: the head's length (u32, little-endian), the head as JSON
        // (`{"status", "headers": [[name, value], ...]}`), then the body.
        let invalid =
            |why: &str| FetchError::new(&url, format!("invalid reply from the host: {why}"));
        let head_len = reply
            .get(..4)
            .map(|n| u32::from_le_bytes([n[0], n[1], n[2], n[3]]) as usize)
            .ok_or_else(|| invalid("too short"))?;
        let head_bytes = reply
            .get(4..4 + head_len)
            .ok_or_else(|| invalid("truncated"))?;
        #[derive(serde::Deserialize)]
        struct Head {
            status: u16,
            headers: Vec<(String, String)>,
        }
        let head: Head = serde_json::from_slice(head_bytes).map_err(|e| invalid(&e.to_string()))?;
        let body = Bytes::from(reply).slice(4 + head_len..);
        let mut response = Response::builder().status(head.status);
        for (name, value) in head.headers {
            response = response.header(name, value);
        }
        response
            .body(body)
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
