//! What cannot run in wasm mode is refused, naming the crate at fault and the fix; what
//! gzrs adds to a wasm build follows the service's own graph.

use std::fs;
use std::process::Command;

use gzrs_tests::command_line::*;

/// A crate that cannot compile for wasm32-wasip1 (ring's C code, with no C compiler for wasm32:
/// forced here so the test does not depend on whether clang is installed) is named, with how the
/// service depends on it and what to do; and no hint about something else (getrandom) appears.
#[test]
fn a_wasm_build_failure_names_the_crate_at_fault_and_the_fix() {
    let out =
        std::env::temp_dir().join(format!("gzrs-cli-test-{}-digest-wasm", std::process::id()));
    let failed = Command::new(gzrs_tests::gzrs())
        .args(["build", "--mode", "wasm", "--no-install", "--out"])
        .arg(&out)
        .arg(gzrs_tests::repo_root().join("examples/digest"))
        .env("CC_wasm32_wasip1", "/nonexistent/clang")
        .output()
        .expect("gzrs runs");
    let log = stderr(&failed);
    assert!(!failed.status.success(), "{log}");
    assert!(
        log.contains(
            "hint: the crate `ring` (through digest → ring) failed to compile for wasm32-wasip1"
        ),
        "{log}"
    );
    assert!(
        log.contains("C compiler") && log.contains("--mode native"),
        "{log}"
    );
    // Only the crate at fault is named (cargo's own output may list getrandom being compiled).
    let hints: Vec<&str> = log.lines().filter(|l| l.starts_with("hint:")).collect();
    assert!(hints.iter().all(|h| !h.contains("getrandom")), "{hints:?}");
    let _ = fs::remove_dir_all(&out);
}

/// What the linked module can call decides, not what the graph names. A service that calls
/// JavaScript's `Date.now` through js-sys (as code written for browsers or Workers does) is
/// refused after compiling, before anything ships whose calls would panic at request time: the
/// message names the crate that calls the bindings and the way out. The same crate with js-sys
/// only in its graph, never called (jsonwebtoken's case), builds.
#[test]
fn a_service_that_calls_javascript_bindings_is_refused_and_one_that_only_names_them_builds() {
    let dir = scratch("js-bindings");
    let krate = scratch_crate(
        &dir,
        "fetcher",
        r#"axum = { version = "0.8", default-features = false }
js-sys = "0.3"
serde = { version = "1", features = ["derive"] }

"#,
        "pub fn app() -> axum::Router { axum::Router::new() }\n",
    );
    let calls = "pub fn app() -> axum::Router {\n    axum::Router::new().route(\"/\", axum::routing::get(|| async { js_sys::Date::now().to_string() }))\n}\n";
    fs::write(krate.join("src/lib.rs"), calls).unwrap();
    let refused = build_wasm("fetcher", &dir.join("out"), &dir);
    let log = stderr(&refused);
    assert!(!refused.status.success(), "{log}");
    assert!(
        log.contains("calls JavaScript through wasm-bindgen, which gzrs's wasm mode")
            && log.contains("`fetcher` calls JavaScript")
            && log.contains("--mode native"),
        "{log}"
    );
    assert!(
        !dir.join("out").join("server/gzrs/service.wasm").exists(),
        "nothing ships: {log}"
    );

    // With a usize in a deserialized type, which gzrs warns of (32 bits in wasm mode).
    let names_only = "pub fn app() -> axum::Router { axum::Router::new() }\n\n#[derive(Debug, serde::Deserialize)]\npub struct Claims {\n    pub exp: usize,\n}\n";
    fs::write(krate.join("src/lib.rs"), names_only).unwrap();
    let built = build_wasm("fetcher", &dir.join("out"), &dir);
    let log = stderr(&built);
    assert!(built.status.success(), "{log}");
    assert!(
        log.contains("usize is 32 bits in wasm mode")
            && log.contains("src/lib.rs:5: pub exp: usize,"),
        "{log}"
    );
    let _ = fs::remove_dir_all(&dir);
}

/// AWS-LC does not build for wasm32-wasip1 whatever the C toolchain (clang crashes on its
/// thread-locals): a service that brings it in is refused before compiling, with the crate and
/// feature that bring it and the feature to use instead.
#[test]
fn a_service_with_aws_lc_is_refused_before_compiling_with_the_feature_to_change() {
    let dir = scratch("aws-lc");
    scratch_crate(
        &dir,
        "signer",
        r#"axum = { version = "0.8", default-features = false }
jsonwebtoken = { version = "10", features = ["aws_lc_rs"] }

"#,
        "pub fn app() -> axum::Router { axum::Router::new() }\n",
    );
    let refused = build_wasm("signer", &dir.join("out"), &dir);
    let log = stderr(&refused);
    assert!(!refused.status.success(), "{log}");
    assert!(
        log.contains("signer → jsonwebtoken → aws-lc-rs → aws-lc-sys")
            && log.contains("`jsonwebtoken`'s feature `aws_lc_rs`")
            && log.contains("`rust_crypto` instead")
            && log.contains("--mode native"),
        "{log}"
    );
    assert!(
        !log.contains("Compiling signer"),
        "nothing is compiled: {log}"
    );
    let _ = fs::remove_dir_all(&dir);
}

/// What gzrs adds to a wasm build is decided from the service's own graph, found by the name
/// the entry gives it, whatever the crate is called: a crate named `gzrs-...` that logs and
/// uses tokio's timers gets the console logger and the host-driven runtime.
#[test]
fn a_service_named_like_gzrs_gets_its_features_from_its_own_graph() {
    let dir = scratch("gzrs-named");
    scratch_crate(
        &dir,
        "gzrs-named",
        r#"axum = { version = "0.8", default-features = false }
tracing = "0.1"
tokio = { version = "1", features = ["time"] }

"#,
        "pub fn app() -> axum::Router { axum::Router::new() }\n",
    );
    let built = build_wasm("gzrs-named", &dir.join("out"), &dir);
    assert!(built.status.success(), "{}", stderr(&built));
    let entry = gzrs_tests::repo_root().join("target/gzrs/entry-wasm/gzrs-named/Cargo.toml");
    let manifest = fs::read_to_string(&entry).expect("the generated entry");
    assert!(
        manifest.contains(r#"features = ["logs", "tokio", "tokio-time""#),
        "{manifest}"
    );
    let _ = fs::remove_dir_all(&dir);
}
