//! # gzrs-build
//!
//! The library behind the `gzrs` command and `gzrs bench`: it reads a Rust service crate
//! ([`user_crate`]), describes its typed methods ([`describe`]), generates the entry crate that
//! wraps it ([`entry_crate`]), compiles it to `wasm32-wasip1` ([`wasm`]) or to static musl
//! executables ([`native`]), and writes the output of each platform ([`platform`]): a Genezio
//! project, a fetch handler for the web's runtimes, or a container server.

pub mod artifacts;
pub mod build_lock;
pub mod cargo;
pub mod cargo_metadata;
pub mod describe;
pub mod embedded;
pub mod entry_crate;
pub mod files;
pub mod js_host;
pub mod native;
pub mod no_library;
pub mod options;
pub mod platform;
pub mod profile;
pub mod progress;
pub mod serve;
pub mod template;
pub mod toolchain;
pub mod typed;
pub mod user_crate;
pub mod wasm;
pub mod which;

use std::path::PathBuf;

use anyhow::Result;

pub use options::{BuildArgs, LocalArgs, Mode};
pub use platform::{Platform, PlatformName};
pub use user_crate::UserCrate;

/// Builds `krate` for the platform and mode `args` ask for, into `--out` or the platform's
/// folder under `<target dir>/gzrs/`; the output folder.
pub fn build(krate: &UserCrate, args: &BuildArgs) -> Result<PathBuf> {
    let platform = args.platform.get();
    let mode = platform.mode(args)?;
    let _lock = build_lock::BuildLock::take(&krate.target_dir)?;
    let mut krate = krate.clone();
    krate.typed = describe::describe(&krate, args.verbose)?;
    let out = args.out.clone().unwrap_or_else(|| {
        krate
            .target_dir
            .join("gzrs")
            .join(platform.default_out(mode))
    });
    platform.write(&krate, &out, mode, args)?;
    Ok(out)
}
