//! The floor: a plain TypeScript Genezio class with the service's class and method names.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::genezio::{self, write_if_changed, BACKEND};
use crate::project::UserCrate;

const FLOOR_CLASS: &str = include_str!("../../js-host/floor-class.ts");

/// Writes the floor's Genezio project into `out` (installing @genezio/types) and returns it.
pub fn write(krate: &UserCrate, out: &Path, verbose: bool) -> Result<PathBuf> {
    let backend = out.join(BACKEND);
    fs::create_dir_all(&backend)?;
    let config = &krate.config;
    let class_file = format!("{}.ts", config.class);
    let source = FLOOR_CLASS
        .replace("__CLASS__", &config.class)
        .replace("__METHOD__", &config.method);
    write_if_changed(&backend.join(&class_file), &source)?;
    write_if_changed(
        &out.join("genezio.yaml"),
        &genezio::genezio_yaml(krate, "arm64"),
    )?;
    write_if_changed(&backend.join("package.json"), &genezio::package_json(krate))?;
    write_if_changed(&backend.join("tsconfig.json"), genezio::TSCONFIG)?;
    if !backend.join("node_modules/@genezio/types").exists() {
        genezio::npm_install(&backend, verbose)?;
    }
    Ok(out.to_owned())
}
