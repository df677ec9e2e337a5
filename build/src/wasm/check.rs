//! What the linked wasm module can call, read from the module itself before it ships: whether a
//! wasm-bindgen import is reachable (on `wasm32-wasip1` each one is a stub that panics), and
//! whether it imports anything no gzrs host provides (it would fail to load).
//!
//! Deciding on the module rather than on the dependency graph lets crates that name js-sys for
//! every wasm32 target but call it only off WASI (jsonwebtoken does) build: the linker drops
//! what nothing calls, stubs and their panic message included.

use anyhow::{Context, Result};
use wasmparser::{KnownCustom, Name, Parser, Payload};

use super::graph::Graph;

/// The message of wasm-bindgen's stub for an imported JavaScript function on a non-JavaScript
/// target. It is in the module's data exactly when some stub is reachable.
const STUB_MESSAGES: [&[u8]; 2] = [
    b"cannot call wasm-bindgen imported functions on non-wasm targets",
    b"function not implemented on non-wasm32 targets",
];

/// The import modules the hosts answer: WASI, gzrs-wasm's own, gzrs-platform's.
const HOST_MODULES: [&str; 3] = ["wasi_snapshot_preview1", "gzrs", "gzrs_platform"];

/// What the module would do that no host supports.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Findings {
    /// Some wasm-bindgen import is reachable: it would panic when called.
    pub calls_javascript: bool,
    /// The JavaScript-binding functions the module holds (from its name section, demangled),
    /// which tell what is called: `js_sys::Date::now`.
    pub javascript_functions: Vec<String>,
    /// Imports outside [`HOST_MODULES`], as `module.name`.
    pub foreign_imports: Vec<String>,
}

/// Reads `module` (unstripped, so its name section is there to name things).
pub fn inspect(module: &[u8]) -> Result<Findings> {
    let mut findings = Findings {
        calls_javascript: STUB_MESSAGES
            .iter()
            .any(|message| contains(module, message)),
        ..Findings::default()
    };
    for payload in Parser::new(0).parse_all(module) {
        match payload.context("the compiled module is not valid wasm")? {
            Payload::ImportSection(imports) => {
                for import in imports.into_imports() {
                    let import = import.context("the module's imports are malformed")?;
                    if !HOST_MODULES.contains(&import.module) {
                        findings
                            .foreign_imports
                            .push(format!("{}.{}", import.module, import.name));
                    }
                }
            }
            Payload::CustomSection(section) if findings.calls_javascript => {
                if let KnownCustom::Name(names) = section.as_known() {
                    for name in names.into_iter().flatten() {
                        if let Name::Function(map) = name {
                            for naming in map.into_iter().flatten() {
                                let name = format!("{:#}", rustc_demangle::demangle(naming.name));
                                if is_javascript_binding(&name)
                                    && !findings.javascript_functions.contains(&name)
                                {
                                    findings.javascript_functions.push(name);
                                }
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(findings)
}

/// A function of the binding crates' generated API (`js_sys::Date::now`,
/// `web_sys::...::Request::new`), not of wasm-bindgen's runtime, which every module linking it
/// holds.
fn is_javascript_binding(name: &str) -> bool {
    (name.starts_with("js_sys::") || name.starts_with("web_sys::"))
        && !name.contains("::futures::")
        && !name.contains("drop_in_place")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Crates that call into a browser-style JavaScript host through wasm-bindgen. Crates made for
/// both leave them out on WASI (getrandom, uuid, chrono do), and some name them for every wasm32
/// target but call them only off WASI (jsonwebtoken). On `wasm32-wasip1` each imported function
/// is a stub that panics, so the linked module decides ([`refuse_what_no_host_runs`]); these
/// names only say how the service reaches them.
const JS_BINDINGS: [&str; 3] = ["js-sys", "web-sys", "wasm-bindgen"];

/// Stops the build when the linked module would fail at run time: a reachable wasm-bindgen stub
/// (it panics when called), or an import no gzrs host provides (the module would not load).
pub fn refuse_what_no_host_runs(found: &Findings, graph: &Graph) -> Result<()> {
    if found.calls_javascript {
        // The crates that use the bindings directly: one of them makes the call.
        let callers = graph.dependents_of(&JS_BINDINGS);
        let named = |c: &String| match graph.path_to(c) {
            Some(path) if path != *c => format!("`{c}` ({path})"),
            _ => format!("`{c}`"),
        };
        let who = match callers.as_slice() {
            [] => "the service".to_string(),
            [one] => named(one),
            many => format!(
                "one of {}",
                many.iter().map(named).collect::<Vec<_>>().join(", ")
            ),
        };
        let called = if found.javascript_functions.is_empty() {
            String::new()
        } else {
            let shown: Vec<&str> = found
                .javascript_functions
                .iter()
                .take(6)
                .map(String::as_str)
                .collect();
            format!(" It calls {}.", shown.join(", "))
        };
        let fetch = if callers.iter().any(|c| c == "reqwest") {
            " For outbound HTTP in wasm mode, `gzrs_platform::fetch` (or its `Client`, a tower::Service) replaces reqwest."
        } else {
            ""
        };
        anyhow::bail!(
            "{who} calls JavaScript through wasm-bindgen, which gzrs's wasm mode (wasm32-wasip1) does not run: each such call would panic at request time.{called} `gzrs build --mode native` runs this service as it is.{fetch}"
        );
    }
    if !found.foreign_imports.is_empty() {
        let shown: Vec<&str> = found
            .foreign_imports
            .iter()
            .take(8)
            .map(String::as_str)
            .collect();
        anyhow::bail!(
            "the compiled module imports {}, which no gzrs host provides (only WASI and gzrs's own), so it would not load. Usually C code calls a function the WASI libc lacks; `gzrs build --mode native` runs the service as it is.",
            shown.join(", ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module assembled by hand: one import, and the stub's message in a data segment.
    fn module(import_module: &str, data: &[u8]) -> Vec<u8> {
        let mut out = b"\0asm\x01\0\0\0".to_vec();
        // type section: one type, () -> ()
        out.extend([1, 4, 1, 0x60, 0, 0]);
        // import section: one function import of type 0
        let mut import = vec![1];
        import.push(import_module.len() as u8);
        import.extend(import_module.as_bytes());
        import.push(1);
        import.extend(b"f");
        import.extend([0, 0]);
        out.push(2);
        out.push(import.len() as u8);
        out.extend(import);
        // memory section: one memory of 1 page
        out.extend([5, 3, 1, 0, 1]);
        // data section: one active segment at offset 0
        let mut segment = vec![1, 0, 0x41, 0, 0x0b, data.len() as u8];
        segment.extend(data);
        out.push(11);
        out.push(segment.len() as u8);
        out.extend(segment);
        out
    }

    #[test]
    fn a_reachable_stub_and_a_foreign_import_are_found() {
        let findings = inspect(&module("__wbindgen_placeholder__", STUB_MESSAGES[0])).unwrap();
        assert!(findings.calls_javascript);
        assert_eq!(findings.foreign_imports, ["__wbindgen_placeholder__.f"]);

        let clean = inspect(&module("wasi_snapshot_preview1", b"hello")).unwrap();
        assert_eq!(clean, Findings::default());
        assert!(inspect(b"\0asm\x01\0\0\0\x02\x05").is_err());
    }

    #[test]
    fn only_the_binding_crates_api_names_a_call() {
        assert!(is_javascript_binding("js_sys::Date::now"));
        assert!(is_javascript_binding(
            "web_sys::features::gen_Request::Request::new_with_str_and_init"
        ));
        assert!(!is_javascript_binding("wasm_bindgen::externref::heap"));
        assert!(!is_javascript_binding(
            "js_sys::futures::jspi::task_waker::raw_wake"
        ));
    }
}
