//! `gzrs new`: a service crate that builds in every mode as it is.

use std::fs;
use std::path::Path;

use anyhow::{bail, Context, Result};

pub fn run(path: &Path) -> Result<()> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty())
        .context("give the new crate a directory name, like `gzrs new my-service`")?;
    if !name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        bail!("{name:?} is not a usable crate name: start with a letter, then letters, digits, `-` or `_`");
    }
    if path.exists() && fs::read_dir(path)?.next().is_some() {
        bail!("{} already exists and is not empty", path.display());
    }
    fs::create_dir_all(path.join("src"))?;
    fs::write(path.join("Cargo.toml"), MANIFEST.replace("__NAME__", name))?;
    fs::write(path.join("src/lib.rs"), LIB)?;
    fs::write(path.join(".gitignore"), "/target\n")?;
    eprintln!("Created the service crate `{name}` in {}", path.display());
    eprintln!("  run it:   gzrs local --platform web {}", path.display());
    eprintln!("  build it: gzrs build --platform web {}   (or --platform server, or --mode wasm|native for Genezio)", path.display());
    Ok(())
}

const MANIFEST: &str = r#"[package]
name = "__NAME__"
version = "0.1.0"
edition = "2021"

# gzrs settings; each has a default.
[package.metadata.gzrs]
# class = "MyService"   # Genezio class name (default: the crate name in UpperCamelCase)
# method = "api"        # the class's HTTP method: URLs are /<class>/<method>/<your routes>
# function = "app"      # the function that builds the service

[dependencies]
# axum without its server parts: gzrs does the serving, so they would only add build time
# and size (with them, the crate builds in both modes all the same).
axum = { version = "0.8", default-features = false, features = ["json", "query"] }
serde = { version = "1", features = ["derive"] }
"#;

const LIB: &str = r#"//! An HTTP service, built with `gzrs build`: for the web, a container or Genezio.

use axum::{extract::Path, routing::get, Json, Router};
use serde::Serialize;

#[derive(Serialize)]
struct Greeting {
    message: String,
}

/// The service. On Genezio it answers at `/<Class>/<method>/...`, elsewhere at `/`; these
/// routes see only `/...`.
pub fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "Hello from Rust!" }))
        .route(
            "/hello/{name}",
            get(|Path(name): Path<String>| async move { Json(Greeting { message: format!("Hello, {name}!") }) }),
        )
}
"#;
