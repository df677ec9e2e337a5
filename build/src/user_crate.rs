//! The user's service crate, as `cargo metadata` describes it, and its `[package.metadata.gzrs]`.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use heck::ToUpperCamelCase;
use serde::Deserialize;

use crate::cargo_metadata;
use crate::no_library::no_library;

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
    pub typed: Option<crate::typed::Typed>,
    /// `[profile.release]` of its workspace's root manifest (where cargo reads profiles), if set.
    pub release_profile: Option<toml::Table>,
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
    /// `request-body-limit`: the largest request body, in bytes, on the platforms that stream
    /// bodies (web, server). `None`: gzrs-core's default.
    pub request_body_limit: Option<usize>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    class: Option<String>,
    method: Option<String>,
    function: Option<String>,
    #[serde(rename = "request-body-limit")]
    request_body_limit: Option<Size>,
}

/// A size as written in the manifest: bytes, or text with a unit (`"10 MiB"`).
#[derive(Deserialize)]
#[serde(untagged)]
enum Size {
    Bytes(u64),
    Text(String),
}

impl Size {
    fn bytes(&self) -> Result<usize> {
        let bytes = match self {
            Size::Bytes(bytes) => *bytes,
            Size::Text(text) => parse_size(text).ok_or_else(|| {
                anyhow!(
                    "[package.metadata.gzrs] request-body-limit = {text:?} is not a size: write bytes (10485760) or a number and a unit (\"10 MiB\", \"512 KiB\", \"1 GB\")"
                )
            })?,
        };
        if bytes == 0 {
            bail!("[package.metadata.gzrs] request-body-limit must be above 0 bytes");
        }
        usize::try_from(bytes)
            .map_err(|_| anyhow!("[package.metadata.gzrs] request-body-limit is too large"))
    }
}

/// `"10 MiB"`, `"512KiB"`, `"1 GB"`, `"300 bytes"`: the number of bytes, if it is one.
fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" | "byte" | "bytes" => 1,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        _ => return None,
    };
    number.checked_mul(scale)
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
        let metadata = cargo_metadata::read(&manifest, &["--no-deps"])?;
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
                    "invalid [package.metadata.gzrs] in {} (keys: class, method, function, request-body-limit)",
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
        let release_profile =
            release_profile(&manifest, &metadata.workspace_root.join("Cargo.toml"))?;
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
            release_profile,
        })
    }

    /// The release profile of the entry crate built for `kind`: the user's over gzrs's
    /// defaults. What gzrs had to change of the user's is said here.
    pub fn profile(&self, kind: crate::profile::Kind) -> crate::profile::Profile {
        let profile = crate::profile::Profile::for_build(kind, self.release_profile.as_ref());
        for note in &profile.notes {
            crate::progress::info(note);
        }
        profile
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
    /// The largest request body on a platform that streams bodies (web, server): the service's
    /// `request-body-limit`, or gzrs-core's default.
    pub fn streamed_body_limit(&self) -> usize {
        self.request_body_limit
            .unwrap_or(gzrs_core::limits::DEFAULT_STREAMED_BODY_BYTES)
    }

    fn resolve(crate_name: &str, raw: RawConfig) -> Result<Self> {
        let config = Config {
            class: raw
                .class
                .unwrap_or_else(|| crate_name.to_upper_camel_case()),
            method: raw.method.unwrap_or_else(|| "api".into()),
            function: raw.function.unwrap_or_else(|| "app".into()),
            request_body_limit: raw
                .request_body_limit
                .as_ref()
                .map(Size::bytes)
                .transpose()?,
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

/// `[profile.release]` as cargo applies it to `manifest`: its workspace root's (`root`). A
/// profile in a member's own manifest is ignored by cargo, and said to be.
fn release_profile(manifest: &Path, root: &Path) -> Result<Option<toml::Table>> {
    let read = |path: &Path| -> Result<Option<toml::Table>> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("could not read {}", path.display()))?;
        let document: toml::Table = text
            .parse()
            .with_context(|| format!("{} is not valid TOML", path.display()))?;
        Ok(document
            .get("profile")
            .and_then(|p| p.get("release"))
            .and_then(|r| r.as_table())
            .cloned())
    };
    if manifest != root && root.exists() {
        if read(manifest)?.is_some() {
            crate::progress::info(&format!(
                "[profile.release] in {} is ignored, as cargo ignores it: a workspace's profiles are read from its root, {}",
                manifest.display(),
                root.display()
            ));
        }
        return read(root);
    }
    read(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

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
                function: "app".into(),
                request_body_limit: None,
            }
        );
    }

    #[test]
    fn a_body_limit_is_bytes_or_a_number_and_a_unit() {
        let limit = |value: serde_json::Value| {
            let raw: RawConfig =
                serde_json::from_value(serde_json::json!({ "request-body-limit": value }))?;
            Config::resolve("x", raw).map(|c| c.request_body_limit)
        };
        assert_eq!(limit(serde_json::json!(1024)).unwrap(), Some(1024));
        assert_eq!(limit(serde_json::json!("10 MiB")).unwrap(), Some(10 << 20));
        assert_eq!(limit(serde_json::json!("512KiB")).unwrap(), Some(512 << 10));
        assert_eq!(
            limit(serde_json::json!("1 GB")).unwrap(),
            Some(1_000_000_000)
        );
        let wrong = limit(serde_json::json!("ten megabytes")).unwrap_err();
        assert!(wrong.to_string().contains("\"10 MiB\""), "{wrong}");
        assert!(limit(serde_json::json!(0)).is_err());
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
