//! gzrs installed from its packages, as a user installs it from crates.io.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use gzrs_tests::command_line::*;

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
