//! `cargo metadata`, read in one place: the user's crate (`--no-deps`) and a generated entry
//! crate's graph resolved for a target (`--filter-platform`).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::cargo::cargo;

/// What gzrs reads of `cargo metadata --format-version 1`.
#[derive(Debug, Deserialize)]
pub struct Metadata {
    pub packages: Vec<Package>,
    pub target_directory: PathBuf,
    pub workspace_root: PathBuf,
    /// The resolved graph (absent with `--no-deps`).
    #[serde(default)]
    pub resolve: Option<Resolve>,
}

#[derive(Debug, Deserialize)]
pub struct Package {
    pub id: String,
    pub name: String,
    pub version: String,
    pub manifest_path: PathBuf,
    pub targets: Vec<Target>,
    #[serde(default)]
    pub metadata: Option<serde_json::Value>,
    #[serde(default)]
    pub dependencies: Vec<Dependency>,
}

#[derive(Debug, Deserialize)]
pub struct Dependency {
    pub name: String,
    /// The version requirement, as written (`"0.14"`).
    pub req: String,
    #[serde(default)]
    pub features: Vec<String>,
    #[serde(default = "yes")]
    pub uses_default_features: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
pub struct Target {
    pub kind: Vec<String>,
    pub src_path: PathBuf,
}

#[derive(Debug, Deserialize)]
pub struct Resolve {
    pub root: Option<String>,
    pub nodes: Vec<Node>,
}

#[derive(Debug, Deserialize, Clone)]
pub struct Node {
    pub id: String,
    #[serde(default)]
    pub features: Vec<String>,
    #[serde(default)]
    pub deps: Vec<NodeDep>,
}

#[derive(Debug, Deserialize, Clone)]
pub struct NodeDep {
    /// The name the dependent uses for it (the entry's `gzrs_user_service`).
    pub name: String,
    pub pkg: String,
    #[serde(default)]
    pub dep_kinds: Vec<DepKind>,
}

#[derive(Debug, Deserialize, Clone)]
pub struct DepKind {
    pub kind: Option<String>,
}

/// `cargo metadata --format-version 1 --manifest-path MANIFEST ARGS...`.
pub fn read(manifest: &Path, args: &[&str]) -> Result<Metadata> {
    let output = Command::new(cargo())
        .args(["metadata", "--format-version", "1"])
        .args(args)
        .arg("--manifest-path")
        .arg(manifest)
        .output()
        .context("could not run `cargo metadata`: is cargo installed and on PATH?")?;
    if !output.status.success() {
        bail!(
            "`cargo metadata` failed for {}:\n{}",
            manifest.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    serde_json::from_slice(&output.stdout).context("unexpected `cargo metadata` output")
}
