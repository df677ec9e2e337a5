//! The lock gzrs holds on a cargo target dir while it builds into it.

use std::path::Path;

use anyhow::{Context, Result};

/// Held while gzrs builds into a cargo target dir. Two gzrs builds at once (a `gzrs local`
/// beside a `gzrs build`, say) would otherwise rewrite the same generated entry crates and the
/// same `wasm-opt` files under each other; cargo's own lock covers only its compile.
#[derive(Debug)]
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
