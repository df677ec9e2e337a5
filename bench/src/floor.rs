//! The floor: a plain TypeScript Genezio class with the service's class and method names.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Result;

use gzrs_build::files::write_if_changed;
use gzrs_build::platform::genezio::{write_project_files, BACKEND};
use gzrs_build::template::{context, render_source};
use gzrs_build::UserCrate;

const FLOOR_CLASS: &str = include_str!("../js/floors/floor-class.ts");

/// Writes the floor's Genezio project into `out` (installing @genezio/types) and returns it.
pub fn write(krate: &UserCrate, out: &Path, verbose: bool) -> Result<PathBuf> {
    let backend = out.join(BACKEND);
    fs::create_dir_all(&backend)?;
    let config = &krate.config;
    let class_file = format!("{}.ts", config.class);
    let source = render_source(
        "floor-class.ts",
        FLOOR_CLASS,
        context! { class => &config.class, method => &config.method },
    );
    write_if_changed(&backend.join(&class_file), &source)?;
    write_project_files(krate, out, "arm64", true, verbose)?;
    Ok(out.to_owned())
}
