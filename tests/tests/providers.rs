//! Every Genezio provider, with default options: a native build made without `--arch` ships an
//! executable for each CPU, and answers the whole corpus through the genezio-cloud entry (lazy
//! constructor, its event shape, no Runtime API: the sidecar) and through the genezio-aws entry
//! under aws-lambda-ric (the trap), equal to the service built standalone and to wasm mode under
//! the same entry. The arm64 executable goes through the genezio-cloud entry too, under
//! `qemu-aarch64-static`. An executable that is missing, corrupt or for another CPU is a clear
//! error on every request through the genezio-cloud entry: never Genezio's TypeError, never a
//! hang.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gzrs_tests::checks::{check_cases, check_limits, check_parity, collect, Front};
use gzrs_tests::cloud::CloudLocal;
use gzrs_tests::lambda::{bundle, ric_runtime};
use gzrs_tests::{fixture_corpus, http_agent, project, repo_root, Case, LambdaLocal};

const DEFAULT_NATIVE: (&str, &[&str]) = ("fixture-native-default", &["--mode", "native"]);

fn work(name: &str) -> PathBuf {
    repo_root().join("target/gzrs-tests/providers").join(name)
}

fn default_native() -> PathBuf {
    project("tests/fixture-app", DEFAULT_NATIVE.0, DEFAULT_NATIVE.1)
}

fn wasm() -> PathBuf {
    project("tests/fixture-app", "fixture-wasm", &["--mode", "wasm"])
}

#[test]
fn a_default_native_build_ships_both_cpus_and_serves_genezio_cloud_and_aws() {
    let native = default_native();
    for arch in ["x86_64", "arm64"] {
        assert!(
            native.join(format!("server/gzrs/service-{arch}")).exists(),
            "a default native build ships the {arch} executable"
        );
    }
    let corpus = fixture_corpus();
    let mut problems = Vec::new();

    // genezio-cloud: the class built inside the first request, the executable as a sidecar.
    let wasm_cloud = {
        let cloud = CloudLocal::start(&wasm(), "Fixture", "api", &work("wasm-cloud"));
        let answers = collect(&cloud, &corpus);
        problems.extend(check_limits(&cloud, Front::Cloud));
        if !cloud
            .log()
            .contains("gzrs: wasm mode, in-process, x86_64, gzrs ")
        {
            problems.push(format!(
                "[cloud, wasm] no start line in the log:\n{}",
                cloud.log()
            ));
        }
        answers
    };
    let cloud = CloudLocal::start(&native, "Fixture", "api", &work("native-cloud"));
    problems.extend(check_cases(&cloud, "tests/fixture-app", &corpus));
    problems.extend(check_limits(&cloud, Front::Cloud));
    problems.extend(check_parity(
        &corpus,
        &wasm_cloud,
        &collect(&cloud, &corpus),
        "native vs wasm through the genezio-cloud entry",
    ));
    if !cloud
        .log()
        .contains("gzrs: native mode, sidecar, x86_64, gzrs ")
    {
        problems.push(format!(
            "[cloud, native] no start line in the log:\n{}",
            cloud.log()
        ));
    }

    // genezio-aws: the same project's aws bundle under AWS's own runtime client: the trap.
    let wasm_aws = {
        let task = bundle(&wasm(), "Fixture", "aws", &work("wasm-aws"));
        collect(
            &LambdaLocal::start(
                "Fixture",
                "api",
                Duration::from_secs(30),
                ric_runtime(&task),
            ),
            &corpus,
        )
    };
    let task = bundle(&native, "Fixture", "aws", &work("native-aws"));
    // The runtime's output to a file, for the instance's start line.
    let runtime_log = work("native-aws.log");
    let _ = fs::remove_file(&runtime_log);
    let (make, log) = (ric_runtime(&task), runtime_log.clone());
    let lambda = LambdaLocal::start("Fixture", "api", Duration::from_secs(30), move || {
        let mut command = make();
        let file = fs::File::options()
            .create(true)
            .append(true)
            .open(&log)
            .expect("the runtime's log");
        command
            .stdout(file.try_clone().expect("clone the log"))
            .stderr(file);
        command
    });
    problems.extend(check_cases(&lambda, "tests/fixture-app", &corpus));
    problems.extend(check_parity(
        &corpus,
        &wasm_aws,
        &collect(&lambda, &corpus),
        "native vs wasm under aws-lambda-ric",
    ));
    let output = fs::read_to_string(&runtime_log).unwrap_or_default();
    if !output.contains("gzrs: native mode, trap, x86_64, gzrs ") {
        problems.push(format!(
            "[aws, native] no trap start line in the runtime's output:\n{output}"
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_arm64_executable_serves_the_genezio_cloud_entry_under_qemu() {
    let qemu = "qemu-aarch64-static";
    assert!(
        gzrs_tests::which(qemu),
        "{qemu} is missing: scripts/setup.sh installs qemu-user-static"
    );
    let cloud = CloudLocal::start_with(
        &default_native(),
        "Fixture",
        "api",
        &work("native-cloud-arm64"),
        &[],
        &[
            ("GZRS_NATIVE_ARCH", "arm64"),
            ("GZRS_NATIVE_LAUNCHER", qemu),
        ],
    );
    let mut problems = check_cases(&cloud, "tests/fixture-app", &fixture_corpus());
    if !cloud.log().contains("gzrs: native mode, sidecar, arm64") {
        problems.push(format!("no arm64 start line in the log:\n{}", cloud.log()));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every request answers at once with an error naming the problem, request after request, and
/// never with Genezio's TypeError or constructor failure.
fn check_cannot_start(cloud: &CloudLocal, expected: &str) -> Vec<String> {
    let agent = http_agent();
    let mut problems = Vec::new();
    for attempt in 1..=3 {
        let started = Instant::now();
        match cloud.send(&agent, &Case::get("root", "/")) {
            Ok(answer) => {
                let body = String::from_utf8_lossy(&answer.body).into_owned();
                if answer.status != 500
                    || !body.contains(expected)
                    || body.contains("TypeError")
                    || body.contains("Constructor call failure")
                {
                    problems.push(format!(
                        "[{expected}] attempt {attempt}: expected a 500 naming {expected:?}, got {} {body}",
                        answer.status
                    ));
                }
            }
            Err(error) => problems.push(format!("[{expected}] attempt {attempt}: {error}")),
        }
        if started.elapsed() > Duration::from_secs(10) {
            problems.push(format!(
                "[{expected}] attempt {attempt} took {:?}",
                started.elapsed()
            ));
        }
    }
    problems
}

/// The default native build's genezio-cloud bundle, copied, with `spoil` applied to the copy.
fn spoiled(name: &str, spoil: impl FnOnce(&Path)) -> PathBuf {
    let original = bundle(
        &default_native(),
        "Fixture",
        "genezio",
        &work(&format!("{name}-source")),
    );
    let copy = work(name);
    let _ = fs::remove_dir_all(&copy);
    gzrs_tests::copy_dir(&original, &copy);
    spoil(&copy);
    copy
}

#[test]
fn a_missing_corrupt_or_other_cpu_executable_is_a_clear_error_through_genezio_cloud() {
    let x86 = |task: &Path| task.join("gzrs/service-x86_64");
    let serve = |task: &Path| CloudLocal::serve(task, "Fixture", "api", &[], &[]);
    let mut problems = Vec::new();

    let missing = spoiled("missing", |task| fs::remove_file(x86(task)).unwrap());
    problems.extend(check_cannot_start(
        &serve(&missing),
        "cannot find the service's native executable",
    ));

    let corrupt = spoiled("corrupt", |task| {
        let mut bytes = fs::read(x86(task)).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0xff;
        fs::write(x86(task), bytes).unwrap();
    });
    problems.extend(check_cannot_start(&serve(&corrupt), "is corrupt"));

    // The recorded size but no executable at all: starting it fails, and only then is its
    // header read, to say why.
    let not_elf = spoiled("not-elf", |task| {
        let mut bytes = fs::read(x86(task)).unwrap();
        bytes[..4].copy_from_slice(b"gzrs");
        fs::write(x86(task), bytes).unwrap();
    });
    problems.extend(check_cannot_start(
        &serve(&not_elf),
        "is not a Linux executable",
    ));

    // Built for arm64 only: nothing for genezio-cloud's x86_64, said at build time and on every
    // request.
    let arm64 = project(
        "tests/fixture-app",
        "fixture-native-arm64",
        &["--mode", "native", "--arch", "arm64"],
    );
    let build_log = fs::read_to_string(arm64.with_extension("build.log")).unwrap_or_default();
    if !build_log.contains("ships no executable for genezio-cloud") {
        problems.push(format!("[arm64 only] the build did not warn:\n{build_log}"));
    }
    let arm64_only = bundle(&arm64, "Fixture", "genezio", &work("arm64-only"));
    problems.extend(check_cannot_start(
        &serve(&arm64_only),
        "ships the native executable for arm64 only",
    ));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `gzrs build --mode ab`: one project, the service as `FixtureWasm` and `FixtureNative`, both
/// answering the corpus under one `genezio local`, each bundled by `genezio bundleClass` with
/// what it runs.
#[test]
fn an_ab_project_serves_both_classes_side_by_side() {
    let ab = project("tests/fixture-app", "fixture-ab", &["--mode", "ab"]);
    let local = gzrs_tests::GenezioLocal::start(&ab, "FixtureWasm", "api");
    let corpus = fixture_corpus();
    let mut problems = Vec::new();
    for class in ["FixtureWasm", "FixtureNative"] {
        problems.extend(
            check_cases(&local.class(class, "api"), "tests/fixture-app", &corpus)
                .into_iter()
                .map(|p| format!("[{class}] {p}")),
        );
    }
    for (class, file) in [
        ("FixtureWasm", "gzrs/service.wasm"),
        ("FixtureNative", "gzrs/service-x86_64"),
    ] {
        let unzipped = bundle(&ab, class, "genezio", &work(&format!("ab-{class}")));
        if !unzipped.join(file).exists() {
            problems.push(format!("[{class}] its bundle lacks {file}"));
        }
        let module = fs::read_to_string(unzipped.join("index.mjs")).unwrap_or_default();
        if !module.contains(class) {
            problems.push(format!(
                "[{class}] its bundle's entry does not name the class"
            ));
        }
    }
    local.assert_no_problems(&problems);
}
