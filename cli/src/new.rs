//! `gzrs new`: a service crate that builds in every mode as it is.

use std::fs;
use std::path::Path;

use anyhow::{bail, Context, Result};
use gzrs_build::template::{context, render};

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
    fs::write(
        path.join("Cargo.toml"),
        render("templates/new/manifest.toml", context! { name }),
    )?;
    fs::write(
        path.join("src/lib.rs"),
        render("templates/new/lib.rs", context! {}),
    )?;
    fs::write(path.join(".gitignore"), "/target\n")?;
    eprintln!("Created the service crate `{name}` in {}", path.display());
    eprintln!("  run it:   gzrs local --platform web {}", path.display());
    eprintln!("  build it: gzrs build --platform web {}   (or --platform server, or --mode wasm|native for Genezio)", path.display());
    Ok(())
}
