//! `gzrs build --mode wasm` projects served by the real `genezio local`: every corpus request
//! must get the answer the service gives in-process, sequentially and concurrently, a panic
//! must cost one 500, not the instance, and a request over one of gzrs's limits its 4xx.
//!
//! One test per project, with sub-checks whose failures are gathered, so one `genezio local`
//! serves all of them and every failing case is reported at once.

use std::path::{Path, PathBuf};

use gzrs_tests::checks::{
    check_cases, check_concurrently, check_limits, check_panic_recovery, Front,
};
use gzrs_tests::{fixture_corpus, hello_corpus, GenezioLocal};

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

    let mut problems = check_cases(&local, "tests/fixture-app", &fixture_corpus());
    problems.extend(check_concurrently(&local));
    problems.extend(check_panic_recovery(&local));
    problems.extend(check_limits(&local, Front::GenezioLocal));
    problems.extend(local.check_panic_logged());
    local.assert_no_problems(&problems);
}

#[test]
fn hello_example_under_genezio_local() {
    let project = project("examples/hello", "hello");
    let local = GenezioLocal::start(&project, "Hello", "api");

    let problems = check_cases(&local, "examples/hello", &hello_corpus());
    local.assert_no_problems(&problems);
}
