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

/// A crate `name` of its own workspace in `dir`, with `dependencies` (TOML lines) and `lib` as
/// its `src/lib.rs`; its directory.
fn scratch_crate(dir: &Path, name: &str, dependencies: &str, lib: &str) -> PathBuf {
    let krate = dir.join(name);
    fs::create_dir_all(krate.join("src")).unwrap();
    fs::write(
        krate.join("Cargo.toml"),
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n{dependencies}\n[workspace]\n"),
    )
    .unwrap();
    fs::write(krate.join("src/lib.rs"), lib).unwrap();
    krate
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
const { WasmHost } = await import(pathToFileURL(path.join(dir, "wasm-host.mjs")).href);
const host = WasmHost.load(pathToFileURL(dir + "/").href, "./service.wasm");
const res = await host.handle({ http: { method: "GET", path: route }, headers: {}, rawBody: undefined });
console.log(JSON.stringify(res));
"#;

/// The crates gzrs publishes: what `cargo install gzrs` and a generated project need.
const PUBLISHED: [&str; 10] = [
    "gzrs-core",
    "gzrs-platform",
    "gzrs-wasm",
    "gzrs-native",
    "gzrs-class-macros",
    "gzrs-class",
    "gzrs-emulator",
    "gzrs-build",
    "gzrs-bench",
    "gzrs",
];

/// Runs a command to completion; its output on failure.
fn run_ok(command: &mut Command, what: &str) -> Output {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        stderr(&output)
    );
    output
}

/// gzrs as a user installs it: every crate packaged (`cargo package`), the packages standing in
/// for crates.io (`[patch.crates-io]` in a cargo home of the test's own), `cargo install` from
/// the CLI's package. Then `gzrs new`, a wasm build, and `gzrs local` in both modes, whose
/// generated entries must name gzrs's crates by version, never by a path into this repository.
#[test]
fn gzrs_installed_from_its_packages_builds_and_serves_a_new_crate_in_both_modes() {
    let repo = gzrs_tests::repo_root();
    let dir = scratch("install");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());

    let mut package = Command::new(&cargo);
    package
        .args(["package", "--no-verify", "--allow-dirty", "--target-dir"])
        .arg(dir.join("package-target"))
        .current_dir(repo);
    for name in PUBLISHED {
        package.args(["-p", name]);
    }
    run_ok(&mut package, "cargo package");
    let packages = dir.join("packages");
    fs::create_dir_all(&packages).unwrap();
    let mut patch = String::from("[patch.crates-io]\n");
    for name in PUBLISHED {
        let file = dir.join(format!("package-target/package/{name}-0.1.0.crate"));
        run_ok(
            Command::new("tar")
                .arg("xzf")
                .arg(&file)
                .arg("-C")
                .arg(&packages),
            &format!("unpacking {}", file.display()),
        );
        if name != "gzrs" {
            let path = packages.join(format!("{name}-0.1.0"));
            patch.push_str(&format!(
                "{name} = {{ path = {:?} }}\n",
                path.to_str().unwrap()
            ));
        }
    }
    // A cargo home whose config holds the patch; the machine's registry cache is shared.
    let home = dir.join("cargo-home");
    fs::create_dir_all(&home).unwrap();
    fs::write(home.join("config.toml"), patch).unwrap();
    let user_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cargo"));
    std::os::unix::fs::symlink(user_home.join("registry"), home.join("registry")).unwrap();

    // Its own target dir: the installed gzrs must not replace the one the other tests run.
    run_ok(
        Command::new(&cargo)
            .args(["install", "--locked", "--debug", "--path"])
            .arg(packages.join("gzrs-0.1.0"))
            .arg("--root")
            .arg(dir.join("root"))
            .arg("--target-dir")
            .arg(repo.join("target/gzrs-tests/install-target"))
            .env("CARGO_HOME", &home)
            // No debug info: the installed gzrs is only run, and it compiles faster without.
            .env("CARGO_PROFILE_DEV_DEBUG", "0")
            .env_remove("GZRS_SOURCE")
            .current_dir(&dir),
        "cargo install gzrs from its package",
    );
    let installed = dir.join("root/bin/gzrs");
    let node_bin = repo.join("tests/node/node_modules/.bin");
    let path = format!(
        "{}:{}",
        node_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // Services share this repository's target dir, so their dependencies compile once.
    let gzrs = |args: &[&str]| {
        let mut command = Command::new(&installed);
        command
            .args(args)
            .current_dir(&dir)
            .env("CARGO_HOME", &home)
            .env("CARGO_TARGET_DIR", repo.join("target"))
            .env("PATH", &path)
            .env_remove("GZRS_SOURCE");
        command
    };

    run_ok(&mut gzrs(&["new", "installed-svc"]), "gzrs new");
    let out = dir.join("out");
    run_ok(
        &mut gzrs(&[
            "build",
            "--mode",
            "wasm",
            "--no-install",
            "--out",
            out.to_str().unwrap(),
            "installed-svc",
        ]),
        "gzrs build --mode wasm",
    );
    let yaml = fs::read_to_string(out.join("genezio.yaml")).expect("genezio.yaml");
    assert!(
        yaml.contains("name: installed-svc") && yaml.contains("yamlVersion: 2"),
        "{yaml}"
    );
    // Defaults: class from the crate name, method `api`.
    let class = fs::read_to_string(out.join("server/InstalledSvc.ts")).expect("the class file");
    assert!(
        class.contains("export class InstalledSvc") && class.contains("async api("),
        "{class}"
    );
    let response = call(&out, "/InstalledSvc/api/hello/you", &dir);
    assert_eq!(response["statusCode"], 200, "{response}");
    assert_eq!(
        response["body"], r#"{"message":"Hello, you!"}"#,
        "{response}"
    );

    // Each mode under one of the two Node runtime loops `gzrs local` runs a bundle with.
    for (mode, runtime, says) in [
        ("wasm", "bootstrap", "bootstrap"),
        ("native", "ric", "aws-lambda-ric"),
    ] {
        let port = gzrs_tests::local::free_port();
        let log = dir.join(format!("local-{mode}.log"));
        let local_out = dir.join(format!("local-{mode}"));
        let mut process = gzrs_tests::GroupGuard::spawn(
            gzrs(&[
                "local",
                "--mode",
                mode,
                "--node-runtime",
                runtime,
                "--port",
                &port.to_string(),
                "--out",
                local_out.to_str().unwrap(),
                "installed-svc",
            ])
            .env("GZRS_LAMBDA_RIC", gzrs_tests::lambda::aws_lambda_ric()),
            &log,
        );
        let url = format!("http://127.0.0.1:{port}/InstalledSvc/api/hello/you");
        let agent = gzrs_tests::http_agent();
        let started = std::time::Instant::now();
        let body = loop {
            if let Ok(mut answer) = agent.get(&url).call() {
                break answer.body_mut().read_to_string().unwrap_or_default();
            }
            assert!(
                !process.exited() && started.elapsed() < std::time::Duration::from_secs(600),
                "gzrs local --mode {mode} did not serve:\n{}",
                fs::read_to_string(&log).unwrap_or_default()
            );
            std::thread::sleep(std::time::Duration::from_millis(500));
        };
        assert_eq!(body, r#"{"message":"Hello, you!"}"#, "[{mode}]");
        let said = fs::read_to_string(&log).unwrap_or_default();
        assert!(
            said.contains(says),
            "[{mode}] gzrs local does not say which runtime runs: {said}"
        );
    }

    // The generated entries: gzrs's crates by version, nothing from this repository.
    for (entry, dependency) in [
        ("entry-wasm", "gzrs-wasm = \"=0.1.0\""),
        ("native-entry", "gzrs-native = \"=0.1.0\""),
    ] {
        let entry = repo.join("target/gzrs").join(entry).join("installed-svc");
        let manifest = fs::read_to_string(entry.join("Cargo.toml")).expect("the entry's manifest");
        assert!(
            manifest.contains(dependency),
            "{}: {manifest}",
            entry.display()
        );
        for file in ["Cargo.toml", "Cargo.lock"] {
            let text = fs::read_to_string(entry.join(file)).unwrap_or_default();
            assert!(
                !text.contains(repo.to_str().unwrap()),
                "{} refers to the source tree {}:\n{text}",
                entry.join(file).display(),
                repo.display()
            );
        }
    }
    let _ = fs::remove_dir_all(&dir);
}

/// Runs the built project's class on `route` (through [`CALL_SCRIPT`]): its response object.
fn call(project: &Path, route: &str, dir: &Path) -> serde_json::Value {
    let script = dir.join("call.mjs");
    fs::write(&script, CALL_SCRIPT).unwrap();
    let called = Command::new("node")
        .arg(&script)
        .arg(project)
        .arg(route)
        .output()
        .expect("node runs");
    assert!(called.status.success(), "{}", stderr(&called));
    let stdout = String::from_utf8_lossy(&called.stdout);
    serde_json::from_str(stdout.trim().lines().last().unwrap_or_default()).expect("JSON")
}

/// The custom sections' names in a wasm module (none should ship).
fn custom_sections(module: &[u8]) -> Vec<String> {
    assert_eq!(&module[..4], b"\0asm", "not a wasm module");
    let (mut names, mut at) = (Vec::new(), 8);
    let leb = |at: &mut usize| {
        let (mut value, mut shift) = (0usize, 0);
        loop {
            let byte = module[*at];
            *at += 1;
            value |= ((byte & 0x7f) as usize) << shift;
            shift += 7;
            if byte < 0x80 {
                return value;
            }
        }
    };
    while at < module.len() {
        let id = module[at];
        at += 1;
        let size = leb(&mut at);
        let end = at + size;
        if id == 0 {
            let mut name_at = at;
            let len = leb(&mut name_at);
            names.push(String::from_utf8_lossy(&module[name_at..name_at + len]).into_owned());
        }
        at = end;
    }
    names
}

#[test]
fn the_wasm_module_is_optimized_when_wasm_opt_is_there_and_still_builds_when_not() {
    assert!(
        gzrs_tests::which("wasm-opt"),
        "wasm-opt (binaryen) is missing: scripts/setup.sh installs it (apt-get install binaryen)"
    );
    let dir = scratch("wasm-opt");
    assert!(gzrs(&["new", "opt-svc"], &dir).status.success());
    let build = |out: &str, extra: &[&str], tool: Option<&Path>| {
        let out = dir.join(out);
        let mut command = Command::new(gzrs_tests::gzrs());
        command
            .args(["build", "--mode", "wasm", "--no-install"])
            .args(extra)
            .arg("--out")
            .arg(&out)
            .arg("opt-svc")
            .current_dir(&dir)
            .env("CARGO_TARGET_DIR", gzrs_tests::repo_root().join("target"));
        if let Some(tool) = tool {
            command.env("GZRS_WASM_OPT", tool);
        }
        let built = command.output().expect("gzrs runs");
        assert!(
            built.status.success(),
            "gzrs build failed: {}",
            stderr(&built)
        );
        let module = fs::read(out.join("server/gzrs/service.wasm")).expect("the module");
        (out, module, stderr(&built))
    };

    let (optimized, optimized_module, log) = build("optimized", &[], None);
    assert!(log.contains("Optimizing the module"), "{log}");
    let (plain, plain_module, log) = build("plain", &["--no-wasm-opt"], None);
    assert!(
        !log.contains("Optimizing") && !log.contains("warning"),
        "{log}"
    );
    // A wasm-opt that fails: a warning that says what happened, and the module as rustc built it.
    let broken = dir.join("broken-wasm-opt");
    fs::write(
        &broken,
        "#!/bin/sh\necho 'wasm-opt: out of cheese' >&2\nexit 3\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&broken, fs::Permissions::from_mode(0o755)).unwrap();
    let (fallback, fallback_module, log) = build("fallback", &[], Some(&broken));
    assert!(
        log.contains("warning") && log.contains("out of cheese") && log.contains("--no-wasm-opt"),
        "{log}"
    );
    assert_eq!(
        fallback_module, plain_module,
        "the fallback ships the module only stripped"
    );

    assert!(
        optimized_module.len() < plain_module.len() * 95 / 100,
        "wasm-opt made the module {} bytes from {}",
        optimized_module.len(),
        plain_module.len()
    );
    for module in [&optimized_module, &plain_module] {
        assert_eq!(custom_sections(module), Vec::<String>::new());
    }
    // All three answer alike.
    let expected = call(&plain, "/OptSvc/api/hello/you", &dir);
    assert_eq!(
        expected["body"], r#"{"message":"Hello, you!"}"#,
        "{expected}"
    );
    assert_eq!(call(&optimized, "/OptSvc/api/hello/you", &dir), expected);
    assert_eq!(call(&fallback, "/OptSvc/api/hello/you", &dir), expected);
    let missing = call(&optimized, "/OptSvc/api/nowhere", &dir);
    assert_eq!(missing, call(&plain, "/OptSvc/api/nowhere", &dir));
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

/// The body of `GET url`, if it answers 200.
fn get_text(agent: &ureq::Agent, url: &str) -> Option<String> {
    let mut answer = agent.get(url).call().ok()?;
    answer.body_mut().read_to_string().ok()
}

/// Waits up to `seconds` for `check`, failing with `what` and the log.
fn wait_for(seconds: u64, what: &str, log: &Path, mut check: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !check() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(seconds),
            "{what}:\n{}",
            fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

/// `gzrs dev` on the web platform (Node): an edit is served after the rebuild; a syntax error
/// shows the compiler's error and the last good build goes on serving.
#[test]
fn gzrs_dev_serves_each_edit_and_keeps_the_last_good_build_on_an_error() {
    dev_serves_each_edit("dev-svc", &[], "/");
}

/// The same for a Genezio project in native mode: each good build is bundled as Genezio deploys
/// it, and the executable takes over the Runtime API under aws-lambda-ric.
#[test]
fn gzrs_dev_serves_a_genezio_project_and_keeps_the_last_good_build_on_an_error() {
    dev_serves_each_edit(
        "dev-genezio",
        &["--platform", "genezio", "--mode", "native"],
        "/DevGenezio/api/",
    );
}

fn dev_serves_each_edit(name: &str, options: &[&str], path: &str) {
    let dir = scratch(name);
    assert!(gzrs(&["new", name], &dir).status.success());
    let port = gzrs_tests::local::free_port();
    let log = dir.join("dev.log");
    let mut process = gzrs_tests::GroupGuard::spawn(
        Command::new(gzrs_tests::gzrs())
            .args(["dev", "--port", &port.to_string()])
            .args(options)
            .current_dir(dir.join(name))
            .env("CARGO_TARGET_DIR", gzrs_tests::repo_root().join("target"))
            .env("GZRS_LAMBDA_RIC", gzrs_tests::lambda::aws_lambda_ric()),
        &log,
    );
    let agent = gzrs_tests::http_agent();
    let url = format!("http://127.0.0.1:{port}{path}");
    let answers = |text: &str| get_text(&agent, &url).is_some_and(|body| body == text);
    wait_for(600, "gzrs dev never served the new crate", &log, || {
        assert!(
            !process.exited(),
            "gzrs dev exited:\n{}",
            fs::read_to_string(&log).unwrap_or_default()
        );
        answers("Hello from Rust!")
    });

    let lib = dir.join(name).join("src/lib.rs");
    let source = fs::read_to_string(&lib).unwrap();
    fs::write(&lib, source.replace("Hello from Rust!", "Hello, edited!")).unwrap();
    wait_for(600, "the edit was never served", &log, || {
        answers("Hello, edited!")
    });

    fs::write(
        &lib,
        format!(
            "{}\nfn broken( {{\n",
            source.replace("Hello from Rust!", "Hello, edited!")
        ),
    )
    .unwrap();
    wait_for(600, "the compiler's error was never shown", &log, || {
        fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("unclosed delimiter")
    });
    let said = fs::read_to_string(&log).unwrap_or_default();
    assert!(said.contains("The last good build keeps serving"), "{said}");
    assert!(
        answers("Hello, edited!"),
        "the last good build stopped serving:\n{said}"
    );
    assert!(
        !process.exited(),
        "gzrs dev exited on a compile error:\n{said}"
    );
    drop(process);
    let _ = fs::remove_dir_all(&dir);
}

/// The dependencies of the Lambda crates below, the same for both, so their native builds share
/// every compiled dependency.
const LAMBDA_DEPENDENCIES: &str = "axum = { version = \"0.8\", default-features = false }\ntokio = { version = \"1\", features = [\"macros\"] }\n";
const LAMBDA_HTTP: &str =
    "lambda_http = { version = \"0.14\", default-features = false, features = [\"apigw_http\"] }\n";

/// `gzrs build --platform server --arch x86_64` of `krate` (in `cwd`) into `out`.
fn build_server(krate: &str, out: &Path, cwd: &Path) {
    let out = out.to_str().expect("a UTF-8 path");
    let built = gzrs(
        &[
            "build",
            "--platform",
            "server",
            "--arch",
            "x86_64",
            "--out",
            out,
            krate,
        ],
        cwd,
    );
    assert!(built.status.success(), "{}", stderr(&built));
}

/// Starts `command` (a server on `port`), waits until `GET path` answers 200, and returns the
/// guard and that first answer's body.
fn serve(
    command: &mut Command,
    port: u16,
    path: &str,
    log: &Path,
) -> (gzrs_tests::GroupGuard, String) {
    let mut server = gzrs_tests::GroupGuard::spawn(command.env("PORT", port.to_string()), log);
    let agent = gzrs_tests::http_agent();
    let url = format!("http://127.0.0.1:{port}{path}");
    let mut body = None;
    wait_for(60, "the server never answered", log, || {
        assert!(
            !server.exited(),
            "the server exited:\n{}",
            fs::read_to_string(log).unwrap_or_default()
        );
        body = get_text(&agent, &url);
        body.is_some()
    });
    (server, body.unwrap_or_default())
}

/// The program a Lambda user brings (the blog post's, cargo lambda's shape): a binary whose
/// `main` serves a Router with `lambda_http::run`. gzrs shows the src/lib.rs to add, built from
/// that Router; made as the message says, the crate serves its route in both modes, and its
/// `main` still builds for Lambda.
#[test]
fn the_lambda_program_is_shown_its_change_and_then_serves_in_both_modes() {
    let dir = scratch("seed");
    let seed = dir.join("seed");
    fs::create_dir_all(seed.join("src")).unwrap();
    let manifest = format!(
        "[package]\nname = \"seed\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n{LAMBDA_DEPENDENCIES}{LAMBDA_HTTP}\n[workspace]\n"
    );
    fs::write(seed.join("Cargo.toml"), &manifest).unwrap();
    let main = "use axum::{routing::get, Router};\nuse lambda_http::{run, Error};\n\n#[tokio::main]\nasync fn main() -> Result<(), Error> {\n    let app = Router::new().route(\"/\", get(|| async { \"Hello\" }));\n    run(app).await\n}\n";
    fs::write(seed.join("src/main.rs"), main).unwrap();
    let binary = gzrs(&["build", "--platform", "web", "seed"], &dir);
    let said = stderr(&binary);
    assert!(!binary.status.success(), "{said}");
    assert!(
        said.contains("is a binary")
            && said.contains("let app = seed::app();")
            && said.contains("[target.'cfg(not(target_family = \"wasm\"))'.dependencies]"),
        "{said}"
    );
    assert!(!said.contains("Compiling"), "{said}");

    // The change, as the message gives it: its src/lib.rs (with main's `use` line for the
    // Router), its line for main, lambda_http for native targets only.
    let lib: String = said
        .lines()
        .skip_while(|line| !line.contains("// src/lib.rs"))
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .map(|line| format!("{}\n", line.strip_prefix("    ").unwrap_or(line)))
        .collect();
    assert!(lib.contains("pub fn app() -> axum::Router {"), "{said}");
    fs::write(
        seed.join("src/lib.rs"),
        format!("use axum::{{routing::get, Router}};\n\n{lib}"),
    )
    .unwrap();
    let app_line = main
        .lines()
        .find(|line| line.contains("let app ="))
        .unwrap();
    fs::write(
        seed.join("src/main.rs"),
        main.replace(app_line, "    let app = seed::app();"),
    )
    .unwrap();
    // Until lambda_http is declared for native targets only, wasm mode fails in lambda_http's
    // Runtime API client, and the hint names that way in (as `cargo tree -i` does) and the fix.
    let refused = gzrs(
        &[
            "build",
            "--platform",
            "web",
            "--out",
            dir.join("refused").to_str().unwrap(),
            "seed",
        ],
        &dir,
    );
    let said = stderr(&refused);
    assert!(!refused.status.success(), "{said}");
    assert!(
        said.contains("seed → lambda_http → lambda_runtime")
            && said.contains("lambda_http and lambda_runtime are the Lambda runtime's own client"),
        "{said}"
    );
    fs::write(
        seed.join("Cargo.toml"),
        manifest.replace(
            LAMBDA_HTTP,
            &format!("\n[target.'cfg(not(target_family = \"wasm\"))'.dependencies]\n{LAMBDA_HTTP}"),
        ),
    )
    .unwrap();

    // Native: the server platform's executable.
    let native = dir.join("server");
    build_server("seed", &native, &dir);
    let (server, body) = serve(
        &mut Command::new(native.join("service-amd64")),
        gzrs_tests::local::free_port(),
        "/",
        &dir.join("native.log"),
    );
    assert_eq!(body, "Hello", "[native]");
    drop(server);

    // wasm: the web platform under Node.
    let web = dir.join("web");
    let built = gzrs(
        &[
            "build",
            "--platform",
            "web",
            "--out",
            web.to_str().unwrap(),
            "seed",
        ],
        &dir,
    );
    assert!(built.status.success(), "{}", stderr(&built));
    let (server, body) = serve(
        Command::new("node").arg("server.mjs").current_dir(&web),
        gzrs_tests::local::free_port(),
        "/",
        &dir.join("web.log"),
    );
    assert_eq!(body, "Hello", "[wasm]");
    drop(server);

    // `main` is still the Lambda program it was.
    let checked = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["check", "--quiet", "--bin", "seed"])
        .current_dir(&seed)
        .env(
            "CARGO_TARGET_DIR",
            gzrs_tests::repo_root().join("target/gzrs-tests/seed-check"),
        )
        .output()
        .unwrap();
    assert!(checked.status.success(), "{}", stderr(&checked));
    let _ = fs::remove_dir_all(&dir);
}

/// A handler written for lambda_http reads its query string, its request context and its
/// Lambda context through `RequestExt` in native mode, as behind a Lambda function URL.
#[test]
fn a_lambda_http_handler_reads_its_request_extensions_natively() {
    let dir = scratch("lambda-ext");
    scratch_crate(
        &dir,
        "lambda-ext",
        &format!("{LAMBDA_DEPENDENCIES}{LAMBDA_HTTP}serde_json = \"1\"\n"),
        r#"use axum::{extract::Request, routing::get, Router};
use lambda_http::RequestExt;

pub fn app() -> Router {
    Router::new().route(
        "/items",
        get(|request: Request| async move {
            let query = request.query_string_parameters();
            let context = serde_json::to_value(request.request_context()).unwrap();
            format!(
                "name={} tags={:?} {} {} from {} at {} by {} invocation {}",
                query.first("name").unwrap_or("nobody"),
                query.all("tag"),
                context["http"]["method"],
                context["http"]["path"],
                context["http"]["sourceIp"],
                context["stage"],
                context["accountId"],
                !request.lambda_context().request_id.is_empty(),
            )
        }),
    )
}
"#,
    );
    let out = dir.join("server");
    build_server("lambda-ext", &out, &dir);
    let port = gzrs_tests::local::free_port();
    let (server, body) = serve(
        &mut Command::new(out.join("service-amd64")),
        port,
        "/items?name=ada&tag=a&tag=b%20c",
        &dir.join("server.log"),
    );
    assert_eq!(
        body,
        r#"name=ada tags=Some(["a", "b c"]) "GET" "/items" from "" at "$default" by "anonymous" invocation true"#
    );
    // Behind a proxy, the caller is the first hop of x-forwarded-for, as a function URL says.
    let mut answer = gzrs_tests::http_agent()
        .get(format!("http://127.0.0.1:{port}/items"))
        .header("x-forwarded-for", "203.0.113.9, 10.0.0.1")
        .call()
        .expect("the server answers");
    let body = answer.body_mut().read_to_string().unwrap();
    assert!(body.contains(r#"from "203.0.113.9""#), "{body}");
    drop(server);
    // In wasm mode lambda_http cannot build; the failure names the way in and the fix
    // (`compile_hint`'s unit tests in build/src/wasm/entry.rs), and the test above follows that fix.
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
