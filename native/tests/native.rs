//! The native entry's two front doors, driven as the class and Lambda drive them: events through
//! the trap's handler, frames over a real unix socket for the sidecar.

use axum::{extract::Path, routing::get, Router};
use gzrs_native::{lambda, sidecar};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

fn app() -> Router {
    Router::new()
        .route(
            "/hi/{name}",
            get(|Path(n): Path<String>| async move { format!("hi {n}") }),
        )
        .route("/panic", get(|| async { panic!("boom") as &'static str }))
        .route("/bytes", get(|| async { vec![0u8, 159, 146, 150] }))
}

const SVC: gzrs_native::Target<'static> = gzrs_native::Target {
    class: "Svc",
    http_method: "api",
    methods: &[],
};

fn event(method: &str, path: &str) -> String {
    json!({"requestContext": {"http": {"method": method, "path": path}}, "headers": {}}).to_string()
}

#[tokio::test]
async fn events_are_answered_like_genezio_and_a_panic_is_a_500() {
    let answer = lambda::handle(app(), &event("GET", "/Svc/api/hi/you"), &SVC).await;
    assert_eq!(answer["statusCode"], 200);
    assert_eq!(answer["body"], "hi you");

    let answer = lambda::handle(app(), &event("GET", "/Svc/api/panic"), &SVC).await;
    assert_eq!(answer["statusCode"], 500);
    let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["error"], "the service panicked: boom");

    let answer = lambda::handle(app(), &event("GET", "/Svc/other/hi/you"), &SVC).await;
    assert_eq!(answer["statusCode"], 404);
    let answer = lambda::handle(app(), "{\"headers\": 3}", &SVC).await;
    assert_eq!(answer["statusCode"], 400);
}

async fn read_reply(stream: &mut UnixStream) -> (u32, Value, Option<Vec<u8>>) {
    let mut header = [0u8; 12];
    stream.read_exact(&mut header).await.unwrap();
    let field = |i: usize| u32::from_le_bytes(header[i * 4..i * 4 + 4].try_into().unwrap());
    let mut head = vec![0; field(1) as usize];
    stream.read_exact(&mut head).await.unwrap();
    let binary = if field(2) == sidecar::NO_BODY {
        None
    } else {
        let mut body = vec![0; field(2) as usize];
        stream.read_exact(&mut body).await.unwrap();
        Some(body)
    };
    (field(0), serde_json::from_slice(&head).unwrap(), binary)
}

#[tokio::test]
async fn the_sidecar_answers_frames_in_any_order_and_survives_panics_and_garbage() {
    let (mut class, service_end) = UnixStream::pair().unwrap();
    let local = tokio::task::LocalSet::new();
    let served = local.spawn_local(sidecar::serve(app(), service_end));
    local
        .run_until(async move {
            let meta = |path: &str| json!({"http": {"method": "GET", "path": path}}).to_string();
            let mut frames = Vec::new();
            frames.extend(sidecar::encode_frame(7, meta("/S/m/hi/a").as_bytes(), None));
            frames.extend(sidecar::encode_frame(
                8,
                meta("/S/m/panic").as_bytes(),
                None,
            ));
            frames.extend(sidecar::encode_frame(9, b"not json", Some(b"x")));
            frames.extend(sidecar::encode_frame(
                10,
                meta("/S/m/bytes").as_bytes(),
                Some(b""),
            ));
            class.write_all(&frames).await.unwrap();

            let mut replies = std::collections::HashMap::new();
            for _ in 0..4 {
                let (id, head, binary) = read_reply(&mut class).await;
                replies.insert(id, (head, binary));
            }
            assert_eq!(replies[&7].0["statusCode"], 200);
            assert_eq!(replies[&7].0["body"], "hi a");
            assert_eq!(replies[&8].0["statusCode"], 500);
            assert!(replies[&8].0["body"]
                .as_str()
                .unwrap()
                .contains("the service panicked: boom"));
            assert_eq!(replies[&9].0["statusCode"], 400);
            assert_eq!(replies[&10].0["statusCode"], 200);
            assert_eq!(replies[&10].1.as_deref(), Some(&[0u8, 159, 146, 150][..]));

            // Closing the connection ends the sidecar cleanly.
            drop(class);
            served.await.unwrap().unwrap();
        })
        .await;
}
