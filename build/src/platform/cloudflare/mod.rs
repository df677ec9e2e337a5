//! `--platform cloudflare`: the service as a Worker, the folder `wrangler` deploys as it is:
//! `worker.mjs` (which imports the module, as wrangler's bundler takes a `.wasm`), the shared
//! host in `gzrs/`, and `wrangler.toml`. `gzrs local` serves it on workerd, the Workers
//! runtime; `gzrs deploy --to cloudflare` runs `wrangler deploy`. wasm mode only.

use std::path::Path;
use std::process::Command;

use anyhow::Result;

use super::deploy_tool::{human, run, DeployTool, ShippedSize};
use super::interface::Platform;
use super::web::fetch_output::{wasm_only, Entry, Exports, FetchOutput, ModuleSource};
use super::web::runtime::{Runtime, COMPATIBILITY_DATE};
use super::web::{DEFAULT_PORT, WORKER};
use crate::files::write;
use crate::options::{BuildArgs, LocalArgs, Mode};
use crate::template::{context, render};
use crate::user_crate::UserCrate;

/// wrangler, at the version this output is tested with.
const WRANGLER: DeployTool = DeployTool {
    program: "wrangler",
    package: "wrangler@4.164.0",
    min_node: Some((22, 12)),
};

/// Workers' limit on a Worker's size, gzipped: 3 MiB on the free plan (10 MiB on a paid one).
const FREE_LIMIT: u64 = 3 * 1024 * 1024;
const PAID_LIMIT: u64 = 10 * 1024 * 1024;

/// Where `gzrs deploy --to cloudflare --dry-run` has wrangler write its bundle.
const DRY_RUN_DIR: &str = ".wrangler/dry-run";

/// Cloudflare Workers.
#[derive(Debug)]
pub struct Cloudflare;

impl Platform for Cloudflare {
    fn mode(&self, args: &BuildArgs) -> Result<Mode> {
        wasm_only(args, "cloudflare")
    }

    fn default_out(&self, _mode: Mode) -> &'static str {
        "cloudflare"
    }

    fn write(&self, krate: &UserCrate, out: &Path, _mode: Mode, args: &BuildArgs) -> Result<()> {
        let output = FetchOutput::compile_into(krate, args, out, false)?;
        output.write_entry(
            out,
            &Entry {
                file: WORKER,
                runtimes: "on Cloudflare Workers",
                source: ModuleSource::WasmImport,
                exports: Exports::FetchHandler,
            },
        )?;
        write(
            &out.join("wrangler.toml"),
            render(
                "templates/cloudflare/wrangler.toml",
                context! {
                    name => format!("{:?}", krate.name),
                    compatibility_date => COMPATIBILITY_DATE,
                    crons => output.quoted_schedules(),
                },
            ),
        )?;
        output.write_readme(out, "templates/cloudflare/README.md", &krate.name)
    }

    fn done_message(&self, out: &Path) -> String {
        let out = out.display();
        format!(
            "\nWorker written to {out}\n  check:  cd {out} && npx wrangler deploy --dry-run\n  deploy: cd {out} && npx wrangler deploy   (or gzrs deploy --to cloudflare)"
        )
    }

    fn default_port(&self) -> u16 {
        DEFAULT_PORT
    }

    fn check_serving(&self, krate: &UserCrate, _args: &LocalArgs) -> Result<()> {
        Runtime::Workerd.find(krate.dir()).map(drop)
    }

    fn serve_command(
        &self,
        krate: &UserCrate,
        out: &Path,
        port: u16,
        args: &LocalArgs,
    ) -> Result<Command> {
        let workerd = Runtime::Workerd.find(krate.dir())?;
        Runtime::Workerd.command(&workerd, out, port, &args.vars(krate.dir())?)
    }

    fn check_deploy(&self, krate: &UserCrate, _dry_run: bool) -> Result<()> {
        WRANGLER.command(krate.dir()).map(drop)
    }

    fn deploy(
        &self,
        krate: &UserCrate,
        out: &Path,
        _args: &BuildArgs,
        dry_run: bool,
    ) -> Result<()> {
        let mut wrangler = WRANGLER.command(krate.dir())?;
        if !dry_run {
            return run(wrangler.arg("deploy"), out, "wrangler deploy");
        }
        let bundle = out.join(DRY_RUN_DIR);
        let _ = std::fs::remove_dir_all(&bundle);
        run(
            wrangler.args(["deploy", "--dry-run", "--outdir", DRY_RUN_DIR]),
            out,
            "wrangler deploy --dry-run",
        )?;
        // What wrangler uploads: the worker and the module, not its source map or README.
        let size = ShippedSize::of_dir(&bundle, &[".map", "README.md"])?;
        let verdict = if size.gzipped <= FREE_LIMIT {
            "within"
        } else if size.gzipped <= PAID_LIMIT {
            "over the free plan's limit, within a paid plan's"
        } else {
            "over"
        };
        eprintln!(
            "\nThe Worker wrangler bundled ({}): {}, {verdict} Workers' limit of {} gzipped ({} on a paid plan).\nDeploy it with: gzrs deploy --to cloudflare",
            bundle.display(),
            size.describe(),
            human(FREE_LIMIT),
            human(PAID_LIMIT)
        );
        Ok(())
    }
}
