//! The wasm module's last step: binaryen's `wasm-opt` at the level the profile's opt-level asks
//! for (`-O3` for 3, `-Oz` for "z"), then every custom section dropped (names,
//! DWARF, producers, target features: nothing at run time reads them).
//!
//! cargo builds the module unstripped so that its `target_features` section tells `wasm-opt`
//! which wasm features rustc used (the user's own `-C target-feature` included); `wasm-opt`
//! would otherwise refuse `memory.copy` and the like. Without `wasm-opt` on the machine (or with
//! `--no-wasm-opt`) the module is only stripped, and the build says so and goes on: it is a
//! size and cold-start optimization, never needed for the module to run.

use std::collections::hash_map::DefaultHasher;
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::progress::{warn, Step};

/// `module` as it is shipped: optimized by `wasm-opt` at `level` (the flag for the profile's
/// opt-level; `None` at opt-level 0) when there is one and `optimize` is set, and stripped of
/// custom sections either way. `cache` is a directory where the last result is
/// kept, so an unchanged module is not optimized again.
pub fn finish(
    module: Vec<u8>,
    optimize: bool,
    level: Option<&str>,
    cache: &Path,
) -> Result<Vec<u8>> {
    let Some(level) = level.filter(|_| optimize) else {
        return strip_custom_sections(&module);
    };
    let Some(tool) = find() else {
        let stripped = strip_custom_sections(&module)?;
        warn(&format!(
            "wasm-opt (binaryen) was not found, so the module is shipped as rustc built it \
             ({} KB after stripping; about 12% smaller with wasm-opt). \
             Install it (`apt-get install binaryen`, `brew install binaryen`, or `npm install -g \
             binaryen`), or point GZRS_WASM_OPT at it; `--no-wasm-opt` skips this step quietly.",
            stripped.len() / 1000
        ));
        return Ok(stripped);
    };
    let version = version(&tool);
    let key = cache_key(&module, &version, level);
    let (cached, cached_key) = (cache.join("service.wasm"), cache.join("service.key"));
    if fs::read_to_string(&cached_key).ok().as_deref() == Some(key.as_str()) {
        if let Ok(bytes) = fs::read(&cached) {
            return Ok(bytes);
        }
    }
    let step = Step::start(format!("Optimizing the module ({version} {level})"));
    match run(&tool, &module, level, cache) {
        Ok(optimized) => {
            step.done();
            let shipped = strip_custom_sections(&optimized)?;
            fs::write(&cached, &shipped)
                .and_then(|()| fs::write(&cached_key, &key))
                .with_context(|| format!("could not write {}", cache.display()))?;
            Ok(shipped)
        }
        Err(error) => {
            drop(step);
            warn(&format!(
                "{error:#}\nThe module is shipped as rustc built it; `--no-wasm-opt` skips this step."
            ));
            strip_custom_sections(&module)
        }
    }
}

/// `GZRS_WASM_OPT` if set (and not empty), else `wasm-opt` on `PATH`.
fn find() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("GZRS_WASM_OPT").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("wasm-opt"))
        .find(|candidate| candidate.is_file())
}

fn version(tool: &Path) -> String {
    Command::new(tool)
        .arg("--version")
        .output()
        .ok()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "wasm-opt".to_string())
}

/// What the cached result was made from: the input, the tool's version and the level.
fn cache_key(module: &[u8], version: &str, level: &str) -> String {
    let mut hasher = DefaultHasher::new();
    module.hash(&mut hasher);
    format!(
        "{:016x} {} {version} {level}",
        hasher.finish(),
        module.len()
    )
}

fn run(tool: &Path, module: &[u8], level: &str, dir: &Path) -> Result<Vec<u8>> {
    fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    let (input, output) = (dir.join("input.wasm"), dir.join("output.wasm"));
    fs::write(&input, module).with_context(|| format!("could not write {}", input.display()))?;
    let _ = fs::remove_file(&output);
    let out = Command::new(tool)
        .arg(level)
        .args([
            "--strip-debug",
            "--strip-producers",
            "--strip-target-features",
        ])
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .output()
        .with_context(|| format!("could not run {}", tool.display()))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        // The validator prints one block per bad instruction; the first lines say what it is.
        let head: Vec<&str> = stderr.lines().take(4).collect();
        bail!(
            "{} failed ({}):\n{}",
            tool.display(),
            out.status,
            head.join("\n")
        );
    }
    let optimized =
        fs::read(&output).with_context(|| format!("could not read {}", output.display()))?;
    let _ = fs::remove_file(&input);
    Ok(optimized)
}

/// The module without its custom sections (id 0), every other section as it was.
pub fn strip_custom_sections(module: &[u8]) -> Result<Vec<u8>> {
    const HEADER: [u8; 8] = [0, b'a', b's', b'm', 1, 0, 0, 0];
    if module.len() < 8 || module[..8] != HEADER {
        bail!("the compiled module is not a wasm module (bad header)");
    }
    let mut out = Vec::with_capacity(module.len());
    out.extend_from_slice(&HEADER);
    let mut at = 8;
    while at < module.len() {
        let id = module[at];
        let (size, start) = leb128(module, at + 1).context("the compiled module is truncated")?;
        let end = start
            .checked_add(size)
            .filter(|&end| end <= module.len())
            .context("the compiled module is truncated")?;
        if id != 0 {
            out.extend_from_slice(&module[at..end]);
        }
        at = end;
    }
    Ok(out)
}

/// An unsigned LEB128 at `at`: its value and where the bytes after it start.
fn leb128(bytes: &[u8], mut at: usize) -> Option<(usize, usize)> {
    let mut value = 0usize;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(at)?;
        at += 1;
        value |= ((byte & 0x7f) as usize) << shift;
        if byte < 0x80 {
            return Some((value, at));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A section: its id, its size as LEB128, its bytes.
    fn section(id: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![id];
        let mut size = body.len();
        loop {
            let byte = (size & 0x7f) as u8;
            size >>= 7;
            out.push(if size > 0 { byte | 0x80 } else { byte });
            if size == 0 {
                break;
            }
        }
        out.extend_from_slice(body);
        out
    }

    fn custom(name: &str, payload: &[u8]) -> Vec<u8> {
        let mut body = vec![name.len() as u8];
        body.extend_from_slice(name.as_bytes());
        body.extend_from_slice(payload);
        section(0, &body)
    }

    #[test]
    fn custom_sections_go_and_the_rest_stays_byte_for_byte() {
        let header = b"\0asm\x01\0\0\0".to_vec();
        let types = section(1, &[1, 0x60, 0, 0]);
        let code = section(10, &[7u8; 300]); // a size that takes two LEB128 bytes
        let module = [
            header.clone(),
            custom("name", &[1, 2, 3]),
            types.clone(),
            custom(".debug_info", &[9u8; 200]),
            code.clone(),
            custom("target_features", b"+bulk-memory"),
        ]
        .concat();
        let stripped = strip_custom_sections(&module).unwrap();
        assert_eq!(stripped, [header, types, code].concat());
        // Stripping twice changes nothing.
        assert_eq!(strip_custom_sections(&stripped).unwrap(), stripped);
    }

    #[test]
    fn truncated_or_foreign_input_is_an_error() {
        let module = [b"\0asm\x01\0\0\0".to_vec(), section(10, &[1, 2, 3, 4])].concat();
        let error = strip_custom_sections(&module[..module.len() - 1]).unwrap_err();
        assert!(error.to_string().contains("truncated"), "{error}");
        let error = strip_custom_sections(b"\x7fELF\x02\x01\x01\0").unwrap_err();
        assert!(error.to_string().contains("not a wasm module"), "{error}");
    }

    #[test]
    fn the_cache_key_follows_the_input_the_tool_and_the_level() {
        let a = cache_key(b"one module", "wasm-opt version 108", "-O3");
        assert_eq!(a, cache_key(b"one module", "wasm-opt version 108", "-O3"));
        assert_ne!(
            a,
            cache_key(b"another module", "wasm-opt version 108", "-O3")
        );
        assert_ne!(a, cache_key(b"one module", "wasm-opt version 132", "-O3"));
        assert_ne!(a, cache_key(b"one module", "wasm-opt version 108", "-Oz"));
    }
}
