//! Finding a program on `PATH`.

use std::path::PathBuf;

/// The first `program` on `PATH`, as a shell would find it.
pub fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|candidate| candidate.is_file())
    })
}
