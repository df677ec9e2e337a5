//! A C toolchain for `wasm32-wasip1`, for the services whose dependencies compile C code (ring,
//! zstd-sys, libsqlite3-sys): clang with a WASI libc's headers, and an archiver that writes wasm
//! objects. Found the way native mode finds a cross gcc, then handed to the `cc` crate through
//! its per-target variables; the user's own `CC_wasm32_wasip1` wins.
//!
//! rust-lld links the C objects against the WASI libc that Rust ships for the target, so only
//! headers and a compiler are needed here, never a linker or a libc to link with.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `CC_<target>`, the variable the `cc` crate reads first.
pub const CC_VARIABLE: &str = "CC_wasm32_wasip1";

/// The target given to clang. The `cc` crate passes `--target=wasm32-wasip1`, which clang 18
/// and later know; older ones (Debian 12 has 14) take it for an unknown OS and look for the
/// host's headers. `wasm32-wasi` means the same to every clang since 8, and the last `--target`
/// wins, so it goes in the flags the `cc` crate appends.
const CLANG_TARGET: &str = "--target=wasm32-wasi";

/// Where WASI sysroots are installed, after `WASI_SYSROOT`: Debian's `wasi-libc` needs none
/// (clang finds its headers under `/usr/include/wasm32-wasi`), wasi-sdk and Homebrew do.
const SYSROOTS: [&str; 5] = [
    "/usr/share/wasi-sysroot",
    "/usr/local/share/wasi-sysroot",
    "/opt/wasi-sdk/share/wasi-sysroot",
    "/opt/homebrew/share/wasi-sysroot",
    "/usr/local/opt/wasi-libc/share/wasi-sysroot",
];

/// What to install when no toolchain is found: said in the build's hint.
pub const INSTALL: &str =
    "Debian/Ubuntu: sudo apt-get install clang lld wasi-libc (and llvm for llvm-ar if missing); \
macOS: brew install llvm wasi-libc; anywhere: wasi-sdk (https://github.com/WebAssembly/wasi-sdk), \
with WASI_SDK_PATH pointing at it. Or set CC_wasm32_wasip1 (and AR_wasm32_wasip1) yourself";

/// The toolchain found: what the `cc` crate's variables are set to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WasiC {
    pub cc: PathBuf,
    pub ar: PathBuf,
    pub cflags: Vec<String>,
}

impl WasiC {
    /// The variables for cargo's environment: `CC_`, `AR_`, `CFLAGS_wasm32_wasip1` (the
    /// user's own `CFLAGS_wasm32_wasip1` kept after ours).
    pub fn env(&self) -> Vec<(String, String)> {
        let mut cflags = self.cflags.join(" ");
        if let Ok(own) = std::env::var("CFLAGS_wasm32_wasip1") {
            cflags = format!("{cflags} {own}");
        }
        vec![
            (CC_VARIABLE.into(), self.cc.to_string_lossy().into_owned()),
            (
                "AR_wasm32_wasip1".into(),
                self.ar.to_string_lossy().into_owned(),
            ),
            ("CFLAGS_wasm32_wasip1".into(), cflags),
        ]
    }

    /// One line for the build's log.
    pub fn describe(&self) -> String {
        let sysroot = self
            .cflags
            .iter()
            .find_map(|f| f.strip_prefix("--sysroot="))
            .map_or(String::new(), |s| format!(", WASI sysroot {s}"));
        format!("{}{sysroot}", self.cc.display())
    }
}

/// The first clang that compiles a C file including libc headers for WASI, with its archiver;
/// `None` when there is none (or when the user set `CC_wasm32_wasip1`: theirs is used as is).
pub fn find() -> Option<WasiC> {
    if std::env::var_os(CC_VARIABLE).is_some() {
        return None;
    }
    let probe = tempdir_probe()?;
    let sysroots: Vec<Option<PathBuf>> = std::iter::once(None)
        .chain(std::env::var_os("WASI_SYSROOT").map(|s| Some(PathBuf::from(s))))
        .chain(SYSROOTS.iter().map(|s| Some(PathBuf::from(s))))
        .filter(|s| s.as_ref().is_none_or(|dir| dir.is_dir()))
        .collect();
    for cc in clang_candidates() {
        let Some(ar) = archiver_for(&cc) else {
            continue;
        };
        for sysroot in &sysroots {
            let mut cflags = vec![CLANG_TARGET.to_string()];
            if let Some(dir) = sysroot {
                cflags.push(format!("--sysroot={}", dir.display()));
            }
            if compiles(&cc, &cflags, &probe) {
                let _ = std::fs::remove_dir_all(&probe);
                return Some(WasiC { cc, ar, cflags });
            }
        }
    }
    let _ = std::fs::remove_dir_all(&probe);
    None
}

/// wasi-sdk's clang (its sysroot is its default), then clang on `PATH`, newest first.
fn clang_candidates() -> Vec<PathBuf> {
    let mut found = Vec::new();
    for sdk in std::env::var_os("WASI_SDK_PATH")
        .map(PathBuf::from)
        .into_iter()
        .chain([PathBuf::from("/opt/wasi-sdk")])
    {
        let clang = sdk.join("bin/clang");
        if clang.is_file() {
            found.push(clang);
        }
    }
    let names =
        std::iter::once("clang".to_string()).chain((14..=22).rev().map(|v| format!("clang-{v}")));
    for name in names {
        if let Some(path) = crate::which::which(&name) {
            found.push(path);
        }
    }
    // Homebrew's llvm is keg-only: not on PATH by default.
    for dir in ["/opt/homebrew/opt/llvm/bin", "/usr/local/opt/llvm/bin"] {
        let clang = Path::new(dir).join("clang");
        if clang.is_file() {
            found.push(clang);
        }
    }
    found.dedup();
    found
}

/// An `ar` that writes a symbol index for wasm objects: llvm-ar beside the compiler, or of its
/// version (`clang-14` goes with `llvm-ar-14`), or on `PATH`. GNU ar stores wasm objects without
/// an index, and the linker then finds none of their symbols.
fn archiver_for(cc: &Path) -> Option<PathBuf> {
    let beside = cc.with_file_name("llvm-ar");
    if beside.is_file() {
        return Some(beside);
    }
    let name = cc.file_name()?.to_string_lossy().into_owned();
    if let Some(version) = name.strip_prefix("clang-") {
        if let Some(path) = crate::which::which(&format!("llvm-ar-{version}")) {
            return Some(path);
        }
    }
    crate::which::which("llvm-ar")
}

/// A C file that needs a WASI libc's headers: the host's would fail on `__wasi__` or on
/// their own machine-specific includes.
const PROBE: &str = "#ifndef __wasi__\n#error not a WASI target\n#endif\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <stdint.h>\nint gzrs_probe(const char *s) { return (int)strlen(s) + (int)sizeof(FILE *); }\n";

fn tempdir_probe() -> Option<PathBuf> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("gzrs-wasi-c-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    std::fs::write(dir.join("probe.c"), PROBE).ok()?;
    Some(dir)
}

fn compiles(cc: &Path, cflags: &[String], dir: &Path) -> bool {
    Command::new(cc)
        .args(cflags)
        .args(["-c", "probe.c", "-o", "probe.o"])
        .current_dir(dir)
        .output()
        .is_ok_and(|out| out.status.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_users_flags_follow_ours() {
        let found = WasiC {
            cc: "/usr/bin/clang".into(),
            ar: "/usr/bin/llvm-ar".into(),
            cflags: vec![CLANG_TARGET.into(), "--sysroot=/s".into()],
        };
        let env: std::collections::HashMap<_, _> = found.env().into_iter().collect();
        assert_eq!(env["CC_wasm32_wasip1"], "/usr/bin/clang");
        assert_eq!(env["AR_wasm32_wasip1"], "/usr/bin/llvm-ar");
        assert!(env["CFLAGS_wasm32_wasip1"].starts_with("--target=wasm32-wasi --sysroot=/s"));
        assert_eq!(found.describe(), "/usr/bin/clang, WASI sysroot /s");
    }

    /// What is found compiles C for WASI: the object is a wasm object. (scripts/setup.sh
    /// installs Debian's toolchain, so the suite has one.)
    #[test]
    fn what_is_found_compiles_c_for_wasi() {
        let found = find().expect("a WASI C toolchain (scripts/setup.sh installs one)");
        let dir = tempdir_probe().unwrap();
        assert!(compiles(&found.cc, &found.cflags, &dir), "{found:?}");
        let object = std::fs::read(dir.join("probe.o")).unwrap();
        assert_eq!(&object[..4], b"\0asm", "{found:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
