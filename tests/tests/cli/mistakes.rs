//! Mistakes get errors that say what to do next, before anything long runs.

use std::fs;
use std::process::Command;

use gzrs_tests::command_line::*;

#[test]
fn mistakes_get_errors_that_say_what_to_do() {
    let dir = scratch("errors");

    let missing = gzrs(&["build", "--mode", "wasm", "nowhere"], &dir);
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains("no Cargo.toml") && stderr(&missing).contains("gzrs new"),
        "{}",
        stderr(&missing)
    );

    let no_mode = gzrs(&["build", "."], &dir);
    assert!(!no_mode.status.success());
    assert!(stderr(&no_mode).contains("--mode"), "{}", stderr(&no_mode));

    let exists = gzrs(&["new", "taken"], &dir);
    assert!(exists.status.success());
    let again = gzrs(&["new", "taken"], &dir);
    assert!(
        !again.status.success() && stderr(&again).contains("not empty"),
        "{}",
        stderr(&again)
    );

    // A bad setting is refused before anything is compiled, naming the key.
    let manifest = dir.join("taken/Cargo.toml");
    let original = fs::read_to_string(&manifest).unwrap();
    let with = |line: &str| {
        original.replace(
            "[package.metadata.gzrs]\n",
            &format!("[package.metadata.gzrs]\n{line}\n"),
        )
    };
    fs::write(&manifest, with(r#"class = "lowercase""#)).unwrap();
    let bad_class = gzrs(&["build", "--mode", "wasm", "--no-install", "taken"], &dir);
    assert!(
        !bad_class.status.success() && stderr(&bad_class).contains("upper-case"),
        "{}",
        stderr(&bad_class)
    );

    // A function that does not exist: found by reading the crate, before compiling anything,
    // with the file to edit. Run from `src/`: gzrs finds the crate's Cargo.toml above, as cargo.
    fs::write(&manifest, with(r#"function = "nope""#)).unwrap();
    let out = dir.join("out");
    let bad_function = build_wasm(".", &out, &dir.join("taken/src"));
    let said = stderr(&bad_function);
    assert!(!bad_function.status.success(), "{said}");
    assert!(
        said.contains("no function `nope`")
            && said.contains("taken::nope()")
            && said.contains("src/lib.rs")
            && said.contains("function = "),
        "{said}"
    );
    assert!(
        !said.contains("Compiling"),
        "compiled before finding no `nope`: {said}"
    );

    // `gzrs local` without the Genezio CLI says how to install it, before building anything.
    fs::write(&manifest, &original).unwrap();
    let local = Command::new(gzrs_tests::gzrs())
        .args(["local", "--mode", "wasm", "taken"])
        .current_dir(&dir)
        .env("GZRS_GENEZIO", dir.join("no-such-genezio"))
        .output()
        .unwrap();
    assert!(!local.status.success());
    assert!(
        stderr(&local).contains("npm install -g genezio@"),
        "{}",
        stderr(&local)
    );
    assert!(
        !stderr(&local).contains("Compiling"),
        "built before checking for genezio: {}",
        stderr(&local)
    );
    let _ = fs::remove_dir_all(&dir);
}

/// An ordinary mistake in the service's own code, in wasm mode: the compiler's error in full,
/// without cargo's progress lines and without a word about wasm.
#[test]
fn a_type_error_in_wasm_mode_shows_the_compilers_error_and_no_wasm_hint() {
    let dir = scratch("type-error");
    scratch_crate(
        &dir,
        "broken",
        "axum = { version = \"0.8\", default-features = false }\n",
        "pub fn app() -> axum::Router {\n    let count: u32 = \"three\";\n    let _ = count;\n    axum::Router::new()\n}\n",
    );
    let built = build_wasm("broken", &dir.join("out"), &dir);
    let said = stderr(&built);
    assert!(!built.status.success(), "{said}");
    assert!(
        said.contains("error[E0308]: mismatched types") && said.contains("src/lib.rs:2"),
        "{said}"
    );
    assert!(
        !said.contains("wasm32-wasip1:") && !said.contains("does not support"),
        "a wasm hint for a type error: {said}"
    );
    assert!(
        !said.contains("   Compiling "),
        "cargo's progress lines in the failure: {said}"
    );
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn native_builds_name_their_cpu_and_say_what_a_c_dependency_needs() {
    let dir = scratch("native");
    let repo = gzrs_tests::repo_root();

    // An arm64 executable cannot be served on this x86_64 machine: said before building.
    if std::env::consts::ARCH == "x86_64" {
        let local = gzrs(&["local", "--mode", "native", "--arch", "arm64", "x"], &dir);
        assert!(
            !local.status.success() && stderr(&local).contains("cannot run on this x86_64 machine"),
            "{}",
            stderr(&local)
        );
    }

    // A crate with C code (ring) and no usable C compiler for the target: what to install.
    let out = dir.join("digest");
    let built = Command::new(gzrs_tests::gzrs())
        .args([
            "build",
            "--mode",
            "native",
            "--arch",
            "arm64",
            "--no-install",
            "--out",
        ])
        .arg(&out)
        .arg(repo.join("examples/digest"))
        .env("CC_aarch64_unknown_linux_musl", dir.join("no-such-cc"))
        .output()
        .unwrap();
    assert!(!built.status.success());
    assert!(
        stderr(&built).contains("apt-get install gcc-aarch64-linux-gnu")
            && stderr(&built).contains("CC_aarch64_unknown_linux_musl"),
        "{}",
        stderr(&built)
    );
    let _ = fs::remove_dir_all(&dir);
}
