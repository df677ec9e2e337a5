//! The web platform (`gzrs build --platform web`): the fixture's request corpus through the
//! fetch handler under each real runtime, Node (`server.mjs`), Deno, Bun and workerd, every
//! answer equal to the fixture built standalone; requests in flight at once; a panic and each
//! over-limit request, each followed by a served request; the start line in the runtime's log;
//! and `--base-path`; Node 22 and 24 too. Deno serves the Deno platform's output, with only
//! `--allow-env --allow-net`. One compile of the module serves every runtime (cargo's cache). The same
//! for the server platform's executable (`--platform server`), which serves HTTP itself.

use gzrs_tests::checks::{
    check_cases, check_concurrently, check_limits, check_no_content_type_added,
    check_panic_recovery, Front, Server,
};
use gzrs_tests::server::{
    check_every_core, check_graceful_stop, check_timeouts, check_websocket, Executable, Http2,
};
use gzrs_tests::streams::{
    check_background_work, check_request_streaming, check_streaming, check_waiting_requests,
};
use gzrs_tests::web::{WebLocal, NATIVE_SERVER, NEWER_NODES};
use gzrs_tests::{compare, fixture_corpus, http_agent, standalone, Case};

fn check_runtime(runtime: &str) {
    let local = WebLocal::start("tests/fixture-app", "fixture", runtime, &[], &[], "/");
    let mut problems = check_cases(&local, "tests/fixture-app", &fixture_corpus());
    problems.extend(check_concurrently(&local));
    problems.extend(check_panic_recovery(&local));
    problems.extend(check_no_content_type_added(&local));
    problems.extend(check_streaming(&local, &local.url("")));
    problems.extend(check_waiting_requests(&local.url("")));
    problems.extend(check_background_work(&local.url("")));
    problems.extend(check_request_streaming(&local, &local.url("")));
    if runtime == NATIVE_SERVER {
        let address = local.url("").trim_start_matches("http://").to_string();
        problems.extend(check_every_core(&local.url("")));
        problems.extend(check_cases(
            &Http2 { address: &address },
            "tests/fixture-app",
            &fixture_corpus(),
        ));
        problems.extend(check_websocket(&address));
    }
    let (front, start_line) = match runtime {
        NATIVE_SERVER => (
            Front::NativeServer,
            "gzrs: native mode, server, x86_64, gzrs ".to_string(),
        ),
        _ => (
            Front::Web,
            format!("gzrs: wasm mode, fetch handler, {runtime}, gzrs "),
        ),
    };
    problems.extend(check_limits(&local, front));
    let log = local.log();
    if !log.contains(&start_line) {
        problems.push(format!("the log lacks {start_line:?}"));
    }
    if !log.contains("the fixture panicked on purpose") {
        problems.push("the panic's message is not in the log".into());
    }
    if !log.contains("the fixture's stream panicked on purpose") {
        problems.push("the stream's panic is not in the log".into());
    }
    assert!(
        problems.is_empty(),
        "[{runtime}]\n{}\n--- output ---\n{log}",
        problems.join("\n")
    );
}

#[test]
fn the_corpus_on_node() {
    check_runtime("node");
}

#[test]
fn the_corpus_on_deno() {
    check_runtime("deno");
}

#[test]
fn the_corpus_on_bun() {
    check_runtime("bun");
}

#[test]
fn the_corpus_on_workerd() {
    check_runtime("workerd");
}

/// `server.mjs` and the handler on Node 22 and 24 (the machine's is 20): the corpus, streams both
/// ways, and the limits.
#[test]
fn the_corpus_on_node_22_and_24() {
    for node in NEWER_NODES {
        let local = WebLocal::start("tests/fixture-app", "fixture", node, &[], &[], "/");
        let mut problems = check_cases(&local, "tests/fixture-app", &fixture_corpus());
        problems.extend(check_streaming(&local, &local.url("")));
        problems.extend(check_request_streaming(&local, &local.url("")));
        problems.extend(check_limits(&local, Front::Web));
        let log = local.log();
        if !log.contains("gzrs: wasm mode, fetch handler, node, gzrs ") {
            problems.push("the log lacks the start line".into());
        }
        assert!(
            problems.is_empty(),
            "[{node}]\n{}\n--- output ---\n{log}",
            problems.join("\n")
        );
    }
}

#[test]
fn the_corpus_on_the_native_server() {
    check_runtime(NATIVE_SERVER);
}

/// The server's executable, run as a container runs it: a slow client is cut off at the header
/// timeout, an idle connection closed at the idle timeout, and SIGTERM lets the requests in flight
/// finish, refuses new connections and exits 0.
#[test]
fn the_native_server_times_out_slow_clients_and_stops_gracefully() {
    let out = gzrs_tests::repo_root().join("target/gzrs-tests/server-fixture");
    let built = std::process::Command::new(gzrs_tests::gzrs())
        .args(["build", "--platform", "server", "--arch", "x86_64", "--out"])
        .arg(&out)
        .arg(gzrs_tests::repo_root().join("tests/fixture-app"))
        .output()
        .expect("run gzrs build");
    assert!(
        built.status.success(),
        "gzrs build --platform server failed:\n{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let binary = out.join("service-amd64");
    let timeouts = [("GZRS_HEADER_TIMEOUT", "1s"), ("GZRS_IDLE_TIMEOUT", "1s")];
    let server = Executable::start(&binary, &timeouts);
    let mut problems = check_timeouts(&server);
    drop(server);
    let server = Executable::start(&binary, &[("GZRS_SHUTDOWN_TIMEOUT", "5s")]);
    problems.extend(check_graceful_stop(server));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A service that is not `Send` (its state an `Rc`) still builds for the server: gzrs says why it
/// runs on one thread, and it serves, its state kept between requests.
#[test]
fn a_service_that_is_not_send_is_served_on_one_thread() {
    let out = gzrs_tests::repo_root().join("target/gzrs-tests/server-one-thread");
    let built = std::process::Command::new(gzrs_tests::gzrs())
        .args(["build", "--platform", "server", "--arch", "x86_64", "--out"])
        .arg(&out)
        .arg(gzrs_tests::repo_root().join("tests/fixture-one-thread"))
        .output()
        .expect("run gzrs build");
    let said = String::from_utf8_lossy(&built.stderr);
    assert!(built.status.success(), "gzrs build failed:\n{said}");
    assert!(
        said.contains("runs `fixture-one-thread` on one thread")
            && said.contains("cannot be sent between threads safely"),
        "the build did not say why the service runs on one thread:\n{said}"
    );
    let server = Executable::start(&out.join("service-amd64"), &[]);
    let agent = http_agent();
    let visits: Vec<String> = (0..2)
        .map(|_| {
            agent
                .get(format!("http://{}/", server.address))
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().read_to_string().ok())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(visits, ["visit 1", "visit 2"], "{}", server.log());
    assert!(
        server
            .log()
            .contains("(1 thread: the service or its futures are not Send;"),
        "{}",
        server.log()
    );
}

/// Under `--base-path /api` the routes answer under `/api` (the root too) and nothing else does,
/// through the fetch handler and the native server.
#[test]
fn routes_answer_under_the_base_path() {
    for runtime in ["node", NATIVE_SERVER] {
        check_base_path(runtime);
    }
}

fn check_base_path(runtime: &str) {
    let local = WebLocal::start(
        "tests/fixture-app",
        "fixture-base",
        runtime,
        &[],
        &["--base-path", "/api/"],
        "/api/",
    );
    let agent = http_agent();
    let mut problems = Vec::new();
    for target in ["/", "/users/7/posts/abc", "/query?x=1&x=2"] {
        let case = Case::get(format!("under /api: {target}"), target);
        let want = standalone::answers(standalone::FIXTURE, std::slice::from_ref(&case)).remove(0);
        let mut under = case.clone();
        under.target = format!("/api{target}");
        match local.send(&agent, &under) {
            Ok(got) => problems.extend(compare(&case.name, &want, &got)),
            Err(error) => problems.push(error),
        }
    }
    for outside in ["/users/7/posts/abc", "/apix/users/7/posts/abc"] {
        match local.send(&agent, &Case::get("outside", outside)) {
            Ok(got) if got.status == 404 => {}
            Ok(got) => problems.push(format!("{outside} answered {} outside /api", got.status)),
            Err(error) => problems.push(error),
        }
    }
    assert!(
        problems.is_empty(),
        "{}\n{}",
        problems.join("\n"),
        local.log()
    );
}
