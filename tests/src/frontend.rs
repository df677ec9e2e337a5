//! A TypeScript frontend against a built project: Genezio's own SDK generator (`genezio sdk
//! --source local`) writes the typed client from the project's class, `tsc --strict` checks the
//! frontend (`tests/frontend/`) against it, and Node runs it through the SDK's own client.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::{genezio, repo_root, run_logged};

/// The SDK Genezio generates for `project`'s classes, calling `url` (the class's URL,
/// `http://host:port/<Class>`), written to `out`.
pub fn generate_sdk(project: &Path, package: &str, url: &str, out: &Path) -> PathBuf {
    let _ = fs::remove_dir_all(out);
    let mut command = Command::new(genezio());
    command
        .args([
            "sdk",
            "--source",
            "local",
            "--language",
            "ts",
            "--packageName",
            package,
        ])
        .arg("--output")
        .arg(out)
        .args(["--url", url])
        .current_dir(project);
    let log = out.with_extension("sdk.log");
    if let Err(failure) = run_logged(&mut command, &log, Duration::from_secs(300)) {
        panic!("genezio sdk failed in {}: {failure}", project.display());
    }
    out.to_path_buf()
}

/// Type-checks the frontend `tests/frontend/<name>.ts` with `tsc --strict` against `sdk`
/// (installed as `package`), then runs it: its output, or why it failed.
pub fn run_frontend(name: &str, package: &str, sdk: &Path, work: &Path) -> Result<String, String> {
    let source = fs::read_to_string(
        repo_root()
            .join("tests/frontend")
            .join(format!("{name}.ts")),
    )
    .expect("read the frontend");
    type_check(name, &source, package, sdk, work)?;
    let mut run = Command::new("node");
    run.arg(work.join("out").join(format!("{name}.js")))
        .current_dir(work);
    let log = work.join("run.log");
    run_logged(&mut run, &log, Duration::from_secs(120))
        .map_err(|failure| format!("the frontend failed: {failure}"))?;
    Ok(fs::read_to_string(log).unwrap_or_default())
}

/// Compiles `source` as `<work>/<name>.ts` with `tsc --strict` against `sdk` (installed as
/// `package`) into `<work>/out`, or says why tsc refused it.
pub fn type_check(
    name: &str,
    source: &str,
    package: &str,
    sdk: &Path,
    work: &Path,
) -> Result<(), String> {
    let node = repo_root().join("tests/node/node_modules");
    let _ = fs::remove_dir_all(work);
    let modules = work.join("node_modules").join(package);
    fs::create_dir_all(modules.parent().expect("a scoped package")).expect("create node_modules");
    symlink(sdk, &modules).expect("install the SDK");
    fs::write(work.join(format!("{name}.ts")), source).expect("write the frontend");
    let tsconfig = serde_json::json!({
        "compilerOptions": {
            "target": "ES2022",
            "module": "commonjs",
            "moduleResolution": "node",
            "strict": true,
            "types": ["node"],
            "typeRoots": [node.join("@types")],
            "outDir": "out",
        },
        "files": [format!("{name}.ts")],
    });
    fs::write(work.join("tsconfig.json"), tsconfig.to_string()).expect("write tsconfig.json");
    let mut tsc = Command::new("node");
    tsc.arg(node.join("typescript/bin/tsc"))
        .args(["--strict", "-p"])
        .arg(work);
    run_logged(&mut tsc, &work.join("tsc.log"), Duration::from_secs(120))
        .map_err(|failure| format!("tsc --strict rejected the frontend: {failure}"))
}
