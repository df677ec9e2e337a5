//! Std's clocks, environment and stdout, plus chrono, time, rand, uuid and tokio's timers, used
//! the ordinary way: nothing here knows about gzrs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::{extract::Path, http::StatusCode, routing::get, Json, Router};
use serde_json::{json, Value};

static PRINTED: AtomicU64 = AtomicU64::new(0);

pub fn app() -> Router {
    println!("clocks: starting at {:?}", SystemTime::now());
    Router::new()
        .route("/now", get(now))
        .route("/order", get(|| async { Json(json!({"service": "clocks", "ok": true, "answer": 42})) }))
        .route("/env/{name}", get(env_var))
        .route("/env-count", get(|| async { Json(json!({"some": std::env::vars().count() > 0})) }))
        .route("/print", get(print))
        .route("/ids", get(ids))
        .route("/random", get(random))
        .route("/sleep/{ms}", get(sleep))
        .route("/timeout", get(timeout))
        .route("/spawn", get(spawn))
        .route("/interval", get(interval))
}

async fn now() -> Json<Value> {
    let unix_ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
    let time = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    Json(json!({
        "unix_ms": unix_ms,
        "chrono": chrono::Utc::now().to_rfc3339(),
        "time": time,
    }))
}

async fn env_var(Path(name): Path<String>) -> Result<String, StatusCode> {
    std::env::var(&name).map_err(|_| StatusCode::NOT_FOUND)
}

async fn print() -> String {
    let n = PRINTED.fetch_add(1, Ordering::Relaxed);
    println!("clocks: printed line {n}");
    eprintln!("clocks: to stderr {n}");
    "printed".to_owned()
}

async fn ids() -> Json<Value> {
    Json(json!({"v4": uuid::Uuid::new_v4(), "v7": uuid::Uuid::now_v7()}))
}

async fn random() -> Json<Value> {
    let a: u64 = rand::random();
    let b: u64 = rand::random();
    Json(json!({"a": a, "b": b, "differ": a != b}))
}

async fn sleep(Path(ms): Path<u64>) -> Json<Value> {
    let started = Instant::now();
    tokio::time::sleep(Duration::from_millis(ms)).await;
    Json(json!({"at_least": started.elapsed() >= Duration::from_millis(ms)}))
}

async fn timeout() -> (StatusCode, &'static str) {
    match tokio::time::timeout(Duration::from_millis(50), tokio::time::sleep(Duration::from_secs(30))).await {
        Ok(()) => (StatusCode::OK, "finished"),
        Err(_) => (StatusCode::GATEWAY_TIMEOUT, "timed out"),
    }
}

async fn spawn() -> Json<Value> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let _ = sender.send(41);
    });
    let joined = tokio::spawn(async move { receiver.await.unwrap() + 1 }).await.unwrap();
    Json(json!({"joined": joined}))
}

async fn interval() -> Json<Value> {
    let mut ticks = tokio::time::interval(Duration::from_millis(10));
    let started = Instant::now();
    for _ in 0..4 {
        ticks.tick().await;
    }
    Json(json!({"ticks": 4, "at_least_30ms": started.elapsed() >= Duration::from_millis(30)}))
}
