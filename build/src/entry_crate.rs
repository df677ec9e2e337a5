//! The entry crates gzrs generates around the user's library (one per mode, each its own
//! workspace): how they name gzrs's crates, start from the service's lockfile, and compile.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::progress::{self, Step};
use crate::user_crate::UserCrate;

impl UserCrate {
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
    step: &Step,
    hint: impl Fn(&str) -> String,
) -> Result<PathBuf> {
    if !verbose {
        command.args(progress::CARGO_PROGRESS);
    }
    command
        .args(["build", "--release", "--target", triple, "--manifest-path"])
        .arg(entry.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir);
    let (status, log) =
        progress::run_cargo(&mut command, verbose, step).context("could not run cargo")?;
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
    let this_crate = Path::new(env!("CARGO_MANIFEST_DIR"));
    // `cargo package` keeps the original manifest as Cargo.toml.orig: built from a package.
    if this_crate.join("Cargo.toml.orig").exists() {
        return None;
    }
    this_crate
        .parent()
        .filter(|root| root.join("build/js-host").is_dir())
        .and_then(|root| root.canonicalize().ok())
}

/// A path as a TOML string.
pub fn toml_string(path: &Path) -> String {
    format!("{:?}", path.to_string_lossy())
}

/// A dependency spec (`{ path = "..." }` or `"=0.1.0"`) with `features` added.
pub fn with_features(spec: &str, features: &[&str]) -> String {
    let list = features
        .iter()
        .map(|f| format!("{f:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    match spec.strip_suffix('}') {
        Some(table) => format!("{}, features = [{list}] }}", table.trim_end()),
        None => format!("{{ version = {spec}, features = [{list}] }}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_are_added_to_either_kind_of_dependency() {
        assert_eq!(
            with_features(r#"{ path = "/a" }"#, &["logs", "tokio"]),
            r#"{ path = "/a", features = ["logs", "tokio"] }"#
        );
        assert_eq!(
            with_features(r#""=0.1.0""#, &["logs"]),
            r#"{ version = "=0.1.0", features = ["logs"] }"#
        );
    }
}
