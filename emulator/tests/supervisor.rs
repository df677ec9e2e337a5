//! The supervisor runs a real runtime process (a small Python Runtime API client) as Lambda
//! would: restarted after it dies, killed when it overruns, and never leaving a caller hanging.

use std::process::Command;
use std::time::{Duration, Instant};

use gzrs_emulator::{Config, Emulator, InvokeError};
use serde_json::{json, Value};

/// Answers `{"echo": x}` with x; exits with status 3 on `{"exit": true}`; hangs on
/// `{"hang": true}`; with `FAIL_INIT` set, exits before polling.
const RUNTIME: &str = r#"
import json, os, sys, time, urllib.request
if os.environ.get("FAIL_INIT"):
    sys.exit(7)
base = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
while True:
    with urllib.request.urlopen(base + "next") as r:
        rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.load(r)
    if event.get("exit"):
        os._exit(3)
    if event.get("hang"):
        time.sleep(3600)
    answer = json.dumps({"echo": event.get("echo"), "pid": os.getpid(), "fn": os.environ["AWS_LAMBDA_FUNCTION_NAME"]}).encode()
    urllib.request.urlopen(urllib.request.Request(base + rid + "/response", data=answer, method="POST")).read()
"#;

fn python(fail_init: bool) -> impl Fn() -> Command + Send + 'static {
    move || {
        let mut command = Command::new("python3");
        command.args(["-c", RUNTIME]);
        if fail_init {
            command.env("FAIL_INIT", "1");
        }
        command
    }
}

async fn emulator(timeout: Duration) -> Emulator {
    Emulator::start(Config {
        timeout,
        ..Config::default()
    })
    .await
    .unwrap()
}

async fn invoke(emulator: &Emulator, event: Value) -> Result<Value, InvokeError> {
    emulator
        .invoke(event.to_string())
        .await
        .map(|bytes| serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn a_runtime_that_dies_fails_its_invocation_and_is_restarted_for_the_next() {
    let emulator = emulator(Duration::from_secs(20)).await;
    emulator.supervise(python(false));
    let first = invoke(&emulator, json!({"echo": 1})).await.unwrap();
    assert_eq!(first["echo"], 1);
    assert_eq!(first["fn"], "gzrs-local", "the Lambda environment is set");

    let started = Instant::now();
    match invoke(&emulator, json!({"exit": true})).await {
        Err(InvokeError::Exited(why)) => assert!(why.contains("status 3"), "{why}"),
        other => panic!("expected the runtime's exit, got {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "an exit is reported, not timed out"
    );

    let again = invoke(&emulator, json!({"echo": 2})).await.unwrap();
    assert_eq!(again["echo"], 2);
    assert_ne!(
        again["pid"], first["pid"],
        "a fresh process serves after the exit"
    );
    assert_eq!(emulator.runtime_starts(), 2);
}

#[tokio::test]
async fn a_runtime_that_overruns_is_killed_and_replaced() {
    let emulator = emulator(Duration::from_secs(2)).await;
    emulator.supervise(python(false));
    assert!(matches!(
        invoke(&emulator, json!({"hang": true})).await,
        Err(InvokeError::Timeout(_))
    ));
    let next = invoke(&emulator, json!({"echo": "after"})).await.unwrap();
    assert_eq!(next["echo"], "after");
    assert_eq!(emulator.runtime_starts(), 2);
}

#[tokio::test]
async fn a_runtime_that_fails_init_answers_an_error_at_once() {
    let emulator = emulator(Duration::from_secs(20)).await;
    emulator.supervise(python(true));
    let started = Instant::now();
    match invoke(&emulator, json!({"echo": 1})).await {
        Err(InvokeError::Exited(why)) => {
            assert!(
                why.contains("status 7") && why.contains("during init"),
                "{why}"
            )
        }
        other => panic!("expected an init failure, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(10));
    // And again for the next invocation: it is retried, not given up on.
    assert!(matches!(
        invoke(&emulator, json!({"echo": 2})).await,
        Err(InvokeError::Exited(_))
    ));
    assert!(emulator.runtime_starts() >= 2);
}
