//! `--platform web`: the service as a fetch handler, a folder that any runtime with
//! `export default { fetch }` serves: Node through `server.mjs`, Bun and Deno (`handler.mjs`),
//! and Cloudflare's workerd (`worker.mjs`, `workerd.capnp`). The module and the
//! platform-neutral host go in `gzrs/` ([`fetch_output`]), which the Cloudflare and Deno
//! platforms' outputs share. wasm mode only.

pub mod fetch_output;
pub mod runtime;

use std::fs;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use super::interface::Platform;
use crate::files::write;
use crate::js_host::write_host_file;
use crate::options::{BuildArgs, LocalArgs, Mode};
use crate::user_crate::UserCrate;
use fetch_output::{wasm_only, Entry, Exports, FetchOutput, ModuleSource};
use runtime::{module_files, workerd_config};

/// The web folder's entry on Node, Bun and Deno.
pub const HANDLER: &str = "handler.mjs";
/// The entry on workerd and Workers: it imports the module, as their bundlers and configs take it.
pub const WORKER: &str = "worker.mjs";

/// The port `server.mjs` and the generated workerd config listen on unless told otherwise.
pub const DEFAULT_PORT: u16 = 8080;

/// The web platform.
#[derive(Debug)]
pub struct Web;

impl Platform for Web {
    fn mode(&self, args: &BuildArgs) -> Result<Mode> {
        wasm_only(args, "web")
    }

    fn default_out(&self, _mode: Mode) -> &'static str {
        "web"
    }

    fn write(&self, krate: &UserCrate, out: &Path, _mode: Mode, args: &BuildArgs) -> Result<()> {
        let output = FetchOutput::compile_into(krate, args, out, true)?;
        write_folder(krate, out, &output)
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

/// Writes the fetch-handler folder's entries beside `gzrs/` (already written) into `out`:
/// `handler.mjs` (Node through `server.mjs`, Bun, Deno with read access), `worker.mjs` and
/// `workerd.capnp` (workerd), and the README.
fn write_folder(krate: &UserCrate, out: &Path, output: &FetchOutput) -> Result<()> {
    output.write_entry(
        out,
        &Entry {
            file: HANDLER,
            runtimes: "on Node (through server.mjs), Bun and Deno",
            source: ModuleSource::FileRead,
            exports: Exports::FetchHandler,
        },
    )?;
    output.write_entry(
        out,
        &Entry {
            file: WORKER,
            runtimes: "on workerd (workerd.capnp)",
            source: ModuleSource::WasmImport,
            exports: Exports::FetchHandler,
        },
    )?;
    write_host_file("js-host/web/server.mjs", &out.join("server.mjs"))?;
    let modules = module_files(out)?;
    write(
        &out.join("workerd.capnp"),
        workerd_config(&modules, &format!("*:{DEFAULT_PORT}"), &[]),
    )?;
    // A wrangler.toml from before `--platform cloudflare` would deploy the wrong entry.
    let _ = fs::remove_file(out.join("wrangler.toml"));
    output.write_readme(out, "templates/web/README.md", &krate.name)
}
