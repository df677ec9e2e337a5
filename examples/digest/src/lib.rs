//! A gzrs service whose dependencies compile C code: SHA-256 digests with `ring`.

use axum::{body::Bytes, routing::get, routing::post, Router};
use ring::digest::{digest, SHA256};

/// `POST /sha256` answers the body's SHA-256 in hex.
pub fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "POST a body to /sha256" }))
        .route(
            "/sha256",
            post(|body: Bytes| async move {
                digest(&SHA256, &body)
                    .as_ref()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            }),
        )
}
