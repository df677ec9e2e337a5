//! The arm64 executable of a native-mode build — what genezio-aws runs — on its own under
//! `qemu-aarch64-static`, polling gzrs's Runtime API emulator as it polls Lambda's. It must
//! answer the corpus as the service does in-process, answer every event as Genezio's own
//! handler would (OPTIONS, unknown methods, JSON-RPC, cron), and survive bad events: garbage,
//! truncated JSON, no `http` section, a panic. After each, the next request is served.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use gzrs_emulator::InvokeError;
use gzrs_tests::checks::{check_cases, check_panic_recovery};
use gzrs_tests::{fixture_corpus, http_agent, project, Case, LambdaLocal};
use serde_json::{json, Value};

fn qemu() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("qemu-aarch64-static"))
            .find(|path| path.is_file())
    });
    found.expect(
        "qemu-aarch64-static is missing: run scripts/setup.sh, or `apt-get install qemu-user-static`",
    )
}

fn event(method: &str, path: &str, body: Option<&str>) -> String {
    json!({
        "version": "2.0",
        "headers": {"content-type": "application/json"},
        "requestContext": {"http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "t"}},
        "body": body,
        "isBase64Encoded": false,
    })
    .to_string()
}

#[test]
fn the_arm64_executable_answers_the_corpus_and_bad_events_under_qemu() {
    let project = project(
        "tests/fixture-app",
        "fixture-native-arm64",
        &["--mode", "native", "--arch", "arm64"],
    );
    let yaml = std::fs::read_to_string(project.join("genezio.yaml")).unwrap();
    assert!(yaml.contains("architecture: arm64"), "{yaml}");
    let binary = project.join("server/gzrs/service-arm64");
    let bytes = std::fs::read(&binary).expect("the arm64 executable");
    assert_eq!(&bytes[..4], b"\x7fELF");
    assert_eq!(
        u16::from_le_bytes([bytes[18], bytes[19]]),
        0xb7,
        "an aarch64 ELF file"
    );

    let qemu = qemu();
    let lambda = LambdaLocal::start("Fixture", "api", Duration::from_secs(60), move || {
        let mut command = Command::new(&qemu);
        command.arg(&binary);
        command
    });
    let mut problems = check_cases(&lambda, "tests/fixture-app", &fixture_corpus());
    problems.extend(check_panic_recovery(&lambda));

    let genezio_json = json!({"Content-Type": "application/json", "X-Powered-By": "genezio"});
    let expect =
        |name: &str, event: String, check: &dyn Fn(&Result<Value, InvokeError>) -> bool| {
            let got = lambda.invoke(event);
            let mut problems = Vec::new();
            if !check(&got) {
                problems.push(format!("[{name}] unexpected answer: {got:?}"));
            }
            // Whatever the event did, the next request is served.
            match lambda.send(&http_agent(), &Case::get("root", "/")) {
                Ok(answer) if answer.status == 200 => {}
                other => problems.push(format!("[{name}] the next request: {other:?}")),
            }
            problems
        };
    let status = |got: &Result<Value, InvokeError>, code: u64| matches!(got, Ok(v) if v["statusCode"] == code);
    problems.extend(expect("garbage", "\u{1}not JSON at all".into(), &|got| {
        matches!(got, Err(InvokeError::Function(_)))
    }));
    problems.extend(expect(
        "truncated",
        event("GET", "/Fixture/api/", None)[..40].into(),
        &|got| matches!(got, Err(InvokeError::Function(_))),
    ));
    problems.extend(expect(
        "no http section",
        json!({"headers": {}, "body": "x"}).to_string(),
        &|got| {
            status(got, 400)
                && got.as_ref().is_ok_and(|v| {
                    v["body"]
                        .as_str()
                        .unwrap_or("")
                        .contains("requestContext.http")
                })
        },
    ));
    problems.extend(expect(
        "no rawPath, rawQueryString or cookies",
        event("GET", "/Fixture/api/", None),
        &|got| status(got, 200) && got.as_ref().is_ok_and(|v| v["body"] == "fixture root"),
    ));
    problems.extend(expect(
        "OPTIONS",
        event("OPTIONS", "/Fixture/api/anything", None),
        &|got| status(got, 200) && got.as_ref().is_ok_and(|v| v["headers"] == genezio_json),
    ));
    problems.extend(expect(
        "unknown method",
        event("GET", "/Fixture/nope/", None),
        &|got| {
            status(got, 404)
                && got
                    .as_ref()
                    .is_ok_and(|v| v["body"] == r#"{"error":"Method not found"}"#)
        },
    ));
    problems.extend(expect(
        "no method",
        event("GET", "/Fixture", None),
        &|got| status(got, 404),
    ));
    let rpc = r#"{"jsonrpc":"2.0","method":"Fixture.api","params":[],"id":3}"#;
    problems.extend(expect(
        "JSON-RPC",
        event("POST", "/Fixture/api/", Some(rpc)),
        &|got| {
            status(got, 400)
                && got.as_ref().is_ok_and(|v| {
                    let body: Value =
                        serde_json::from_str(v["body"].as_str().unwrap_or("")).unwrap_or_default();
                    body["jsonrpc"] == "2.0" && body["id"] == 3 && body["error"]["code"] == -1
                })
        },
    ));
    problems.extend(expect(
        "cron",
        json!({"genezioEventType": "cron", "methodName": "api", "cronString": "* * * * *"})
            .to_string(),
        &|got| matches!(got, Ok(Value::Null)),
    ));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A service whose dependencies compile C (ring), cross-built for arm64 with the C compiler gzrs
/// found, answers under qemu as it does in-process.
#[test]
fn a_service_with_c_code_cross_builds_for_arm64_and_answers() {
    let project = project(
        "examples/digest",
        "digest-native-arm64",
        &["--mode", "native", "--arch", "arm64"],
    );
    let binary = project.join("server/gzrs/service-arm64");
    let qemu = qemu();
    let lambda = LambdaLocal::start("Digest", "api", Duration::from_secs(60), move || {
        let mut command = Command::new(&qemu);
        command.arg(&binary);
        command
    });
    let cases = [
        Case::get("root", "/"),
        Case::new("sha256", axum::http::Method::POST, "/sha256").body("text/plain", "hello"),
        Case::new("sha256 of binary", axum::http::Method::POST, "/sha256")
            .body("application/octet-stream", (0..=255u8).collect::<Vec<_>>()),
    ];
    let problems = check_cases(&lambda, "examples/digest", &cases);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
