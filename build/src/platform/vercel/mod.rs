//! `--platform vercel`: the service as one Vercel Function, the folder `vercel deploy` takes as
//! it is: `api/index.mjs` (an export per HTTP method), the shared host and the module in
//! `gzrs/` (shipped with it through `includeFiles`), and `vercel.json`, which sends every path
//! to the function and publishes nothing else. wasm mode only.

use std::path::Path;
use std::process::Command;

use anyhow::Result;

use super::deploy_tool::{human, run, DeployTool, ShippedSize};
use super::interface::Platform;
use super::web::fetch_output::{
    served_as_web, wasm_only, write_placeholder_public, Entry, Exports, FetchOutput, ModuleSource,
    HOST_DIR,
};
use crate::files::write;
use crate::options::{BuildArgs, LocalArgs, Mode};
use crate::template::{context, render};
use crate::user_crate::UserCrate;

/// The function's file.
pub const FUNCTION: &str = "api/index.mjs";

/// Why `gzrs local` does not serve this output with the platform's own local server.
const LOCAL_SERVER: &str = "`vercel dev` needs a login";

/// The Vercel CLI, at the version this output is tested with.
const VERCEL: DeployTool = DeployTool {
    program: "vercel",
    package: "vercel@58.10.0",
    min_node: None,
};

/// A Vercel Function's limit: 250 MiB unzipped.
const UNZIPPED_LIMIT: u64 = 250 * 1024 * 1024;

/// What `vercel build` needs to run before the folder is linked to a project: written for the
/// dry run only, and taken away after it.
const PLACEHOLDER_PROJECT: &str =
    r#"{"orgId":"gzrs-dry-run","projectId":"gzrs-dry-run","settings":{"framework":null}}"#;

/// Vercel.
#[derive(Debug)]
pub struct Vercel;

impl Platform for Vercel {
    fn mode(&self, args: &BuildArgs) -> Result<Mode> {
        wasm_only(args, "vercel")
    }

    fn default_out(&self, _mode: Mode) -> &'static str {
        "vercel"
    }

    fn write(&self, krate: &UserCrate, out: &Path, _mode: Mode, args: &BuildArgs) -> Result<()> {
        let output = FetchOutput::compile_into(krate, args, out, true)?;
        output.write_entry(
            out,
            &Entry {
                file: FUNCTION,
                runtimes: "on Vercel, as a Function",
                source: ModuleSource::FileRead,
                exports: Exports::VercelMethods,
            },
        )?;
        write(
            &out.join("vercel.json"),
            render("templates/vercel/vercel.json", context! {}),
        )?;
        write_placeholder_public(out)?;
        output.write_readme(out, "templates/vercel/README.md", &krate.name)
    }

    fn done_message(&self, out: &Path) -> String {
        let out = out.display();
        format!(
            "\nVercel project written to {out}\n  check:  cd {out} && npx vercel build\n  deploy: cd {out} && npx vercel deploy --prod   (or gzrs deploy --to vercel)"
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
        VERCEL.command(krate.dir()).map(drop)
    }

    fn deploy(
        &self,
        krate: &UserCrate,
        out: &Path,
        _args: &BuildArgs,
        dry_run: bool,
    ) -> Result<()> {
        let mut vercel = VERCEL.command(krate.dir())?;
        if !dry_run {
            return run(
                vercel.args(["deploy", "--prod"]),
                out,
                "vercel deploy --prod",
            );
        }
        let project = out.join(".vercel/project.json");
        let placeholder = !project.exists();
        if placeholder {
            write(&project, PLACEHOLDER_PROJECT)?;
        }
        let built = run(vercel.args(["build", "--yes"]), out, "vercel build");
        if placeholder {
            let _ = std::fs::remove_file(&project);
        }
        built?;
        let bytes = ShippedSize::bytes_of_dir(&out.join("api"))?
            + ShippedSize::bytes_of_dir(&out.join(HOST_DIR))?;
        eprintln!(
            "\nThe function Vercel built ({}): {} unzipped, {} Vercel's limit of {}.\nDeploy it with: gzrs deploy --to vercel",
            out.join(".vercel/output/functions/api/index.func").display(),
            human(bytes),
            if bytes <= UNZIPPED_LIMIT { "within" } else { "over" },
            human(UNZIPPED_LIMIT)
        );
        Ok(())
    }
}
