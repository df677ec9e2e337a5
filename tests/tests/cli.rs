//! The `gzrs` command as a user meets it: `gzrs new` gives a crate that builds and answers, and
//! mistakes get errors that say what to do next.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scratch directory outside the repository: a crate inside it would be taken for a member
/// of this workspace.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gzrs-cli-test-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create a scratch dir");
    dir
}

/// Runs gzrs; wasm builds share this repository's target dir so dependencies compile once.
fn gzrs(args: &[&str], cwd: &Path) -> Output {
    Command::new(gzrs_tests::gzrs())
        .args(args)
        .current_dir(cwd)
        .env("CARGO_TARGET_DIR", gzrs_tests::repo_root().join("target"))
        .output()
        .expect("gzrs runs")
}

/// `gzrs build --mode wasm --no-install --out OUT KRATE`, run in `cwd`.
fn build_wasm(krate: &str, out: &Path, cwd: &Path) -> Output {
    let out = out.to_str().expect("a UTF-8 path");
    gzrs(
        &[
            "build",
            "--mode",
            "wasm",
            "--no-install",
            "--out",
            out,
            krate,
        ],
        cwd,
    )
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Calls the built project's class the way Genezio's handler would, through the host gzrs
/// shipped in it, and prints the response object as JSON.
const CALL_SCRIPT: &str = r#"
import path from "node:path";
import { pathToFileURL } from "node:url";
const [project, route] = process.argv.slice(2);
const dir = path.join(project, "server", "gzrs");
const glue = await import(pathToFileURL(path.join(dir, "app.js")).href);
const { WasmHost } = await import(pathToFileURL(path.join(dir, "wasm-host.mjs")).href);
const host = WasmHost.load(glue, pathToFileURL(dir + "/").href, "./app_bg.wasm");
const res = await host.handle({ http: { method: "GET", path: route }, headers: {}, rawBody: undefined });
console.log(JSON.stringify(res));
"#;

#[test]
fn a_new_crate_builds_in_wasm_mode_and_answers() {
    let dir = scratch("new");
    let created = gzrs(&["new", "my-svc"], &dir);
    assert!(
        created.status.success(),
        "gzrs new failed: {}",
        stderr(&created)
    );
    let krate = dir.join("my-svc");
    assert!(krate.join("src/lib.rs").exists() && krate.join("Cargo.toml").exists());

    let out = dir.join("out");
    let built = build_wasm("my-svc", &out, &dir);
    assert!(
        built.status.success(),
        "gzrs build failed: {}",
        stderr(&built)
    );
    let yaml = fs::read_to_string(out.join("genezio.yaml")).expect("genezio.yaml");
    assert!(
        yaml.contains("name: my-svc") && yaml.contains("yamlVersion: 2"),
        "{yaml}"
    );
    // Defaults: class from the crate name, method `api`.
    let class = fs::read_to_string(out.join("server/MySvc.ts")).expect("the class file");
    assert!(
        class.contains("export class MySvc") && class.contains("async api("),
        "{class}"
    );

    let script = dir.join("call.mjs");
    fs::write(&script, CALL_SCRIPT).unwrap();
    let called = Command::new("node")
        .arg(&script)
        .arg(&out)
        .arg("/MySvc/api/hello/you")
        .output()
        .expect("node runs");
    assert!(called.status.success(), "{}", stderr(&called));
    let response: serde_json::Value = serde_json::from_slice(&called.stdout).expect("JSON");
    assert_eq!(response["statusCode"], 200, "{response}");
    assert_eq!(
        response["body"], r#"{"message":"Hello, you!"}"#,
        "{response}"
    );
    let _ = fs::remove_dir_all(&dir);
}

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

    // A function that does not exist: the compiler's error, then what to check.
    fs::write(&manifest, with(r#"function = "nope""#)).unwrap();
    let out = dir.join("out");
    let bad_function = build_wasm("taken", &out, &dir);
    assert!(!bad_function.status.success());
    assert!(
        stderr(&bad_function).contains("hint:") && stderr(&bad_function).contains("`function`"),
        "{}",
        stderr(&bad_function)
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
