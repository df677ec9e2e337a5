//! The wasm module as it ships: optimized by binaryen's wasm-opt when it is there, stripped.

use std::fs;
use std::path::Path;
use std::process::Command;

use gzrs_tests::command_line::*;

/// The custom sections' names in a wasm module (none should ship).
fn custom_sections(module: &[u8]) -> Vec<String> {
    assert_eq!(&module[..4], b"\0asm", "not a wasm module");
    let (mut names, mut at) = (Vec::new(), 8);
    let leb = |at: &mut usize| {
        let (mut value, mut shift) = (0usize, 0);
        loop {
            let byte = module[*at];
            *at += 1;
            value |= ((byte & 0x7f) as usize) << shift;
            shift += 7;
            if byte < 0x80 {
                return value;
            }
        }
    };
    while at < module.len() {
        let id = module[at];
        at += 1;
        let size = leb(&mut at);
        let end = at + size;
        if id == 0 {
            let mut name_at = at;
            let len = leb(&mut name_at);
            names.push(String::from_utf8_lossy(&module[name_at..name_at + len]).into_owned());
        }
        at = end;
    }
    names
}

#[test]
fn the_wasm_module_is_optimized_when_wasm_opt_is_there_and_still_builds_when_not() {
    assert!(
        gzrs_tests::which("wasm-opt"),
        "wasm-opt (binaryen) is missing: scripts/setup.sh installs it (apt-get install binaryen)"
    );
    let dir = scratch("wasm-opt");
    assert!(gzrs(&["new", "opt-svc"], &dir).status.success());
    let build = |out: &str, extra: &[&str], tool: Option<&Path>| {
        let out = dir.join(out);
        let mut command = Command::new(gzrs_tests::gzrs());
        command
            .args(["build", "--mode", "wasm", "--no-install"])
            .args(extra)
            .arg("--out")
            .arg(&out)
            .arg("opt-svc")
            .current_dir(&dir)
            .env("CARGO_TARGET_DIR", gzrs_tests::shared_target_dir());
        if let Some(tool) = tool {
            command.env("GZRS_WASM_OPT", tool);
        }
        let built = command.output().expect("gzrs runs");
        assert!(
            built.status.success(),
            "gzrs build failed: {}",
            stderr(&built)
        );
        let module = fs::read(out.join("server/gzrs/service.wasm")).expect("the module");
        (out, module, stderr(&built))
    };

    let (optimized, optimized_module, log) = build("optimized", &[], None);
    assert!(log.contains("Optimizing the module"), "{log}");
    let (plain, plain_module, log) = build("plain", &["--no-wasm-opt"], None);
    assert!(
        !log.contains("Optimizing") && !log.contains("warning"),
        "{log}"
    );
    // A wasm-opt that fails: a warning that says what happened, and the module as rustc built it.
    let broken = dir.join("broken-wasm-opt");
    fs::write(
        &broken,
        "#!/bin/sh\necho 'wasm-opt: out of cheese' >&2\nexit 3\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&broken, fs::Permissions::from_mode(0o755)).unwrap();
    let (fallback, fallback_module, log) = build("fallback", &[], Some(&broken));
    assert!(
        log.contains("warning") && log.contains("out of cheese") && log.contains("--no-wasm-opt"),
        "{log}"
    );
    assert_eq!(
        fallback_module, plain_module,
        "the fallback ships the module only stripped"
    );

    assert!(
        optimized_module.len() < plain_module.len() * 95 / 100,
        "wasm-opt made the module {} bytes from {}",
        optimized_module.len(),
        plain_module.len()
    );
    for module in [&optimized_module, &plain_module] {
        assert_eq!(custom_sections(module), Vec::<String>::new());
    }
    // All three answer alike.
    let expected = call(&plain, "/OptSvc/api/hello/you", &dir);
    assert_eq!(
        expected["body"], r#"{"message":"Hello, you!"}"#,
        "{expected}"
    );
    assert_eq!(call(&optimized, "/OptSvc/api/hello/you", &dir), expected);
    assert_eq!(call(&fallback, "/OptSvc/api/hello/you", &dir), expected);
    let missing = call(&optimized, "/OptSvc/api/nowhere", &dir);
    assert_eq!(missing, call(&plain, "/OptSvc/api/nowhere", &dir));
    let _ = fs::remove_dir_all(&dir);
}
