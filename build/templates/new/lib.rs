//! An HTTP service, built with `gzrs build`: for the web, a container or Genezio.

use axum::{extract::Path, routing::get, Json, Router};
use serde::Serialize;

#[derive(Serialize)]
struct Greeting {
    message: String,
}

/// The service. On Genezio it answers at `/<Class>/<method>/...`, elsewhere at `/`; these
/// routes see only `/...`.
pub fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "Hello from Rust!" }))
        .route(
            "/hello/{name}",
            get(|Path(name): Path<String>| async move { Json(Greeting { message: format!("Hello, {name}!") }) }),
        )
}
