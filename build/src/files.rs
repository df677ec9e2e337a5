//! Writing generated files.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

/// Writes a generated file only when its contents change, so cargo and Genezio's watchers see
/// no change where there is none.
pub fn write_if_changed(path: &Path, contents: &str) -> Result<()> {
    if fs::read_to_string(path).ok().as_deref() != Some(contents) {
        fs::write(path, contents).with_context(|| format!("could not write {}", path.display()))?;
    }
    Ok(())
}

/// Writes `contents` to `path`, its folder made if need be, naming the path if it fails.
pub fn write(path: &Path, contents: impl AsRef<[u8]>) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    }
    fs::write(path, contents).with_context(|| format!("could not write {}", path.display()))
}
