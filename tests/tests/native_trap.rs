//! The trap, proven with AWS's own parts: Genezio's aws deploy bundle of a native-mode project
//! (x86_64, this machine's CPU) run by `aws-lambda-ric`, AWS's Node runtime client, against
//! gzrs's Runtime API emulator. The class's constructor starts the executable at import and the
//! executable answers every event; Node never polls. Every corpus answer must equal the
//! in-process answer and the wasm mode's bundle's answer under the same runtime; a request over
//! one of gzrs's limits gets its 4xx in both modes, and the next is served; a killed
//! executable is an error for its request, never a hang; an executable that cannot start (corrupt,
//! missing, another CPU) is a clear error on every request.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use gzrs_tests::checks::{
    check_cases, check_kill_mid_request, check_limits, check_panic_recovery, check_parity, collect,
    service_pid, Front,
};
use gzrs_tests::lambda::{bundle, ric_runtime};
use gzrs_tests::{fixture_corpus, http_agent, project, repo_root, Case, LambdaLocal};

const TIMEOUT: Duration = Duration::from_secs(30);

fn work(name: &str) -> PathBuf {
    repo_root().join("target/gzrs-tests/trap").join(name)
}

/// The native project's aws bundle, made once per test process (the tests share it).
fn native_bundle() -> PathBuf {
    static BUNDLE: OnceLock<PathBuf> = OnceLock::new();
    BUNDLE
        .get_or_init(|| {
            let project = project(
                "tests/fixture-app",
                "fixture-native-x86_64",
                &["--mode", "native", "--arch", "x86_64"],
            );
            bundle(&project, "Fixture", "aws", &work("native"))
        })
        .clone()
}

fn ric(task: &Path) -> LambdaLocal {
    LambdaLocal::start("Fixture", "api", TIMEOUT, ric_runtime(task))
}

#[test]
fn the_bundle_traps_under_aws_lambda_ric_and_answers_like_in_process_and_wasm() {
    let corpus = fixture_corpus();
    let mut problems = Vec::new();
    let wasm_answers = {
        let wasm = project("tests/fixture-app", "fixture-wasm", &["--mode", "wasm"]);
        let task = bundle(&wasm, "Fixture", "aws", &work("wasm"));
        let lambda = ric(&task);
        problems.extend(check_limits(&lambda, Front::Emulator));
        problems.extend(check_reencoded_body(&lambda, "wasm"));
        collect(&lambda, &corpus)
    };

    let lambda = ric(&native_bundle());
    problems.extend(check_cases(&lambda, "tests/fixture-app", &corpus));
    problems.extend(check_parity(
        &corpus,
        &wasm_answers,
        &collect(&lambda, &corpus),
        "native vs wasm under aws-lambda-ric",
    ));
    problems.extend(check_trapped(&lambda));
    problems.extend(check_reencoded_body(&lambda, "trap"));
    problems.extend(check_panic_recovery(&lambda));
    problems.extend(check_limits(&lambda, Front::Emulator));
    problems.extend(check_kill_mid_request(&lambda, 502));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// An event whose headers describe the bytes the client sent while its body is the text a front
/// made of them (one byte 0xFF, read as UTF-8 into the three bytes of U+FFFD): the service gets
/// a `content-length` equal to the body it gets, so a body limit that trusts it (tower-http's)
/// neither refuses nor cuts a valid request.
fn check_reencoded_body(lambda: &LambdaLocal, what: &str) -> Vec<String> {
    let event = serde_json::json!({
        "version": "2.0",
        "headers": {"content-type": "text/plain", "content-length": "1"},
        "requestContext": {"http": {"method": "POST", "path": "/Fixture/api/framing", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "t"}},
        "body": "\u{FFFD}",
        "isBase64Encoded": false,
    });
    match lambda.invoke(event.to_string()) {
        Ok(answer) => {
            let body: serde_json::Value =
                serde_json::from_str(answer["body"].as_str().unwrap_or("")).unwrap_or_default();
            if answer["statusCode"] == 200
                && body == serde_json::json!({"content-length": "3", "body": 3})
            {
                Vec::new()
            } else {
                vec![format!("[{what}] a re-encoded body arrived as {answer}")]
            }
        }
        Err(error) => vec![format!(
            "[{what}] the re-encoded body's event failed: {error:?}"
        )],
    }
}

/// The executable that answers is not a sidecar: it was started without arguments by the
/// runtime's Node process, which is still its parent (blocked in the constructor), and the
/// Runtime API was only ever polled by one runtime process.
fn check_trapped(lambda: &LambdaLocal) -> Vec<String> {
    let pid = match service_pid(lambda) {
        Ok(pid) => pid,
        Err(error) => return vec![format!("[trap] {error}")],
    };
    let cmdline = |pid: u32| {
        fs::read(format!("/proc/{pid}/cmdline"))
            .map(|raw| String::from_utf8_lossy(&raw).replace('\0', " "))
            .unwrap_or_default()
    };
    let parent = fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit(')')
                .next()?
                .split_whitespace()
                .nth(1)?
                .parse::<u32>()
                .ok()
        })
        .unwrap_or(0);
    let mut problems = Vec::new();
    let own = cmdline(pid);
    if own.contains("--sidecar") || !own.contains("service-x86_64") {
        problems.push(format!(
            "[trap] the service runs as {own:?}, not as the trapped executable"
        ));
    }
    let runtime = cmdline(parent);
    if !runtime.contains("aws-lambda-ric") {
        problems.push(format!(
            "[trap] the executable's parent is {runtime:?}, not aws-lambda-ric"
        ));
    }
    if lambda.emulator.runtime_starts() != 1 {
        problems.push(format!(
            "[trap] the runtime started {} times before any failure",
            lambda.emulator.runtime_starts()
        ));
    }
    problems
}

/// The native bundle, copied, with `spoil` applied to the copy.
fn spoiled_bundle(name: &str, spoil: impl FnOnce(&Path)) -> PathBuf {
    let original = native_bundle();
    let copy = work(name);
    let _ = fs::remove_dir_all(&copy);
    gzrs_tests::copy_dir(&original, &copy);
    spoil(&copy);
    copy
}

/// Every request to a bundle whose executable cannot start answers at once with an error that
/// names the problem (a 500 from the class, whose constructor never throws), request after
/// request.
fn check_cannot_start(task: &Path, expected: &str) -> Vec<String> {
    let lambda = ric(task);
    let agent = http_agent();
    let mut problems = Vec::new();
    for attempt in 1..=2 {
        let started = std::time::Instant::now();
        match lambda.send(&agent, &Case::get("root", "/")) {
            Ok(answer) => {
                let body = String::from_utf8_lossy(&answer.body).into_owned();
                if answer.status < 400 || !body.contains(expected) {
                    problems.push(format!(
                        "[{expected}] attempt {attempt}: expected an error naming {expected:?}, got {} {body}",
                        answer.status
                    ));
                }
            }
            Err(error) => problems.push(format!("[{expected}] attempt {attempt}: {error}")),
        }
        if started.elapsed() > Duration::from_secs(15) {
            problems.push(format!(
                "[{expected}] attempt {attempt} took {:?}",
                started.elapsed()
            ));
        }
    }
    problems
}

#[test]
fn an_executable_that_cannot_start_is_a_clear_error_not_a_hang() {
    // Genezio copies the backend folder's files to the bundle root.
    let binary = |task: &Path| task.join("gzrs/service-x86_64");
    let mut problems = Vec::new();

    let corrupt = spoiled_bundle("corrupt", |task| {
        let mut bytes = fs::read(binary(task)).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0xff;
        fs::write(binary(task), bytes).unwrap();
    });
    problems.extend(check_cannot_start(&corrupt, "is corrupt"));

    // The recorded size but no executable at all: the start fails (ENOEXEC), and only then is
    // its header read, to say why.
    let not_elf = spoiled_bundle("not-elf", |task| {
        let mut bytes = fs::read(binary(task)).unwrap();
        bytes[..4].copy_from_slice(b"gzrs");
        fs::write(binary(task), bytes).unwrap();
    });
    problems.extend(check_cannot_start(&not_elf, "is not a Linux executable"));

    let missing = spoiled_bundle("missing", |task| fs::remove_file(binary(task)).unwrap());
    problems.extend(check_cannot_start(
        &missing,
        "cannot find the service's native executable",
    ));

    // An arm64 executable shipped where x86_64 runs: its ELF header says so before anything
    // else is checked.
    let arm64 = project(
        "tests/fixture-app",
        "fixture-native-arm64",
        &["--mode", "native", "--arch", "arm64"],
    );
    let other_cpu = spoiled_bundle("other-cpu", |task| {
        fs::copy(arm64.join("server/gzrs/service-arm64"), binary(task)).unwrap();
    });
    problems.extend(check_cannot_start(&other_cpu, "is an executable for arm64"));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
