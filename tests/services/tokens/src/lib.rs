//! axum's `examples/jwt` with `main` turned into `pub fn app()`, plus the routes a service
//! commonly has beside it: a compressed listing (tower-http's `compression-full`: gzip, br,
//! deflate, zstd), SHA-256 digests with ring, and a key-value store behind a body limit.
//!
//! Example usage, as in axum's example:
//!
//! ```text
//! curl -s -X POST -H 'Content-Type: application/json' \
//!     -d '{"client_id":"foo","client_secret":"bar"}' http://localhost:3000/authorize
//! curl -s -H 'Authorization: Bearer <token>' http://localhost:3000/protected
//! ```

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::{Arc, LazyLock, RwLock};

use axum::{
    body::Bytes,
    extract::{DefaultBodyLimit, FromRequestParts, Path, State},
    http::{request::Parts, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    handler::Handler,
    routing::{get, post},
    Json, RequestPartsExt, Router,
};
use axum_extra::{
    headers::{authorization::Bearer, Authorization},
    TypedHeader,
};
use jsonwebtoken::{decode, encode, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tower_http::{compression::CompressionLayer, limit::RequestBodyLimitLayer};

static KEYS: LazyLock<Keys> = LazyLock::new(|| {
    // The example reads JWT_SECRET from the environment; a fixed one keeps tokens comparable.
    let secret = std::env::var("JWT_SECRET").unwrap_or_else(|_| "a secret for the tests".into());
    Keys::new(secret.as_bytes())
});

type Store = Arc<RwLock<HashMap<String, Bytes>>>;

pub fn app() -> Router {
    let store = Store::default();
    Router::new()
        .route("/protected", get(protected))
        .route("/authorize", post(authorize))
        .route("/catalogue", get(catalogue))
        .route("/sha256", post(sha256))
        .route(
            "/kv/{key}",
            // As axum's key-value-store example: tower-http's limit instead of axum's.
            get(kv_get).post(kv_set.layer((
                DefaultBodyLimit::disable(),
                RequestBodyLimitLayer::new(1024 * 5_000),
            ))),
        )
        .with_state(store)
        .layer(CompressionLayer::new())
}

async fn protected(claims: Claims) -> Result<String, AuthError> {
    Ok(format!(
        "Welcome to the protected area :)\nYour data:\n{claims}",
    ))
}

async fn authorize(Json(payload): Json<AuthPayload>) -> Result<Json<AuthBody>, AuthError> {
    if payload.client_id.is_empty() || payload.client_secret.is_empty() {
        return Err(AuthError::MissingCredentials);
    }
    if payload.client_id != "foo" || payload.client_secret != "bar" {
        return Err(AuthError::WrongCredentials);
    }
    let claims = Claims {
        sub: "b@b.com".to_owned(),
        company: "ACME".to_owned(),
        // Mandatory expiry time as UTC timestamp: 2033-05-18, within a 32-bit usize.
        exp: 2_000_000_000,
    };
    let token = encode(&Header::default(), &claims, &KEYS.encoding)
        .map_err(|_| AuthError::TokenCreation)?;
    Ok(Json(AuthBody::new(token)))
}

/// Text that compresses well, long enough for every encoder to be worth it.
async fn catalogue() -> Json<serde_json::Value> {
    let items: Vec<_> = (0..200)
        .map(|i| json!({"id": i, "name": format!("item number {i}"), "in_stock": i % 3 != 0}))
        .collect();
    Json(json!({ "items": items }))
}

async fn sha256(body: Bytes) -> String {
    ring::digest::digest(&ring::digest::SHA256, &body)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn kv_get(Path(key): Path<String>, State(store): State<Store>) -> Result<Bytes, StatusCode> {
    store.read().unwrap().get(&key).cloned().ok_or(StatusCode::NOT_FOUND)
}

/// Stores the body; says so only when the body is what `content-length` announced.
async fn kv_set(
    Path(key): Path<String>,
    State(store): State<Store>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    if let Some(length) = headers.get("content-length") {
        if length.to_str().ok() != Some(bytes.len().to_string().as_str()) {
            let message = format!("content-length {length:?}, but the body has {} bytes", bytes.len());
            return (StatusCode::BAD_REQUEST, message).into_response();
        }
    }
    store.write().unwrap().insert(key, bytes);
    "stored".into_response()
}

impl Display for Claims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Email: {}\nCompany: {}", self.sub, self.company)
    }
}

impl AuthBody {
    fn new(access_token: String) -> Self {
        Self {
            access_token,
            token_type: "Bearer".to_string(),
        }
    }
}

impl<S> FromRequestParts<S> for Claims
where
    S: Send + Sync,
{
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let TypedHeader(Authorization(bearer)) = parts
            .extract::<TypedHeader<Authorization<Bearer>>>()
            .await
            .map_err(|_| AuthError::InvalidToken)?;
        let token_data = decode::<Claims>(bearer.token(), &KEYS.decoding, &Validation::default())
            .map_err(|_| AuthError::InvalidToken)?;
        Ok(token_data.claims)
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let (status, error_message) = match self {
            AuthError::WrongCredentials => (StatusCode::UNAUTHORIZED, "Wrong credentials"),
            AuthError::MissingCredentials => (StatusCode::BAD_REQUEST, "Missing credentials"),
            AuthError::TokenCreation => (StatusCode::INTERNAL_SERVER_ERROR, "Token creation error"),
            AuthError::InvalidToken => (StatusCode::BAD_REQUEST, "Invalid token"),
        };
        let body = Json(json!({ "error": error_message }));
        (status, body).into_response()
    }
}

struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl Keys {
    fn new(secret: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    company: String,
    exp: usize,
}

#[derive(Debug, Serialize)]
struct AuthBody {
    access_token: String,
    token_type: String,
}

#[derive(Debug, Deserialize)]
struct AuthPayload {
    client_id: String,
    client_secret: String,
}

#[derive(Debug)]
enum AuthError {
    WrongCredentials,
    MissingCredentials,
    TokenCreation,
    InvalidToken,
}
