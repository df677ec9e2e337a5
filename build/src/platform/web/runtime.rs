//! The JavaScript runtimes that serve a web build locally (`gzrs local --platform web`, `gzrs
//! dev`, the bench): how each is found and started, and workerd's config listing the build's
//! modules.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

use crate::template::{context, render};

/// workerd's compatibility date for the generated configs: the runtime behaviour the handler
/// was tested with.
pub const COMPATIBILITY_DATE: &str = "2025-09-01";

/// The JavaScript runtimes `gzrs local --platform web` serves the build with.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    /// Node 20+, through the build's `server.mjs`.
    Node,
    /// `deno serve handler.mjs`.
    Deno,
    /// `Bun.serve({ fetch: handler.fetch })`.
    Bun,
    /// Cloudflare's workerd, with a config listing every module (`npm install workerd`).
    Workerd,
}

impl Runtime {
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Node => "node",
            Runtime::Deno => "deno",
            Runtime::Bun => "bun",
            Runtime::Workerd => "workerd",
        }
    }

    /// The command that serves the build in `out` on 127.0.0.1:`port`, with `vars` as the
    /// service's environment (for workerd, as `text` bindings in a config written for it).
    pub fn command(
        self,
        binary: &Path,
        out: &Path,
        port: u16,
        vars: &[(String, String)],
    ) -> Result<std::process::Command> {
        let mut command = std::process::Command::new(binary);
        command.current_dir(out).envs(vars.iter().cloned());
        let port_text = port.to_string();
        match self {
            Runtime::Node => {
                command
                    .arg("server.mjs")
                    .env("PORT", &port_text)
                    .env("HOST", "127.0.0.1");
            }
            Runtime::Deno => {
                command.args([
                    "serve",
                    "-A",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    &port_text,
                    "handler.mjs",
                ]);
            }
            Runtime::Bun => {
                command.args([
                    "--eval",
                    &format!(
                        "import handler from \"./handler.mjs\";\n\
                         const server = Bun.serve({{ hostname: \"127.0.0.1\", port: {port}, fetch: handler.fetch }});\n\
                         console.log(`gzrs: serving on ${{server.url}}`);"
                    ),
                ]);
            }
            Runtime::Workerd => {
                let config = out.join("workerd-local.capnp");
                let modules = module_files(out)?;
                fs::write(
                    &config,
                    workerd_config_with(&modules, &format!("127.0.0.1:{port}"), vars, true),
                )
                .with_context(|| format!("could not write {}", config.display()))?;
                command.args(["serve", "workerd-local.capnp"]);
            }
        }
        Ok(command)
    }

    /// The runtime's executable: `GZRS_<NAME>` if set, else on `PATH`, else in the nearest
    /// `node_modules/.bin` from `start` up (where `npm install deno bun workerd` puts them).
    pub fn find(self, start: &Path) -> Result<std::path::PathBuf> {
        let variable = format!("GZRS_{}", self.name().to_uppercase());
        if let Some(path) = std::env::var_os(&variable) {
            return Ok(path.into());
        }
        if let Some(path) = crate::which::which(self.name()) {
            return Ok(path);
        }
        for dir in start.ancestors() {
            let candidate = dir.join("node_modules/.bin").join(self.name());
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
        let install = match self {
            Runtime::Node => "install Node.js 20 or later (https://nodejs.org)".to_string(),
            other => format!(
                "`npm install {}` (its binary comes with the package), or put `{}` on PATH",
                other.name(),
                other.name()
            ),
        };
        anyhow::bail!(
            "{} was not found (looked at {variable}, PATH and node_modules/.bin): {install}",
            self.name()
        )
    }
}

/// Every `.mjs` and `.wasm` file of the build, relative to it, the entry first: workerd has no
/// filesystem, so its config lists each as a module.
pub fn module_files(out: &Path) -> Result<Vec<String>> {
    fn walk(root: &Path, dir: &Path, found: &mut Vec<String>) -> Result<()> {
        for entry in
            fs::read_dir(dir).with_context(|| format!("could not read {}", dir.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                walk(root, &path, found)?;
            } else if path.extension().is_some_and(|e| e == "mjs" || e == "wasm") {
                let relative = path.strip_prefix(root).unwrap_or(&path);
                found.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
        Ok(())
    }
    let mut found = Vec::new();
    if out.join("gzrs").is_dir() {
        walk(out, &out.join("gzrs"), &mut found)?;
    }
    found.sort();
    // The entry first (workerd's rule): the one that imports the module. handler.mjs reads it
    // from a file and server.mjs is Node's: workerd has neither.
    found.insert(0, super::WORKER.to_string());
    Ok(found)
}

/// A workerd config serving the build on `address` (`*:8080`, `127.0.0.1:8787`), with `text`
/// bindings (the service's environment on Workers).
pub fn workerd_config(modules: &[String], address: &str, bindings: &[(String, String)]) -> String {
    workerd_config_with(modules, address, bindings, false)
}

/// [`workerd_config`], with `local_network` opening the service's outbound fetches to private
/// and loopback addresses too (workerd allows public ones only by default): for `gzrs local`.
pub fn workerd_config_with(
    modules: &[String],
    address: &str,
    bindings: &[(String, String)],
    local_network: bool,
) -> String {
    let modules: Vec<String> = modules
        .iter()
        .map(|name| {
            let kind = if name.ends_with(".wasm") {
                "wasm"
            } else {
                "esModule"
            };
            format!("    (name = {name:?}, {kind} = embed {name:?}),")
        })
        .collect();
    let bindings: Vec<String> = bindings
        .iter()
        .map(|(name, value)| format!("    (name = {name:?}, text = {value:?}),"))
        .collect();
    render(
        "templates/web/workerd.capnp",
        context! {
            local_network,
            address => format!("{address:?}"),
            modules => modules.join("\n"),
            bindings => bindings.join("\n"),
            compatibility_date => COMPATIBILITY_DATE,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workerd_config_lists_every_module_the_entry_first() {
        let config = workerd_config(
            &["worker.mjs".into(), "gzrs/service.wasm".into()],
            "127.0.0.1:8787",
            &[("KEY".into(), "a \"quoted\" value".into())],
        );
        let handler = config.find("esModule = embed \"worker.mjs\"").unwrap();
        let wasm = config.find("wasm = embed \"gzrs/service.wasm\"").unwrap();
        assert!(handler < wasm, "{config}");
        assert!(config.contains(r#"address = "127.0.0.1:8787""#), "{config}");
        assert!(
            config.contains(r#"(name = "KEY", text = "a \"quoted\" value")"#),
            "{config}"
        );
    }
}
