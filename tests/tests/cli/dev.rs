//! `gzrs dev`: each edit served, and the last good build kept on an error.

use std::fs;
use std::process::Command;

use gzrs_tests::command_line::*;

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
            .env("CARGO_TARGET_DIR", gzrs_tests::shared_target_dir())
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
