//! `gzrs build --mode wasm` projects served by the real `genezio local`: every corpus request
//! must get the answer the service gives in-process, sequentially and concurrently, and a panic
//! must cost one 500, not the instance.
//!
//! One test per project, with sub-checks whose failures are gathered, so one `genezio local`
//! serves all of them and every failing case is reported at once.

use std::path::{Path, PathBuf};
use std::thread;

use axum::Router;
use gzrs_tests::{
    answer_in_process, compare, fixture_corpus, hello_corpus, http_agent, Answer, Case,
    GenezioLocal,
};
use serde_json::Value;

fn project(crate_dir: &str, name: &str) -> PathBuf {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("gzrs-tests/wasm-local")
        .join(name);
    gzrs_tests::build_project(&gzrs_tests::repo_root().join(crate_dir), &out)
}

#[test]
fn fixture_app_under_genezio_local() {
    let project = project("tests/fixture-app", "fixture-app");
    let local = GenezioLocal::start(&project, "Fixture", "api");

    let mut problems = check_cases(&local, fixture_app::app, &fixture_corpus());
    problems.extend(check_concurrently(&local));
    problems.extend(check_panic_recovery(&local));
    assert!(
        problems.is_empty(),
        "{}\n\n--- genezio local output ---\n{}",
        problems.join("\n"),
        local.log()
    );
}

#[test]
fn hello_example_under_genezio_local() {
    let project = project("examples/hello", "hello");
    let local = GenezioLocal::start(&project, "Hello", "api");

    let problems = check_cases(&local, hello::app, &hello_corpus());
    assert!(
        problems.is_empty(),
        "{}\n\n--- genezio local output ---\n{}",
        problems.join("\n"),
        local.log()
    );
}

/// Sends each case in turn and compares it with the in-process answer.
fn check_cases(local: &GenezioLocal, app: fn() -> Router, cases: &[Case]) -> Vec<String> {
    let agent = http_agent();
    cases
        .iter()
        .flat_map(|case| match local.send(&agent, case) {
            Ok(got) => compare(&case.name, &answer_in_process(app(), case), &got),
            Err(error) => vec![error],
        })
        .collect()
}

/// The corpus plus `/yield/N` requests with distinct N, spread over 8 threads: each answer
/// must still be the one for its own request.
fn check_concurrently(local: &GenezioLocal) -> Vec<String> {
    const THREADS: usize = 8;
    let mut cases = fixture_corpus();
    cases.extend(
        (10..26).map(|n| Case::get(format!("concurrent yield {n}"), format!("/yield/{n}"))),
    );
    let expected: Vec<(Case, Answer)> = cases
        .into_iter()
        .map(|case| {
            let answer = answer_in_process(fixture_app::app(), &case);
            (case, answer)
        })
        .collect();
    let agent = http_agent();
    thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|worker| {
                let (agent, expected) = (agent.clone(), &expected);
                scope.spawn(move || {
                    expected
                        .iter()
                        .skip(worker)
                        .step_by(THREADS)
                        .flat_map(|(case, want)| match local.send(&agent, case) {
                            Ok(got) => compare(&format!("concurrent: {}", case.name), want, &got),
                            Err(error) => vec![format!("concurrent: {error}")],
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("a request thread"))
            .collect()
    })
}

/// A panic answers 500 with `{"error": <message>}`, and the next request is served normally.
fn check_panic_recovery(local: &GenezioLocal) -> Vec<String> {
    let agent = http_agent();
    let mut problems = Vec::new();
    match local.send(&agent, &Case::get("panic", "/panic")) {
        Ok(answer) => {
            if answer.status != 500 {
                problems.push(format!(
                    "[panic] status: expected 500, got {}",
                    answer.status
                ));
            }
            let message = serde_json::from_slice::<Value>(&answer.body)
                .ok()
                .and_then(|body| body["error"].as_str().map(str::to_owned));
            match message {
                Some(message) if !message.is_empty() => {}
                _ => problems.push(format!(
                    "[panic] body: expected {{\"error\": <a message>}}, got {:?}",
                    String::from_utf8_lossy(&answer.body)
                )),
            }
        }
        Err(error) => problems.push(error),
    }
    let after = Case::get("request after a panic", "/");
    match local.send(&agent, &after) {
        Ok(got) => problems.extend(compare(
            &after.name,
            &answer_in_process(fixture_app::app(), &after),
            &got,
        )),
        Err(error) => problems.push(error),
    }
    problems
}
