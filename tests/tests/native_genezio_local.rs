//! A `gzrs build --mode native` project under the real `genezio local`: there is no Runtime
//! API there, so the class runs the executable as a sidecar and forwards each request over a
//! unix socket. Every corpus answer must equal the in-process answer and the wasm mode's answer
//! under the same `genezio local`; a panic, a request over a limit and a killed executable each cost
//! one clear error, and the next request is served.

use gzrs_tests::checks::{
    check_cases, check_concurrently, check_kill_mid_request, check_limits, check_panic_recovery,
    check_parity, collect, Front,
};
use gzrs_tests::{fixture_corpus, project, GenezioLocal};

#[test]
fn fixture_sidecar_under_genezio_local_matches_in_process_and_wasm() {
    let corpus = fixture_corpus();
    let wasm_answers = {
        let wasm = project("tests/fixture-app", "fixture-wasm", &["--mode", "wasm"]);
        let local = GenezioLocal::start(&wasm, "Fixture", "api");
        collect(&local, &corpus)
    };

    let native = project(
        "tests/fixture-app",
        "fixture-native-x86_64",
        &["--mode", "native", "--arch", "x86_64"],
    );
    let local = GenezioLocal::start(&native, "Fixture", "api");
    let mut problems = check_cases(&local, "tests/fixture-app", &corpus);
    problems.extend(check_parity(
        &corpus,
        &wasm_answers,
        &collect(&local, &corpus),
        "native vs wasm under genezio local",
    ));
    problems.extend(check_concurrently(&local));
    problems.extend(check_panic_recovery(&local));
    problems.extend(check_limits(&local, Front::GenezioLocal));
    problems.extend(check_kill_mid_request(&local, 502));
    problems.extend(local.check_panic_logged());
    local.assert_no_problems(&problems);
}
