//! What gzrs says to a crate with no library (a binary, as cargo-lambda's template makes): the
//! `src/lib.rs` to add, built from what its `main` serves.

use std::path::Path;

/// What to do about a crate with no library: the `src/lib.rs` to add, built from what its
/// `main` serves when that can be read (`lambda_http::run(app)` or `axum::serve(listener, app)`
/// with `let app = ...;` beside it), and the `main` that then calls it.
pub fn no_library(name: &str, main: Option<&Path>, lambda: bool) -> String {
    let lambda = if lambda {
        "\n\nlambda_http (and lambda_runtime) are then only for `main`, and they do not build for \
         wasm: for wasm mode and the web platform, declare them for native targets only, under \
         [target.'cfg(not(target_family = \"wasm\"))'.dependencies] in Cargo.toml."
    } else {
        ""
    };
    let ident = name.replace('-', "_");
    let source = main
        .and_then(|m| std::fs::read_to_string(m).ok())
        .unwrap_or_default();
    let served = served_by_main(&source);
    let Some((call, variable, router)) = served else {
        return format!(
            "crate `{name}` has no library target: gzrs serves a library crate whose `pub fn app()` \
             builds the service (an axum Router, or any tower::Service over http types). Add \
             src/lib.rs:\n\n    pub fn app() -> axum::Router {{\n        \
             axum::Router::new().route(\"/\", axum::routing::get(|| async {{ \"Hello!\" }}))\n    }}\n\n\
             and keep a `main` of your own, if you want one, calling `{ident}::app()`.{lambda}"
        );
    };
    // The expression's first line, then the rest as indented as they were relative to each other.
    let mut lines = router.lines();
    let mut body = format!("        {}\n", lines.next().unwrap_or_default().trim());
    let rest: Vec<&str> = lines.collect();
    let indent = rest
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    for line in rest {
        body.push_str(&format!(
            "            {}\n",
            line.get(indent..).unwrap_or("").trim_end()
        ));
    }
    format!(
        "crate `{name}` is a binary: gzrs serves a library, whose `pub fn app()` builds what `main` \
         serves today ({call}). Add src/lib.rs:\n\n    \
         // src/lib.rs (with the `use` lines the Router needs, from src/main.rs)\n    \
         pub fn app() -> axum::Router {{\n{body}    }}\n\n\
         and in src/main.rs, replace `let {variable} = ...;` with\n\n        \
         let {variable} = {ident}::app();\n\n\
         (the `use` lines only the Router needed can go). `main` keeps working as before (`cargo lambda watch`, `cargo run`), and gzrs builds the library.{lambda}"
    )
}

/// What `main` serves: the call that serves it, the variable it passes, and the expression
/// that variable is bound to (`let app = Router::new()...;`).
fn served_by_main(source: &str) -> Option<(String, String, String)> {
    let (call, at) = ["lambda_http::run(", "run(", "axum::serve("]
        .iter()
        .find_map(|call| {
            source
                .find(call)
                .map(|at| (call.trim_end_matches('('), at + call.len()))
        })?;
    let args = &source[at..at + source[at..].find(')')?];
    // `run(app)`, or `axum::serve(listener, app)`: the last argument.
    let variable = args
        .rsplit(',')
        .next()?
        .trim()
        .trim_start_matches('&')
        .to_string();
    if variable.is_empty() || !variable.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    let binding = format!("let {variable} =");
    let start = source.find(&binding)? + binding.len();
    // The expression runs to the `;` outside any brackets.
    let mut depth = 0i32;
    let mut end = None;
    for (i, c) in source[start..].char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ';' if depth == 0 => {
                end = Some(start + i);
                break;
            }
            _ => {}
        }
    }
    let router = source[start..end?].trim().to_string();
    Some((format!("`{call}({args})`"), variable, router))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_binary_gets_the_lib_rs_built_from_what_its_main_serves() {
        let main = r#"
use axum::{routing::get, Router};
use lambda_http::{run, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let app = Router::new()
        .route("/", get(|| async { "Hello" }))
        .route("/users/{id}", get(user));
    run(app).await
}
"#;
        let dir = std::env::temp_dir().join(format!("gzrs-no-lib-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("main.rs");
        std::fs::write(&path, main).unwrap();
        let said = no_library("seed-app", Some(&path), true);
        assert!(
            said.contains("is a binary") && said.contains("`run(app)`"),
            "{said}"
        );
        assert!(said.contains("pub fn app() -> axum::Router {"), "{said}");
        assert!(
            said.contains(".route(\"/users/{id}\", get(user))"),
            "{said}"
        );
        assert!(said.contains("let app = seed_app::app();"), "{said}");
        assert!(said.contains("cfg(not(target_family"), "{said}");
        std::fs::write(&path, "fn main() { println!(\"hi\"); }").unwrap();
        let said = no_library("plain", Some(&path), false);
        assert!(
            said.contains("has no library target") && said.contains("src/lib.rs"),
            "{said}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
