//! `--platform deno`: the service for Deno and Deno Deploy: `main.mjs`, which imports the
//! module with `import source` (Deno compiles it, so serving needs no file access and `deno
//! check` sees every import), the shared host in `gzrs/`, and `deno.json`. `gzrs local` serves
//! it with `deno serve` and only `--allow-env --allow-net`; `gzrs deploy --to deno` runs `deno
//! deploy`. wasm mode only.

use std::path::Path;
use std::process::Command;

use anyhow::Result;

use super::deploy_tool::{run, DeployTool, ShippedSize};
use super::interface::Platform;
use super::web::fetch_output::{wasm_only, Entry, Exports, FetchOutput, ModuleSource};
use super::web::runtime::Runtime;
use crate::files::write;
use crate::options::{BuildArgs, LocalArgs, Mode};
use crate::template::{context, render};
use crate::user_crate::UserCrate;

/// The entry: `deno serve main.mjs`.
pub const MAIN: &str = "main.mjs";

/// `deno serve`'s port.
pub const DEFAULT_PORT: u16 = 8000;

/// Deno, for when it is not installed (the npm package carries its binary).
const DENO: DeployTool = DeployTool {
    program: "deno",
    package: "deno@2.9.6",
    min_node: None,
};

/// Deno and Deno Deploy.
#[derive(Debug)]
pub struct Deno;

impl Platform for Deno {
    fn mode(&self, args: &BuildArgs) -> Result<Mode> {
        wasm_only(args, "deno")
    }

    fn default_out(&self, _mode: Mode) -> &'static str {
        "deno"
    }

    fn write(&self, krate: &UserCrate, out: &Path, _mode: Mode, args: &BuildArgs) -> Result<()> {
        let output = FetchOutput::compile_into(krate, args, out, false)?;
        output.write_entry(
            out,
            &Entry {
                file: MAIN,
                runtimes: "on Deno",
                source: ModuleSource::SourceImport,
                exports: Exports::FetchHandler,
            },
        )?;
        write(
            &out.join("deno.json"),
            render("templates/deno/deno.json", context! {}),
        )?;
        output.write_readme(out, "templates/deno/README.md", &krate.name)
    }

    fn done_message(&self, out: &Path) -> String {
        let out = out.display();
        format!(
            "\nDeno entry written to {out}\n  serve:  cd {out} && deno serve --allow-env --allow-net main.mjs\n  deploy: cd {out} && deno deploy   (or gzrs deploy --to deno)"
        )
    }

    fn default_port(&self) -> u16 {
        DEFAULT_PORT
    }

    fn check_serving(&self, krate: &UserCrate, _args: &LocalArgs) -> Result<()> {
        Runtime::Deno.find(krate.dir()).map(drop)
    }

    fn serve_command(
        &self,
        krate: &UserCrate,
        out: &Path,
        port: u16,
        args: &LocalArgs,
    ) -> Result<Command> {
        let mut command = Command::new(Runtime::Deno.find(krate.dir())?);
        command
            .current_dir(out)
            .envs(args.vars(krate.dir())?)
            .args(["serve", "--allow-env", "--allow-net", "--host", "127.0.0.1"])
            .args(["--port", &port.to_string(), MAIN]);
        Ok(command)
    }

    fn check_deploy(&self, krate: &UserCrate, _dry_run: bool) -> Result<()> {
        DENO.command(krate.dir()).map(drop)
    }

    fn deploy(
        &self,
        krate: &UserCrate,
        out: &Path,
        _args: &BuildArgs,
        dry_run: bool,
    ) -> Result<()> {
        let mut deno = DENO.command(krate.dir())?;
        if !dry_run {
            return run(deno.arg("deploy"), out, "deno deploy");
        }
        run(deno.args(["check", MAIN]), out, "deno check main.mjs")?;
        eprintln!(
            "\nThe folder Deno Deploy takes ({}): {}.\nDeploy it with: gzrs deploy --to deno",
            out.display(),
            ShippedSize::of_dir(out, &[])?.describe()
        );
        Ok(())
    }
}
