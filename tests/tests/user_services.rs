//! Services shaped like what users bring, nobody's code written for gzrs: axum's own
//! `examples/todos` (tower's timeout, tower-http's TraceLayer, CORS, compression and request ids,
//! uuid v4, tracing-subscriber installed in `app()`) and `clocks` (std's clocks, environment and
//! stdout, chrono, time, rand, uuid v7, tokio's sleep, timeout, spawn and interval).
//!
//! Each runs under the real `genezio local` in both modes, and every answer must equal the same
//! crate **built standalone** (its own workspace, lockfile and features) answering in-process.
//! Values that differ by nature between two runs (ids, clocks, random numbers) are replaced by
//! what they are (`<uuid-v4>`, `<time>`, `<number>`) before comparing, and checked on their own.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::Method;
use gzrs_tests::standalone::Standalone;
use gzrs_tests::{compare, http_agent, project, Answer, Case, GenezioLocal};
use regex::Regex;

const ENV_VALUE: &str = "set for the service ✓";

/// A scenario: requests in order, some built from earlier answers (a created todo's id).
type Scenario = fn(&mut dyn FnMut(Case) -> Answer) -> Vec<(String, Answer)>;

fn todos_scenario(send: &mut dyn FnMut(Case) -> Answer) -> Vec<(String, Answer)> {
    let mut answers = Vec::new();
    let mut run = |case: Case| {
        let name = case.name.clone();
        let answer = send(case);
        answers.push((name, answer.clone()));
        answer
    };
    run(Case::get("list, empty", "/todos"));
    run(Case::get("list, gzip and CORS", "/todos")
        .header("accept-encoding", "gzip")
        .header("origin", "https://app.example"));
    let created = run(Case::new("create", Method::POST, "/todos")
        .body("application/json", r#"{"text":"buy milk"}"#));
    let id = serde_json::from_slice::<serde_json::Value>(&created.body)
        .ok()
        .and_then(|todo| todo["id"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "no-id".into());
    run(Case::new("update", Method::PATCH, format!("/todos/{id}"))
        .body("application/json", r#"{"completed":true}"#));
    run(Case::get("list, one", "/todos?offset=0&limit=10"));
    run(Case::new("bad id", Method::PATCH, "/todos/not-a-uuid").body("application/json", "{}"));
    run(Case::new("invalid body", Method::POST, "/todos").body("application/json", r#"{"txt":1}"#));
    run(Case::get("tower timeout", "/slow"));
    run(Case::new("delete", Method::DELETE, format!("/todos/{id}")));
    run(Case::new(
        "delete again",
        Method::DELETE,
        format!("/todos/{id}"),
    ));
    run(Case::get("unknown route", "/nope"));
    answers
}

fn clocks_scenario(send: &mut dyn FnMut(Case) -> Answer) -> Vec<(String, Answer)> {
    [
        "/now",
        "/order",
        "/env/GZRS_USER_VALUE",
        "/env/GZRS_SURELY_UNSET",
        "/env-count",
        "/print",
        "/print",
        "/ids",
        "/random",
        "/sleep/120",
        "/timeout",
        "/spawn",
        "/interval",
    ]
    .iter()
    .map(|target| (target.to_string(), send(Case::get(*target, *target))))
    .collect()
}

fn tokens_scenario(send: &mut dyn FnMut(Case) -> Answer) -> Vec<(String, Answer)> {
    let mut answers = Vec::new();
    let mut run = |case: Case| {
        let name = case.name.clone();
        let answer = send(case);
        answers.push((name, answer.clone()));
        answer
    };
    let authorized = run(Case::new("authorize", Method::POST, "/authorize").body(
        "application/json",
        r#"{"client_id":"foo","client_secret":"bar"}"#,
    ));
    let token = serde_json::from_slice::<serde_json::Value>(&authorized.body)
        .ok()
        .and_then(|body| body["access_token"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "no-token".into());
    run(
        Case::new("wrong credentials", Method::POST, "/authorize").body(
            "application/json",
            r#"{"client_id":"foo","client_secret":"baz"}"#,
        ),
    );
    run(Case::get("protected, with the token", "/protected")
        .header("authorization", &format!("Bearer {token}")));
    run(Case::get("protected, a forged token", "/protected")
        .header("authorization", &format!("Bearer {token}x")));
    for encoding in ["gzip", "br", "deflate", "zstd", "identity"] {
        run(Case::get(format!("catalogue, {encoding}"), "/catalogue")
            .header("accept-encoding", encoding));
    }
    run(Case::new("sha256 with ring", Method::POST, "/sha256")
        .body("application/octet-stream", (0..=255u8).collect::<Vec<u8>>()));
    // One byte that is not UTF-8, sent as text: `genezio local` hands the service U+FFFD's
    // three bytes, and a `content-length` of 1 would make the body limit refuse it.
    run(Case::new(
        "text the front re-encodes, behind a body limit",
        Method::POST,
        "/kv/text",
    )
    .body("text/plain", vec![0xff]));
    run(
        Case::new("binary, behind a body limit", Method::POST, "/kv/bin")
            .body("application/octet-stream", vec![0, 0xff, 0x80, 10]),
    );
    run(Case::get("binary, read back", "/kv/bin"));
    answers
}

/// What differs by nature between two runs, replaced by what it is.
fn normalized(answer: &Answer) -> Answer {
    let uuid =
        Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-([0-9a-f])[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}")
            .unwrap();
    let time = Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)").unwrap();
    let number = Regex::new(r#""(unix_ms|a|b)":\d+"#).unwrap();
    let text = |bytes: &[u8]| -> Option<String> {
        let text = std::str::from_utf8(bytes).ok()?;
        let text = uuid.replace_all(text, "<uuid-v$1>");
        let text = time.replace_all(&text, "<time>");
        Some(
            number
                .replace_all(&text, "\"$1\":\"<number>\"")
                .into_owned(),
        )
    };
    let mut answer = answer.clone();
    if let Some(body) = text(&answer.body) {
        answer.body = body.into_bytes();
    }
    for value in answer.headers.values_mut() {
        if let Some(normal) = text(value.as_bytes()) {
            *value = normal.parse().unwrap();
        }
    }
    answer
}

/// Runs `scenario` through `send` and holds it to `expected` (normalized), `also`, and the
/// `log_lines` in `log()`: one problem block titled `what`, or none.
fn check_run(
    what: &str,
    expected: &[(String, Answer)],
    scenario: Scenario,
    send: &mut dyn FnMut(Case) -> Result<Answer, String>,
    log: &dyn Fn() -> String,
    log_lines: &[&str],
    also: fn(&[(String, Answer)]) -> Vec<String>,
) -> Option<String> {
    let got = scenario(&mut |case| {
        send(case).unwrap_or_else(|error| Answer {
            status: 599,
            headers: Default::default(),
            body: error.into_bytes(),
        })
    });
    let mut problems = Vec::new();
    for ((name, want), (_, have)) in expected.iter().zip(&got) {
        problems.extend(compare(name, &normalized(want), &normalized(have)));
    }
    problems.extend(also(&got));
    let log = log();
    for line in log_lines {
        if !log.contains(line) {
            problems.push(format!("the log lacks {line:?}"));
        }
    }
    if problems.is_empty() {
        return None;
    }
    let tail: Vec<&str> = log.lines().rev().take(40).collect();
    Some(format!(
        "--- {what} ---\n{}\n--- output ---\n{}",
        problems.join("\n"),
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    ))
}

fn check_service(
    crate_dir: &str,
    class: &str,
    scenario: Scenario,
    modes: &[(&str, &[&str])],
    log_lines: &[&str],
    also: fn(&[(String, Answer)]) -> Vec<String>,
) {
    let mut reference =
        Standalone::start_with_env(crate_dir, "app", &[("GZRS_USER_VALUE", ENV_VALUE)]);
    let expected = scenario(&mut |case| reference.answer(&case));
    let mut problems = also(&expected)
        .into_iter()
        .map(|p| format!("[standalone] {p}"))
        .collect::<Vec<_>>();
    for (mode, options) in modes {
        let name = format!("{}-{mode}", class.to_lowercase());
        let project = project(crate_dir, &name, options);
        let local =
            GenezioLocal::start_with_env(&project, class, "api", &[("GZRS_USER_VALUE", ENV_VALUE)]);
        let agent = http_agent();
        problems.extend(check_run(
            &format!("{mode} mode"),
            &expected,
            scenario,
            &mut |case| local.send(&agent, &case),
            &|| local.log(),
            log_lines,
            also,
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The service's scenario on the web platform under each runtime (one compile of the module)
/// and through the native server, every answer equal to the standalone build's, and
/// `log_lines` in each one's output.
fn check_service_on_web(
    crate_dir: &str,
    name: &str,
    scenario: Scenario,
    log_lines: &[&str],
    also: fn(&[(String, Answer)]) -> Vec<String>,
) {
    let runtimes: Vec<&str> = gzrs_tests::web::RUNTIMES
        .into_iter()
        .chain([gzrs_tests::web::NATIVE_SERVER])
        .collect();
    check_service_on(&runtimes, crate_dir, name, scenario, log_lines, also);
}

/// [`check_service_on_web`] under `runtimes` only.
fn check_service_on(
    runtimes: &[&str],
    crate_dir: &str,
    name: &str,
    scenario: Scenario,
    log_lines: &[&str],
    also: fn(&[(String, Answer)]) -> Vec<String>,
) {
    let mut reference =
        Standalone::start_with_env(crate_dir, "app", &[("GZRS_USER_VALUE", ENV_VALUE)]);
    let expected = scenario(&mut |case| reference.answer(&case));
    let mut problems = Vec::new();
    for &runtime in runtimes {
        let local = gzrs_tests::web::WebLocal::start(
            crate_dir,
            name,
            runtime,
            &[("GZRS_USER_VALUE", ENV_VALUE)],
            &[],
            "/",
        );
        let agent = http_agent();
        problems.extend(check_run(
            runtime,
            &expected,
            scenario,
            &mut |case| gzrs_tests::checks::Server::send(&local, &agent, &case),
            &|| local.log(),
            log_lines,
            also,
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

const BOTH_MODES: &[(&str, &[&str])] = &[
    ("wasm", &["--mode", "wasm"]),
    ("native", &["--mode", "native", "--arch", "x86_64"]),
];

/// tower-http's TraceLayer through the service's own tracing-subscriber.
const TODOS_LOG: &[&str] = &["started processing request", "finished processing request"];

#[test]
fn axums_todos_example_runs_unchanged_in_both_modes() {
    check_service(
        "tests/services/todos",
        "Todos",
        todos_scenario,
        BOTH_MODES,
        TODOS_LOG,
        todos_checks,
    );
}

#[test]
fn axums_todos_example_runs_unchanged_on_every_web_runtime_and_the_native_server() {
    check_service_on_web(
        "tests/services/todos",
        "todos",
        todos_scenario,
        TODOS_LOG,
        todos_checks,
    );
}

fn todos_checks(answers: &[(String, Answer)]) -> Vec<String> {
    {
        let mut problems = Vec::new();
        let created = &answers[2].1;
        let id = String::from_utf8_lossy(&created.body);
        if created.status != 201 || !Regex::new(r#""id":"[0-9a-f-]{14}4"#).unwrap().is_match(&id) {
            problems.push(format!(
                "create did not give a v4 uuid: {} {id}",
                created.status
            ));
        }
        let slow = &answers[7].1;
        if slow.status != 408 {
            problems.push(format!("tower's timeout answered {}, not 408", slow.status));
        }
        // Every answer from inside the request-id layers carries the id the service made (the
        // 408 comes from HandleErrorLayer, outside them, in the service as written).
        if let Some((name, _)) = answers
            .iter()
            .find(|(name, a)| *name != "tower timeout" && a.headers.get("x-request-id").is_none())
        {
            problems.push(format!("[{name}] has no x-request-id"));
        }
        problems
    }
}

/// `println!` and `eprintln!` lines, in the platform's log.
const CLOCKS_LOG: &[&str] = &[
    "clocks: starting at",
    "clocks: printed line 1",
    "clocks: to stderr 1",
];

#[test]
fn std_clocks_env_stdout_and_common_crates_work_in_both_modes() {
    check_service(
        "tests/services/clocks",
        "Clocks",
        clocks_scenario,
        BOTH_MODES,
        CLOCKS_LOG,
        clocks_checks,
    );
}

#[test]
fn std_clocks_env_stdout_and_common_crates_work_on_every_web_runtime_and_the_native_server() {
    check_service_on_web(
        "tests/services/clocks",
        "clocks",
        clocks_scenario,
        CLOCKS_LOG,
        clocks_checks,
    );
}

fn clocks_checks(answers: &[(String, Answer)]) -> Vec<String> {
    {
        let mut problems = Vec::new();
        let now =
            serde_json::from_slice::<serde_json::Value>(&answers[0].1.body).unwrap_or_default();
        let test_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        match now["unix_ms"].as_u64() {
            Some(ms) if ms.abs_diff(test_ms) < 10_000 => {}
            other => problems.push(format!(
                "/now's SystemTime is off: {other:?}, the test's clock {test_ms}"
            )),
        }
        for key in ["chrono", "time"] {
            let year = now[key].as_str().and_then(|t| t.get(..4)).unwrap_or("none");
            if year.parse::<u32>().map_or(true, |y| y < 2024) {
                problems.push(format!("/now's {key} is off: {}", now[key]));
            }
        }
        let env = &answers[2].1;
        if env.status != 200 || env.body != ENV_VALUE.as_bytes() {
            problems.push(format!(
                "std::env::var: {} {}",
                env.status,
                String::from_utf8_lossy(&env.body)
            ));
        }
        problems
    }
}

#[test]
fn crates_for_auth_compression_and_c_code_run_in_both_modes() {
    check_service(
        "tests/services/tokens",
        "Tokens",
        tokens_scenario,
        BOTH_MODES,
        &[],
        tokens_checks,
    );
}

/// Workers encode a body as its `content-encoding` says unless the Response says it already is:
/// a catalogue tower-http's CompressionLayer compressed (gzip, br, deflate, zstd) reaches the
/// client byte for byte as the standalone build sends it, so a client that decodes once reads
/// the JSON. The module is the wasm mode's own build (cargo's cache).
#[test]
fn compressed_answers_reach_the_client_as_the_service_encoded_them_on_workerd() {
    check_service_on(
        &["workerd"],
        "tests/services/tokens",
        "tokens",
        tokens_scenario,
        &[],
        tokens_checks,
    );
}

fn tokens_checks(answers: &[(String, Answer)]) -> Vec<String> {
    let mut problems = Vec::new();
    let status = |name: &str| {
        answers
            .iter()
            .find(|(n, _)| n == name)
            .map_or(0, |(_, a)| a.status)
    };
    // jsonwebtoken signs and verifies (its js-sys is never called on WASI).
    for (name, want) in [
        ("authorize", 200),
        ("wrong credentials", 401),
        ("protected, with the token", 200),
        ("protected, a forged token", 400),
        ("text the front re-encodes, behind a body limit", 200),
    ] {
        if status(name) != want {
            problems.push(format!("[{name}] answered {}, not {want}", status(name)));
        }
    }
    for (name, answer) in answers {
        let Some(encoding) = name.strip_prefix("catalogue, ") else {
            continue;
        };
        let got = answer
            .headers
            .get("content-encoding")
            .map_or("identity", |v| v.to_str().unwrap_or("?"));
        if got != encoding {
            problems.push(format!("[{name}] came back as {got}"));
        }
    }
    problems
}
