//! `gzrs_class::serve`: a class's typed methods and its axum router as one service, reached
//! through gzrs-core as every mode reaches it.

use std::cell::Cell;

use axum::routing::get;
use gzrs_core::{call_object, RequestObject};
use serde_json::{json, Value};

#[derive(Debug, Default)]
pub struct Counter {
    count: Cell<u64>,
}

#[gzrs_class::methods]
impl Counter {
    pub fn add(&self, by: u64) -> u64 {
        self.count.set(self.count.get() + by);
        self.count.get()
    }

    pub fn reset(&self) {
        self.count.set(0);
    }

    pub async fn fail(&self) -> Result<(), String> {
        Err(format!("failed at {}", self.count.get()))
    }
}

fn call(method: &str, body: Option<&str>) -> RequestObject {
    RequestObject::from_json(
        json!({
            "http": {"method": "POST", "path": format!("/Counter/{method}")},
            "rawBody": body,
            "gzrsCall": method,
        })
        .to_string(),
    )
    .unwrap()
}

fn body(answer: &gzrs_core::ResponseObject) -> Value {
    serde_json::from_slice(answer.body.as_bytes()).unwrap()
}

#[tokio::test]
async fn calls_reach_the_class_and_http_reaches_the_router() {
    let app = axum::Router::new().route("/hello", get(|| async { "hi" }));
    let service = gzrs_class::serve::serve(Counter::default(), app);

    let answer = call_object(service.clone(), call("add", Some("[2]")), None).await;
    assert_eq!(
        (answer.status_code, body(&answer)),
        (200, json!({"result": 2}))
    );
    // State is the instance's: the next call sees it.
    let answer = call_object(service.clone(), call("add", Some("[3]")), None).await;
    assert_eq!(body(&answer), json!({"result": 5}));
    let answer = call_object(service.clone(), call("fail", None), None).await;
    assert_eq!(body(&answer), json!({"error": "failed at 5"}));
    // A method that answers nothing has no `result`, as JavaScript's `undefined`.
    let answer = call_object(service.clone(), call("reset", Some("[]")), None).await;
    assert_eq!(body(&answer), json!({}));
    let answer = call_object(service.clone(), call("add", Some("[5]")), None).await;
    assert_eq!(body(&answer), json!({"result": 5}));
    let answer = call_object(service.clone(), call("nope", Some("[]")), None).await;
    assert!(body(&answer)["error"]
        .as_str()
        .unwrap()
        .contains("no method"));
    let answer = call_object(service.clone(), call("add", Some("{}")), None).await;
    assert!(body(&answer)["error"]
        .as_str()
        .unwrap()
        .contains("not a JSON array"));

    // An HTTP request, even one naming a method in its path, is the router's.
    let http = |path: &str| {
        RequestObject::from_json(json!({"http": {"method": "GET", "path": path}}).to_string())
            .unwrap()
    };
    let answer = call_object(service.clone(), http("/Counter/api/hello"), None).await;
    assert_eq!(answer.body.as_bytes(), b"hi");
    let answer = call_object(service, http("/Counter/add"), None).await;
    assert_eq!(answer.status_code, 404);
}

#[tokio::test]
async fn a_class_without_http_answers_http_with_404() {
    let service = gzrs_class::serve::serve_methods(Counter::default());
    let answer = call_object(service.clone(), call("add", Some("[1]")), None).await;
    assert_eq!(body(&answer), json!({"result": 1}));
    let object =
        RequestObject::from_json(r#"{"http": {"method": "GET", "path": "/Counter/api/x"}}"#)
            .unwrap();
    assert_eq!(call_object(service, object, None).await.status_code, 404);
}
