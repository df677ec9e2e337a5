//! A gzrs service that uses what its host provides: environment variables, outbound HTTP, the
//! wall clock, randomness and timers, and logs a line per request. The same code runs in wasm
//! mode and in native mode.

use std::time::Duration;

use axum::{
    extract::{Path, Query, Request},
    http::{header, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use serde::Deserialize;

pub fn app() -> Router {
    tracing::info!("outbound: building the service");
    Router::new()
        .route("/env/{name}", get(env))
        .route("/fetch", get(fetch))
        .route(
            "/now",
            get(|| async { gzrs_platform::time::unix_millis().to_string() }),
        )
        .route("/random", get(random))
        .route("/sleep/{ms}", get(sleep))
        .layer(middleware::from_fn(log_request))
}

/// `GET /env/{name}`: the variable's value, 404 if it is unset.
async fn env(Path(name): Path<String>) -> Response {
    match gzrs_platform::env::var(&name) {
        Some(value) => value.into_response(),
        None => (StatusCode::NOT_FOUND, format!("{name} is not set")).into_response(),
    }
}

#[derive(Deserialize)]
struct Target {
    url: String,
}

/// `GET /fetch?url=U`: GETs U and answers with the upstream's status, content type and body.
async fn fetch(Query(Target { url }): Query<Target>) -> Response {
    let request = match http::Request::get(&url).body(bytes::Bytes::new()) {
        Ok(request) => request,
        Err(e) => {
            return (StatusCode::BAD_REQUEST, format!("bad url {url:?}: {e}")).into_response()
        }
    };
    match gzrs_platform::fetch(request).await {
        Ok(upstream) => {
            let (parts, body) = upstream.into_parts();
            let mut response = (parts.status, body).into_response();
            if let Some(content_type) = parts.headers.get(header::CONTENT_TYPE) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_TYPE, content_type.clone());
            }
            response
        }
        Err(error) => {
            tracing::warn!("{error}");
            (StatusCode::BAD_GATEWAY, error.to_string()).into_response()
        }
    }
}

/// `GET /random`: 16 random bytes as 32 hex characters.
async fn random() -> Response {
    let mut bytes = [0u8; 16];
    match getrandom::fill(&mut bytes) {
        Ok(()) => bytes
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
            .into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("no randomness: {e}"),
        )
            .into_response(),
    }
}

/// `GET /sleep/{ms}`: waits, without blocking other requests, then answers `slept {ms}`.
async fn sleep(Path(ms): Path<u64>) -> String {
    gzrs_platform::sleep(Duration::from_millis(ms)).await;
    format!("slept {ms}")
}

/// One log line per request, with its status and time.
async fn log_request(request: Request, next: Next) -> Response {
    let (method, uri) = (request.method().clone(), request.uri().clone());
    let started = gzrs_platform::time::Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        "{method} {uri} -> {} in {:?}",
        response.status().as_u16(),
        started.elapsed()
    );
    response
}
