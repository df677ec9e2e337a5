//! The user's `[profile.release]` is the one the service is compiled with.

use std::fs;
use std::process::Command;

use gzrs_tests::command_line::*;

/// The crate answers with the opt-level cargo compiled it at: cargo hands the profile's
/// `OPT_LEVEL` to build scripts, and this one hands it on to the code.
const BUILD_SCRIPT: &str = r#"fn main() {
    println!("cargo:rustc-env=BUILT_AT_OPT_LEVEL={}", std::env::var("OPT_LEVEL").unwrap());
}
"#;

#[test]
fn the_users_release_profile_is_the_one_the_service_is_built_with() {
    let dir = scratch("profile");
    let krate = scratch_crate(
        &dir,
        "profiled",
        "axum = { version = \"0.8\", default-features = false }\n",
        "pub fn app() -> axum::Router {\n    axum::Router::new().route(\"/\", axum::routing::get(|| async { env!(\"BUILT_AT_OPT_LEVEL\") }))\n}\n",
    );
    fs::write(krate.join("build.rs"), BUILD_SCRIPT).unwrap();
    let manifest = krate.join("Cargo.toml");
    let text = fs::read_to_string(&manifest).unwrap();
    fs::write(
        &manifest,
        format!("{text}\n[profile.release]\nopt-level = 1\npanic = \"unwind\"\n"),
    )
    .unwrap();

    let out = dir.join("out");
    // An opt-level in the environment would win over the crate's, as cargo takes it.
    let built = Command::new(gzrs_tests::gzrs())
        .args(["build", "--platform", "web", "--out"])
        .arg(&out)
        .arg("profiled")
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", gzrs_tests::shared_target_dir())
        .env_remove("CARGO_PROFILE_RELEASE_OPT_LEVEL")
        .output()
        .expect("gzrs runs");
    let said = stderr(&built);
    assert!(built.status.success(), "{said}");
    assert!(
        said.contains("cargo build --release, opt-level 1"),
        "{said}"
    );
    assert!(
        said.contains("panic = \"unwind\" is replaced by \"abort\""),
        "what gzrs keeps of its own is said: {said}"
    );
    // The module answers with the opt-level it was compiled at.
    let script = "const { default: handler } = await import(process.argv[1] + '/handler.mjs');\n\
                  const response = await handler.fetch(new Request('http://localhost/'));\n\
                  console.log(await response.text());";
    let ran = run_ok(
        Command::new("node")
            .args(["--input-type=module", "-e", script])
            .arg(&out),
        "node calling the fetch handler",
    );
    // The last line: the handler says which runtime it started on first.
    let answer = String::from_utf8_lossy(&ran.stdout);
    assert_eq!(answer.lines().last(), Some("1"), "{answer}");
    let _ = fs::remove_dir_all(&dir);
}
