//! Coming from cargo-lambda: a Lambda program is shown its change, and lambda_http's
//! `RequestExt` reads what a Lambda would hand it.

use std::fs;
use std::process::Command;

use gzrs_tests::command_line::*;

/// The dependencies of the Lambda crates below, the same for both, so their native builds share
/// every compiled dependency.
const LAMBDA_DEPENDENCIES: &str = "axum = { version = \"0.8\", default-features = false }\ntokio = { version = \"1\", features = [\"macros\"] }\n";
const LAMBDA_HTTP: &str =
    "lambda_http = { version = \"0.14\", default-features = false, features = [\"apigw_http\"] }\n";

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
