//! `--platform web`: the service as a fetch handler, a folder that any runtime with
//! `export default { fetch }` serves: Deno (`deno serve`), Bun, Cloudflare's workerd, and Node
//! through `server.mjs`. The module and the platform-neutral host go in `gzrs/`; `handler.mjs`
//! is the entry everywhere. wasm mode only.

pub mod runtime;

use std::fs;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use super::base_path::normalized_base_path;
use super::interface::Platform;
use crate::artifacts::Artifacts;
use crate::files::write;
use crate::js_host::{write_core, write_host_file};
use crate::options::{BuildArgs, LocalArgs, Mode};
use crate::template::{context, render};
use crate::user_crate::UserCrate;
use runtime::{module_files, workerd_config, COMPATIBILITY_DATE};

/// The port `server.mjs` and the generated workerd config listen on unless told otherwise.
pub const DEFAULT_PORT: u16 = 8080;

/// The web platform.
#[derive(Debug)]
pub struct Web;

impl Platform for Web {
    fn mode(&self, args: &BuildArgs) -> Result<Mode> {
        match args.mode {
            None | Some(Mode::Wasm) => Ok(Mode::Wasm),
            Some(other) => anyhow::bail!(
                "--platform web runs the service as wasm in the JavaScript runtime: leave out --mode {} (or use --platform genezio)",
                other.name()
            ),
        }
    }

    fn default_out(&self, _mode: Mode) -> &'static str {
        "web"
    }

    fn write(&self, krate: &UserCrate, out: &Path, _mode: Mode, args: &BuildArgs) -> Result<()> {
        let module = crate::wasm::build(krate, args.wasm_options())?;
        write_folder(krate, out, module, args.base_path.as_deref())
    }

    fn done_message(&self, out: &Path) -> String {
        let out = out.display();
        format!(
            "\nFetch handler written to {out}\n  Node: cd {out} && node server.mjs\n  Deno: cd {out} && deno serve -A handler.mjs\n  Bun:  cd {out} && bun handler.mjs\n  deploying: {out}/README.md"
        )
    }

    fn default_port(&self) -> u16 {
        DEFAULT_PORT
    }

    fn route_prefix(&self, _krate: &UserCrate, args: &BuildArgs) -> String {
        normalized_base_path(args.base_path.as_deref()).unwrap_or_default()
    }

    fn check_serving(&self, krate: &UserCrate, args: &LocalArgs) -> Result<()> {
        args.runtime.find(krate.dir()).map(drop)
    }

    fn serve_command(
        &self,
        krate: &UserCrate,
        out: &Path,
        port: u16,
        args: &LocalArgs,
    ) -> Result<Command> {
        let binary = args.runtime.find(krate.dir())?;
        args.runtime
            .command(&binary, out, port, &args.vars(krate.dir())?)
    }

    fn serve(&self, krate: &UserCrate, out: &Path, port: u16, args: &LocalArgs) -> Result<()> {
        let mut child = self
            .serve_command(krate, out, port, args)?
            .spawn()
            .with_context(|| format!("could not start {}", args.runtime.name()))?;
        eprintln!(
            "Serving {} with {} on http://localhost:{port}{}/ (Ctrl-C to stop)",
            out.display(),
            args.runtime.name(),
            self.route_prefix(krate, &args.build)
        );
        crate::serve::wait_or_stop(&mut child, args.runtime.name())
    }
}

/// Writes the fetch-handler folder for `module` (the wasm artifacts) into `out`.
pub fn write_folder(
    krate: &UserCrate,
    out: &Path,
    module: Artifacts,
    base_path: Option<&str>,
) -> Result<()> {
    let base_path = normalized_base_path(base_path)?;
    let gzrs_dir = out.join("gzrs");
    if gzrs_dir.exists() {
        fs::remove_dir_all(&gzrs_dir)
            .with_context(|| format!("could not clear {}", gzrs_dir.display()))?;
    }
    write_core(&gzrs_dir)?;
    for (name, bytes) in &module.files {
        write(&gzrs_dir.join(name), bytes)?;
    }
    write_host_file(
        "js-host/web/fetch-handler.mjs",
        &gzrs_dir.join("fetch-handler.mjs"),
    )?;
    let crons: Vec<(String, String)> = krate
        .typed
        .iter()
        .flat_map(|typed| &typed.methods)
        .filter_map(|m| Some((m.cron.clone()?, m.name.clone())))
        .collect();
    write(
        &out.join("handler.mjs"),
        handler_source(&base_path, &crons, krate.config.streamed_body_limit()),
    )?;
    write_host_file("js-host/web/server.mjs", &out.join("server.mjs"))?;
    let modules = module_files(out)?;
    write(
        &out.join("workerd.capnp"),
        workerd_config(&modules, &format!("*:{DEFAULT_PORT}"), &[]),
    )?;
    write(
        &out.join("wrangler.toml"),
        wrangler_toml(&krate.name, &crons),
    )?;
    write(&out.join("README.md"), readme(&krate.name, &base_path))?;
    Ok(())
}

fn handler_source(base_path: &str, crons: &[(String, String)], body_limit: usize) -> String {
    let crons: Vec<String> = crons
        .iter()
        .map(|(schedule, method)| format!("\n  {{ schedule: {schedule:?}, method: {method:?} }},"))
        .collect();
    let crons = if crons.is_empty() {
        String::new()
    } else {
        format!("{}\n", crons.concat())
    };
    render(
        "templates/web/handler.mjs",
        context! { crons, base_path => format!("{base_path:?}"), body_limit },
    )
}

fn wrangler_toml(name: &str, crons: &[(String, String)]) -> String {
    let schedules: Vec<String> = crons.iter().map(|(s, _)| format!("{s:?}")).collect();
    render(
        "templates/web/wrangler.toml",
        context! {
            name => format!("{name:?}"),
            compatibility_date => COMPATIBILITY_DATE,
            crons => schedules.join(", "),
        },
    )
}

fn readme(name: &str, base_path: &str) -> String {
    let root = if base_path.is_empty() { "/" } else { base_path };
    render(
        "templates/web/README.md",
        context! { name, root, root_slash => format!("{base_path}/") },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_paths_are_normalized() {
        assert_eq!(normalized_base_path(None).unwrap(), "");
        assert_eq!(normalized_base_path(Some("/")).unwrap(), "");
        assert_eq!(normalized_base_path(Some("api/")).unwrap(), "/api");
        assert_eq!(normalized_base_path(Some("/a/b")).unwrap(), "/a/b");
        assert!(normalized_base_path(Some("/a?b")).is_err());
    }
}
