//! The user's service crate, as `cargo metadata` describes it, and its `[package.metadata.gzrs]`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{anyhow, bail, Context, Result};
use heck::ToUpperCamelCase;
use serde::Deserialize;

#[derive(Debug, Clone)]
pub struct UserCrate {
    /// The package name, as in Cargo.toml.
    pub name: String,
    pub version: String,
    pub manifest_path: PathBuf,
    pub target_dir: PathBuf,
    /// The lockfile of the crate's workspace, if it has one.
    pub lockfile: Option<PathBuf>,
    pub config: Config,
    /// Whether it depends on gzrs-class: its class has typed methods to describe.
    pub uses_class: bool,
    /// The service's dependency on lambda_http, if it has one: native entries then set the
    /// request extensions its `RequestExt` reads.
    pub lambda_http: Option<LambdaHttp>,
    /// Its typed methods, once described (see `describe`).
    pub typed: Option<crate::describe::Typed>,
}

/// A service's dependency on lambda_http, as its manifest declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaHttp {
    /// The version requirement (`"0.14"`); the lockfile keeps the version.
    pub req: String,
    /// Whether its `apigw_http` feature is on (by default or by name): lambda_http's
    /// `RequestContext` then has the function URL's variant, which native entries set.
    pub function_url_context: bool,
}

/// `[package.metadata.gzrs]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The Genezio class name; URLs start `/<class>/`.
    pub class: String,
    /// The class's HTTP method; URLs start `/<class>/<method>/`.
    pub method: String,
    /// The function that builds the service: `pub fn <function>() -> impl Service`.
    pub function: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    class: Option<String>,
    method: Option<String>,
    function: Option<String>,
}

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Package>,
    target_directory: PathBuf,
    workspace_root: PathBuf,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    version: String,
    manifest_path: PathBuf,
    targets: Vec<Target>,
    #[serde(default)]
    metadata: Option<serde_json::Value>,
    #[serde(default)]
    dependencies: Vec<Dependency>,
}

#[derive(Deserialize)]
struct Dependency {
    name: String,
    /// The version requirement, as written (`"0.14"`).
    req: String,
    #[serde(default)]
    features: Vec<String>,
    #[serde(default = "yes")]
    uses_default_features: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct Target {
    kind: Vec<String>,
    src_path: PathBuf,
}

impl UserCrate {
    pub fn load(path: &Path) -> Result<Self> {
        let manifest = if path.is_file() {
            path.to_path_buf()
        } else {
            nearest_manifest(path).unwrap_or_else(|| path.join("Cargo.toml"))
        };
        if !manifest.exists() {
            bail!(
                "no Cargo.toml at {}: point gzrs at your service crate (or create one with `gzrs new NAME`)",
                path.display()
            );
        }
        let manifest = manifest.canonicalize()?;
        let output = Command::new(cargo())
            .args([
                "metadata",
                "--no-deps",
                "--format-version",
                "1",
                "--manifest-path",
            ])
            .arg(&manifest)
            .output()
            .context("could not run `cargo metadata`: is cargo installed and on PATH?")?;
        if !output.status.success() {
            bail!(
                "`cargo metadata` failed for {}:\n{}",
                manifest.display(),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let metadata: Metadata =
            serde_json::from_slice(&output.stdout).context("unexpected `cargo metadata` output")?;
        let package = metadata
            .packages
            .into_iter()
            .find(|p| p.manifest_path == manifest)
            .ok_or_else(|| {
                anyhow!(
                    "{} is a virtual workspace manifest; point gzrs at the service crate inside it",
                    manifest.display()
                )
            })?;
        let lib = package
            .targets
            .iter()
            .find(|t| t.kind.iter().any(|k| k == "lib" || k == "rlib"))
            .ok_or_else(|| {
                let main = package
                    .targets
                    .iter()
                    .find(|t| t.kind.iter().any(|k| k == "bin"));
                let lambda = package
                    .dependencies
                    .iter()
                    .any(|d| d.name.starts_with("lambda_"));
                anyhow!(
                    "{}",
                    no_library(&package.name, main.map(|t| t.src_path.as_path()), lambda)
                )
            })?;
        let raw: RawConfig = match package.metadata.as_ref().and_then(|m| m.get("gzrs")) {
            Some(table) => serde_json::from_value(table.clone()).with_context(|| {
                format!(
                    "invalid [package.metadata.gzrs] in {} (keys: class, method, function)",
                    manifest.display()
                )
            })?,
            None => RawConfig::default(),
        };
        let config = Config::resolve(&package.name, raw)?;
        let uses_class = package.dependencies.iter().any(|d| d.name == "gzrs-class");
        // A class with typed methods may have no HTTP side; anything else needs its function.
        if !uses_class && !mentions(&lib.src_path, &config.function) {
            bail!(
                "the crate has no function `{f}`: gzrs builds the service by calling `{name}::{f}()`. \
                 Add it to {lib}, for instance:\n\n    \
                 pub fn {f}() -> axum::Router {{\n        \
                 axum::Router::new().route(\"/\", axum::routing::get(|| async {{ \"Hello!\" }}))\n    }}\n\n\
                 or name the function you have with `function = \"...\"` under [package.metadata.gzrs] in {manifest}",
                name = package.name.replace('-', "_"),
                f = config.function,
                lib = lib.src_path.display(),
                manifest = manifest.display(),
            );
        }
        let lockfile = Some(metadata.workspace_root.join("Cargo.lock")).filter(|p| p.exists());
        let lambda_http = package
            .dependencies
            .iter()
            .find(|d| d.name == "lambda_http")
            .map(|d| LambdaHttp {
                req: d.req.clone(),
                function_url_context: d.uses_default_features
                    || d.features.iter().any(|f| f == "apigw_http"),
            });
        Ok(UserCrate {
            uses_class,
            lambda_http,
            typed: None,
            name: package.name,
            version: package.version,
            manifest_path: manifest,
            target_dir: metadata.target_directory,
            lockfile,
            config,
        })
    }

    /// The expression the generated entries build the service with: the HTTP function, or the
    /// class's typed methods beside it (gzrs-class's `serve`).
    pub fn service_builder(&self) -> String {
        let function = &self.config.function;
        match &self.typed {
            None => format!("gzrs_user_service::{function}"),
            Some(typed) => {
                let class = format!(
                    "<gzrs_user_service::{} as ::std::default::Default>::default()",
                    typed.rust_type
                );
                if typed.http {
                    format!("|| gzrs_class::serve::serve({class}, gzrs_user_service::{function}())")
                } else {
                    format!("|| gzrs_class::serve::serve_methods({class})")
                }
            }
        }
    }

    /// The dependency line on gzrs-class with `serve` that an entry of a typed class needs.
    pub fn class_dependency(&self) -> String {
        if self.typed.is_none() {
            return String::new();
        }
        let spec = gzrs_dependency("class");
        let spec = match spec.strip_prefix('{') {
            Some(table) => format!("{{ features = [\"serve\"],{table}"),
            None => format!("{{ version = {spec}, features = [\"serve\"] }}"),
        };
        format!("gzrs-class = {spec}\n")
    }

    pub fn dir(&self) -> &Path {
        self.manifest_path
            .parent()
            .expect("a manifest path has a parent")
    }

    /// A Genezio project name: a letter first, then letters, digits and `-`.
    pub fn project_name(&self) -> String {
        let mut name: String = self
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            name.insert_str(0, "app-");
        }
        name
    }
}

impl Config {
    fn resolve(crate_name: &str, raw: RawConfig) -> Result<Self> {
        let config = Config {
            class: raw
                .class
                .unwrap_or_else(|| crate_name.to_upper_camel_case()),
            method: raw.method.unwrap_or_else(|| "api".into()),
            function: raw.function.unwrap_or_else(|| "app".into()),
        };
        for (key, value) in [
            ("class", &config.class),
            ("method", &config.method),
            ("function", &config.function),
        ] {
            if !is_identifier(value) {
                bail!("[package.metadata.gzrs] {key} = {value:?} is not a valid identifier (letters, digits, `_`; not starting with a digit)");
            }
        }
        if !config.class.starts_with(|c: char| c.is_ascii_uppercase()) {
            bail!("[package.metadata.gzrs] class = {:?} must start with an upper-case letter (it names a TypeScript class)", config.class);
        }
        Ok(config)
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The cargo that invoked us (under `cargo run`) or the one on PATH.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Runs `cargo build --release --target <triple>` on a generated entry crate (its output going
/// to `target_dir`) and returns the artifact `name`; a failure shows cargo's output and `hint`'s
/// advice about it.
#[allow(clippy::too_many_arguments)]
pub fn build_entry(
    mut command: std::process::Command,
    entry: &Path,
    target_dir: &Path,
    triple: &str,
    name: &str,
    verbose: bool,
    step: &crate::progress::Step,
    hint: impl Fn(&str) -> String,
) -> Result<PathBuf> {
    if !verbose {
        command.args(crate::progress::CARGO_PROGRESS);
    }
    command
        .args(["build", "--release", "--target", triple, "--manifest-path"])
        .arg(entry.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir);
    let (status, log) =
        crate::progress::run_cargo(&mut command, verbose, step).context("could not run cargo")?;
    if !status.success() {
        bail!(
            "compiling the service for {triple} failed:\n{log}{}",
            hint(&log)
        );
    }
    let artifact = target_dir.join(triple).join("release").join(name);
    if !artifact.exists() {
        bail!("cargo succeeded but {} is missing", artifact.display());
    }
    Ok(artifact)
}

/// What to do about a crate with no library: the `src/lib.rs` to add, built from what its
/// `main` serves when that can be read (`lambda_http::run(app)` or `axum::serve(listener, app)`
/// with `let app = ...;` beside it), and the `main` that then calls it.
fn no_library(name: &str, main: Option<&Path>, lambda: bool) -> String {
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

/// The Cargo.toml in `dir` or the nearest directory above it, as cargo finds it.
fn nearest_manifest(dir: &Path) -> Option<PathBuf> {
    let dir = dir.canonicalize().ok()?;
    dir.ancestors()
        .map(|d| d.join("Cargo.toml"))
        .find(|manifest| manifest.is_file())
}

/// Whether `name` appears as a word in the sources of the library whose root is `lib`: a
/// function it defines, or re-exports, must. (A word anywhere is enough not to refuse: the
/// compiler has the last word, and its errors come with a hint.)
fn mentions(lib: &Path, name: &str) -> bool {
    fn walk(dir: &Path, name: &str) -> bool {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return true; // unreadable: let the compiler judge
        };
        entries.flatten().any(|entry| {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, name)
            } else {
                path.extension().is_some_and(|e| e == "rs")
                    && std::fs::read_to_string(&path).is_ok_and(|text| has_word(&text, name))
            }
        })
    }
    lib.parent().is_none_or(|dir| walk(dir, name))
}

/// Whether `word` occurs in `text` between characters that cannot be part of an identifier.
fn has_word(text: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        !text[..at].chars().next_back().is_some_and(ident)
            && !text[at + word.len()..].chars().next().is_some_and(ident)
    })
}

/// Starts a generated entry crate from the service's own lockfile, so the service builds with the
/// versions it was tested with: copied when the entry has none or the service's has changed
/// since. The entry's own additions (gzrs's crates) are then resolved by cargo around it.
pub fn follow_lockfile(krate: &UserCrate, entry: &Path) -> Result<()> {
    let Some(lock) = &krate.lockfile else {
        return Ok(());
    };
    let ours = entry.join("Cargo.lock");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if !ours.exists() || modified(lock) > modified(&ours) {
        std::fs::copy(lock, &ours)
            .with_context(|| format!("could not copy {} to {}", lock.display(), ours.display()))?;
    }
    Ok(())
}

/// How a generated entry crate depends on a gzrs crate (`dir` is its folder in gzrs's source
/// tree): the published version, the same as this gzrs's own. Working on gzrs itself, the crate
/// comes from a checkout instead: the one `GZRS_SOURCE` names, else the one this gzrs was built
/// from. A gzrs built from its package (`cargo install`) never looks for a checkout.
pub fn gzrs_dependency(dir: &str) -> String {
    match source_checkout()
        .map(|root| root.join(dir))
        .filter(|p| p.join("Cargo.toml").exists())
    {
        Some(path) => format!("{{ path = {} }}", toml_string(&path)),
        None => format!("\"={}\"", env!("CARGO_PKG_VERSION")),
    }
}

/// The gzrs checkout whose crates generated entries use, if any (see `gzrs_dependency`).
pub fn source_checkout() -> Option<PathBuf> {
    if let Some(root) = std::env::var_os("GZRS_SOURCE") {
        return PathBuf::from(root).canonicalize().ok();
    }
    let cli = Path::new(env!("CARGO_MANIFEST_DIR"));
    // `cargo package` keeps the original manifest as Cargo.toml.orig: built from a package.
    if cli.join("Cargo.toml.orig").exists() {
        return None;
    }
    cli.parent()
        .filter(|root| root.join("cli/js-host").is_dir())
        .and_then(|root| root.canonicalize().ok())
}

/// A path as a TOML string.
pub fn toml_string(path: &Path) -> String {
    format!("{:?}", path.to_string_lossy())
}

/// Held while gzrs builds into a cargo target dir. Two gzrs builds at once (a `gzrs local`
/// beside a `gzrs build`, say) would otherwise rewrite the same generated entry crates and the
/// same `wasm-opt` files under each other; cargo's own lock covers only its compile.
pub struct BuildLock {
    _held: std::fs::File,
}

impl BuildLock {
    pub fn take(target_dir: &Path) -> Result<Self> {
        let dir = target_dir.join("gzrs");
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("could not create {}", dir.display()))?;
        let path = dir.join("build.lock");
        let file = std::fs::File::create(&path)
            .with_context(|| format!("could not create {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                crate::progress::info(&format!(
                    "Waiting for another gzrs build in {} to finish...",
                    target_dir.display()
                ));
                file.lock()
                    .with_context(|| format!("could not lock {}", path.display()))?;
            }
            Err(std::fs::TryLockError::Error(error)) => {
                return Err(error).with_context(|| format!("could not lock {}", path.display()))
            }
        }
        Ok(Self { _held: file })
    }
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

    #[test]
    fn a_word_is_found_only_whole() {
        assert!(has_word("pub fn app() -> Router", "app"));
        assert!(has_word("pub use routes::app;", "app"));
        assert!(!has_word("pub fn application() {}", "app"));
        assert!(!has_word("fn my_app() {}", "app"));
        assert!(has_word("app", "app"));
    }

    #[test]
    fn defaults_follow_the_crate_name() {
        let config = Config::resolve("my-service", RawConfig::default()).unwrap();
        assert_eq!(
            config,
            Config {
                class: "MyService".into(),
                method: "api".into(),
                function: "app".into()
            }
        );
    }

    #[test]
    fn invalid_names_are_refused_with_the_key() {
        let err = Config::resolve(
            "x",
            RawConfig {
                method: Some("a-b".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("method"), "{err}");
        let err = Config::resolve(
            "x",
            RawConfig {
                class: Some("lower".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("upper-case"), "{err}");
    }
}
