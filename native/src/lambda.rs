//! The trap: the Lambda Runtime API loop. Every event goes through
//! [`gzrs_core::lambda::dispatch`], which answers what Genezio's own handler answers without the
//! class (OPTIONS, unknown methods, JSON-RPC, cron); HTTP calls reach the service.

use std::convert::Infallible;
use std::fmt::Display;

use gzrs_core::lambda::{dispatch_to, rpc_answer, Dispatch, Target};
use gzrs_core::Body;
use http::{Request, Response};
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::value::RawValue;
use serde_json::Value;
use tower_service::Service;

use crate::answer;

/// Variables every Lambda sets but `lambda_runtime` insists on; filled in when a runtime
/// emulator leaves them out, so the trap works wherever a Runtime API is.
const LAMBDA_DEFAULTS: [(&str, &str); 3] = [
    ("AWS_LAMBDA_FUNCTION_NAME", "gzrs"),
    ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
    ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
];

/// Polls the Runtime API in `AWS_LAMBDA_RUNTIME_API` until it goes away.
pub fn run<S, B>(service: S, target: Target<'static>) -> Result<(), lambda_runtime::Error>
where
    S: Service<Request<Body>, Response = Response<B>> + Clone + 'static,
    S::Error: Display,
    B: http_body::Body,
    B::Error: Display,
{
    for (name, default) in LAMBDA_DEFAULTS {
        if std::env::var_os(name).is_none() {
            // Single-threaded here: no runtime has started yet.
            std::env::set_var(name, default);
        }
    }
    // One event at a time (that is Lambda's contract), so one thread is all it needs and
    // starting it costs nothing.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(lambda_runtime::run(service_fn(
        move |event: LambdaEvent<Box<RawValue>>| {
            let service = service.clone();
            async move { Ok::<Value, Infallible>(handle(service, event.payload.get(), &target).await) }
        },
    )))
}

/// The Lambda response to one event.
pub async fn handle<S, B>(service: S, event: &str, target: &Target<'_>) -> Value
where
    S: Service<Request<Body>, Response = Response<B>>,
    S::Error: Display,
    B: http_body::Body,
    B::Error: Display,
{
    match dispatch_to(event.as_bytes(), target) {
        Dispatch::Answer(answer) => answer,
        Dispatch::Call(object) => answer(service, object, None).await.to_json(),
        Dispatch::Rpc { id, object } => rpc_answer(id, &answer(service, object, None).await),
        Dispatch::Cron(object) => {
            let name = object.gzrs_call.clone().unwrap_or_default();
            eprintln!("DEBUG: trigger cron on method: {name}");
            // As Genezio's handler: a failure is logged, and the event answered with nothing.
            let outcome = rpc_answer(Value::Null, &answer(service, object, None).await);
            if outcome["statusCode"] != 200 {
                let body: Value = outcome["body"]
                    .as_str()
                    .and_then(|b| serde_json::from_str(b).ok())
                    .unwrap_or_default();
                eprintln!(
                    "ERROR: cron trigger with error: {}",
                    body["error"]["message"].as_str().unwrap_or("unknown")
                );
            }
            Value::Null
        }
    }
}
