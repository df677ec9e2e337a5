//! The smallest useful gzrs service: an ordinary axum router, nothing Genezio-specific in it.

use axum::{
    extract::{Path, Query},
    routing::{get, post},
    Json, Router,
};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Greeting {
    greeting: Option<String>,
}

#[derive(Serialize)]
struct Echo {
    length: usize,
    text: String,
}

/// The service gzrs serves: `/<Class>/<method>/...` on Genezio becomes `/...` here.
pub fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "Hello from Rust on Genezio!" }))
        .route(
            "/hello/{name}",
            get(
                |Path(name): Path<String>, Query(q): Query<Greeting>| async move {
                    format!("{}, {name}!", q.greeting.as_deref().unwrap_or("Hello"))
                },
            ),
        )
        .route(
            "/echo",
            post(|body: String| async move {
                Json(Echo {
                    length: body.len(),
                    text: body,
                })
            }),
        )
}
