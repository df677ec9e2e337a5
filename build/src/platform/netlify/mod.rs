//! `--platform netlify`: the service as a Netlify Function, the folder `netlify deploy --build`
//! takes as it is: `netlify/functions/<crate>.mjs` (Functions 2.0, routed every path under the
//! base path), the shared host and the module in `gzrs/` (shipped with the function through
//! `included_files`), and `netlify.toml`. A Function rather than an Edge Function: Netlify's
//! edge bundler parses a `.wasm` import as JavaScript. wasm mode only.

use std::path::Path;
use std::process::Command;

use anyhow::Result;

use super::deploy_tool::{human, run, DeployTool};
use super::interface::Platform;
use super::web::fetch_output::{
    served_as_web, wasm_only, write_placeholder_public, Entry, Exports, FetchOutput, ModuleSource,
};
use crate::files::write;
use crate::options::{BuildArgs, LocalArgs, Mode};
use crate::template::{context, render};
use crate::user_crate::UserCrate;

/// Why `gzrs local` does not serve this output with the platform's own local server.
const LOCAL_SERVER: &str = "`netlify dev` needs a network";

/// netlify-cli, at the version this output is tested with.
const NETLIFY: DeployTool = DeployTool {
    program: "netlify",
    package: "netlify-cli@27.10.2",
    min_node: Some((22, 13)),
};

/// A Netlify Function runs on AWS Lambda: 50 MiB zipped.
const ZIPPED_LIMIT: u64 = 50 * 1024 * 1024;

/// Netlify.
#[derive(Debug)]
pub struct Netlify;

/// The function's file: `netlify/functions/<crate>.mjs`.
pub fn function_file(krate: &UserCrate) -> String {
    format!("netlify/functions/{}.mjs", krate.name)
}

impl Platform for Netlify {
    fn mode(&self, args: &BuildArgs) -> Result<Mode> {
        wasm_only(args, "netlify")
    }

    fn default_out(&self, _mode: Mode) -> &'static str {
        "netlify"
    }

    fn write(&self, krate: &UserCrate, out: &Path, _mode: Mode, args: &BuildArgs) -> Result<()> {
        let output = FetchOutput::compile_into(krate, args, out, true)?;
        let functions = out.join("netlify/functions");
        if functions.exists() {
            std::fs::remove_dir_all(&functions)?;
        }
        output.write_entry(
            out,
            &Entry {
                file: &function_file(krate),
                runtimes: "on Netlify, as a Function",
                source: ModuleSource::FileRead,
                exports: Exports::NetlifyFunction,
            },
        )?;
        write(
            &out.join("netlify.toml"),
            render(
                "templates/netlify/netlify.toml",
                context! { root => output.root() },
            ),
        )?;
        write_placeholder_public(out)?;
        output.write_readme(out, "templates/netlify/README.md", &krate.name)
    }

    fn done_message(&self, out: &Path) -> String {
        let out = out.display();
        format!(
            "\nNetlify site written to {out}\n  check:  cd {out} && npx netlify build --offline\n  deploy: cd {out} && npx netlify deploy --build --prod   (or gzrs deploy --to netlify)"
        )
    }

    fn default_port(&self) -> u16 {
        super::web::DEFAULT_PORT
    }

    /// Refused before anything is built: [`served_as_web`] says what serves it instead.
    fn check_serving(&self, _krate: &UserCrate, _args: &LocalArgs) -> Result<()> {
        Err(served_as_web(LOCAL_SERVER))
    }

    fn serve_command(
        &self,
        _krate: &UserCrate,
        _out: &Path,
        _port: u16,
        _args: &LocalArgs,
    ) -> Result<Command> {
        Err(served_as_web(LOCAL_SERVER))
    }

    fn check_deploy(&self, krate: &UserCrate, _dry_run: bool) -> Result<()> {
        NETLIFY.command(krate.dir()).map(drop)
    }

    fn deploy(
        &self,
        krate: &UserCrate,
        out: &Path,
        _args: &BuildArgs,
        dry_run: bool,
    ) -> Result<()> {
        let mut netlify = NETLIFY.command(krate.dir())?;
        if !dry_run {
            return run(
                netlify.args(["deploy", "--build", "--prod"]),
                out,
                "netlify deploy --build --prod",
            );
        }
        run(
            netlify.args(["build", "--offline"]),
            out,
            "netlify build --offline",
        )?;
        let zip = out
            .join(".netlify/functions")
            .join(format!("{}.zip", krate.name));
        let zipped = std::fs::metadata(&zip)
            .map_err(|e| anyhow::anyhow!("netlify build wrote no {}: {e}", zip.display()))?
            .len();
        eprintln!(
            "\nThe function Netlify built ({}): {} zipped, {} AWS Lambda's limit of {} zipped.\nDeploy it with: gzrs deploy --to netlify",
            zip.display(),
            human(zipped),
            if zipped <= ZIPPED_LIMIT { "within" } else { "over" },
            human(ZIPPED_LIMIT)
        );
        Ok(())
    }
}
