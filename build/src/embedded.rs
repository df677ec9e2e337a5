//! The manifest of every file gzrs carries inside itself, by role:
//! - `js-host/core/`: the platform-neutral JavaScript host (the wasm service, WASI, the protocol
//!   both modes share), written into every wasm output;
//! - `js-host/<platform>/`: each platform's adapter, written into its outputs;
//! - `js-host/local/`: tools `gzrs local` runs, never shipped;
//! - `templates/<platform>/`: the files a platform writes with its own values in named slots.
//!
//! Every one is a template (see `template`); `js_host` writes the host's files.

/// A file carried inside gzrs: its path in this crate, and its text.
#[derive(Debug, Clone, Copy)]
pub struct Embedded {
    pub path: &'static str,
    pub source: &'static str,
}

macro_rules! embed {
    ($($path:literal),* $(,)?) => {
        [$(Embedded { path: $path, source: include_str!(concat!("../", $path)) }),*]
    };
}

/// Every embedded file.
pub const FILES: [Embedded; 33] = embed![
    "js-host/core/wasm-service.mjs",
    "js-host/core/wasi.mjs",
    "js-host/core/protocol.mjs",
    "js-host/genezio/genezio-common.mjs",
    "js-host/genezio/wasm-host.mjs",
    "js-host/genezio/wasm-host.d.mts",
    "js-host/genezio/native-host.mjs",
    "js-host/genezio/native-host.d.mts",
    "js-host/web/fetch-handler.mjs",
    "js-host/web/server.mjs",
    "js-host/web/read-module.mjs",
    "js-host/local/lambda-bootstrap.mjs",
    "templates/genezio/wasm-class.ts",
    "templates/genezio/native-class.ts",
    "templates/genezio/typed-method.ts",
    "templates/genezio/genezio.yaml",
    "templates/genezio/package.json",
    "templates/genezio/tsconfig.json",
    "templates/web/entry.mjs",
    "templates/web/workerd.capnp",
    "templates/web/README.md",
    "templates/cloudflare/wrangler.toml",
    "templates/cloudflare/README.md",
    "templates/deno/deno.json",
    "templates/deno/README.md",
    "templates/netlify/netlify.toml",
    "templates/netlify/README.md",
    "templates/vercel/vercel.json",
    "templates/vercel/README.md",
    "templates/server/Dockerfile",
    "templates/server/README.md",
    "templates/new/manifest.toml",
    "templates/new/lib.rs",
];

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    use super::*;

    #[test]
    fn every_file_under_js_host_and_templates_is_in_the_manifest() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut on_disk = Vec::new();
        for top in ["js-host", "templates"] {
            let mut stack = vec![root.join(top)];
            while let Some(dir) = stack.pop() {
                for entry in fs::read_dir(&dir).unwrap().flatten() {
                    let path = entry.path();
                    let relative = path
                        .strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                    if path.is_dir() {
                        if !relative.ends_with("/test") {
                            stack.push(path);
                        }
                    } else {
                        on_disk.push(relative);
                    }
                }
            }
        }
        on_disk.sort();
        let mut listed: Vec<String> = FILES.iter().map(|f| f.path.to_string()).collect();
        listed.sort();
        assert_eq!(on_disk, listed);
    }
}
