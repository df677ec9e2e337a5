//! `--platform genezio`: a Genezio project, `genezio.yaml` (v2) and a backend folder with
//! `package.json`, `tsconfig.json`, the generated class and the compiled service, in wasm mode,
//! native mode or both (`ab`). Its routes answer at `/<Class>/<method>/`. `gzrs local` serves it
//! as a Lambda runs it (`lambda_local`), or under the real `genezio local`.

mod class;
pub mod lambda_local;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::ValueEnum as _;

use super::interface::Platform;
use crate::files::write_if_changed;
use crate::js_host::{write_core, write_host_file};
use crate::options::{BuildArgs, LocalArgs, Mode};
use crate::progress::{self, Step};
use crate::template::{context, render};
use crate::user_crate::UserCrate;
pub use class::Class;
use class::{remove_stale_classes, write_class};

/// The `@genezio/types` the generated class is checked against (the version the CLI we test
/// with recommends).
pub const GENEZIO_TYPES_VERSION: &str = "1.0.20";
/// The backend folder inside the project.
pub const BACKEND: &str = "server";
/// The port a Genezio project is served on, as `genezio local` does.
pub const DEFAULT_PORT: u16 = 8083;

/// The Genezio platform.
#[derive(Debug)]
pub struct Genezio;

/// Lambda's limits on a function's deploy package: 50 MiB zipped (a direct upload), 250 MiB
/// unzipped.
const LAMBDA_ZIPPED_LIMIT: u64 = 50 * 1024 * 1024;
const LAMBDA_UNZIPPED_LIMIT: u64 = 250 * 1024 * 1024;

impl Platform for Genezio {
    fn mode(&self, args: &BuildArgs) -> Result<Mode> {
        let Some(mode) = args.mode else {
            bail!("--mode is required: wasm, native or ab (see gzrs build --help)")
        };
        if args.base_path.is_some() {
            bail!("--base-path is for --platform web and server: on Genezio, routes answer at /<Class>/<method>/");
        }
        Ok(mode)
    }

    fn default_out(&self, mode: Mode) -> &'static str {
        mode.name()
    }

    fn write(&self, krate: &UserCrate, out: &Path, mode: Mode, args: &BuildArgs) -> Result<()> {
        let class = &krate.config.class;
        if let Some(limit) = krate.config.request_body_limit {
            let genezio = gzrs_core::limits::MAX_BODY_BYTES;
            if limit != genezio {
                progress::info(&format!(
                    "request-body-limit ({}) is for the web and server platforms: Genezio takes bodies whole, up to {} (Lambda's limit)",
                    gzrs_core::limits::in_units(limit),
                    gzrs_core::limits::in_units(genezio)
                ));
            }
        }
        let wasm = |name: String| -> Result<Class> {
            Ok(Class {
                name,
                mode: Mode::Wasm,
                artifacts: crate::wasm::build(krate, args.wasm_options())?,
            })
        };
        let native = |name: String| -> Result<Class> {
            Ok(Class {
                name,
                mode: Mode::Native,
                artifacts: crate::native::build(
                    krate,
                    args.arch,
                    args.verbose,
                    crate::native::Entry::Genezio,
                )?,
            })
        };
        let classes = match mode {
            Mode::Wasm => vec![wasm(class.clone())?],
            Mode::Native => vec![native(class.clone())?],
            Mode::Ab => vec![
                wasm(format!("{class}Wasm"))?,
                native(format!("{class}Native"))?,
            ],
        };
        write_project(krate, out, &classes, args)
    }

    fn done_message(&self, out: &Path) -> String {
        let out = out.display();
        format!(
            "\nGenezio project written to {out}\n  run it:    cd {out} && genezio local\n  deploy it: cd {out} && genezio deploy"
        )
    }

    fn default_port(&self) -> u16 {
        DEFAULT_PORT
    }

    fn route_prefix(&self, krate: &UserCrate, _args: &BuildArgs) -> String {
        format!("/{}/{}", krate.config.class, krate.config.method)
    }

    fn check_serving(&self, _krate: &UserCrate, _args: &LocalArgs) -> Result<()> {
        lambda_local::find_genezio().map(drop)
    }

    /// `gzrs local` of the build just made in `out` (an unchanged build is cargo's no-op):
    /// Genezio's bundle under a Node runtime loop against gzrs's Lambda emulator.
    fn serve_command(
        &self,
        krate: &UserCrate,
        out: &Path,
        port: u16,
        args: &LocalArgs,
    ) -> Result<Command> {
        let mut command = Command::new(std::env::current_exe()?);
        let runtime = args
            .node_runtime
            .to_possible_value()
            .expect("every runtime has a name");
        command
            .args(["local", "--no-install", "--mode", args.build.mode()?.name()])
            .args(["--port", &port.to_string()])
            .args(["--node-runtime", runtime.get_name()])
            .args(["--timeout", &args.timeout.to_string()])
            .arg("--out")
            .arg(out)
            .arg(krate.dir())
            .stdin(Stdio::null());
        Ok(command)
    }

    fn check_deploy(&self, _krate: &UserCrate, _dry_run: bool) -> Result<()> {
        lambda_local::find_genezio().map(drop)
    }

    /// `genezio deploy` in the project; the dry run bundles each class as Genezio's deploy does
    /// (`genezio bundleClass`, offline) and weighs the bundle against Lambda's limits.
    fn deploy(&self, krate: &UserCrate, out: &Path, args: &BuildArgs, dry_run: bool) -> Result<()> {
        let genezio = lambda_local::find_genezio()?;
        if !dry_run {
            return super::deploy_tool::run(
                Command::new(&genezio)
                    .arg("deploy")
                    .env("GENEZIO_NO_TELEMETRY", "1"),
                out,
                "genezio deploy",
            );
        }
        let class = &krate.config.class;
        let classes = match self.mode(args)? {
            Mode::Ab => vec![format!("{class}Wasm"), format!("{class}Native")],
            _ => vec![class.clone()],
        };
        let work = krate.target_dir.join("gzrs/deploy").join(&krate.name);
        for class in classes {
            let task = lambda_local::bundle(&genezio, out, &class, "aws", &work, args.verbose)?;
            let zipped = fs::metadata(work.join("bundle/bundle.zip"))?.len();
            let unzipped = super::deploy_tool::ShippedSize::bytes_of_dir(&task)?;
            let verdict = if zipped <= LAMBDA_ZIPPED_LIMIT && unzipped <= LAMBDA_UNZIPPED_LIMIT {
                "within"
            } else {
                "over"
            };
            eprintln!(
                "
{class}, as Genezio bundles it: {} zipped, {} unzipped, {verdict} Lambda's limits ({} zipped, {} unzipped).",
                super::deploy_tool::human(zipped),
                super::deploy_tool::human(unzipped),
                super::deploy_tool::human(LAMBDA_ZIPPED_LIMIT),
                super::deploy_tool::human(LAMBDA_UNZIPPED_LIMIT),
            );
        }
        eprintln!(
            "Deploy it with: gzrs deploy --to genezio --mode {}",
            self.mode(args)?.name()
        );
        Ok(())
    }

    fn serve(&self, krate: &UserCrate, out: &Path, port: u16, args: &LocalArgs) -> Result<()> {
        let genezio = lambda_local::find_genezio()?;
        if args.genezio {
            return lambda_local::run_genezio_local(&genezio, out, port);
        }
        // Per crate: two services of one workspace can be served side by side.
        let work = krate
            .target_dir
            .join("gzrs/local")
            .join(&krate.name)
            .join(args.build.mode()?.name());
        let task = lambda_local::bundle(
            &genezio,
            out,
            &krate.config.class,
            "aws",
            &work,
            args.build.verbose,
        )?;
        lambda_local::serve(
            &task,
            args.node_runtime,
            port,
            &self.route_prefix(krate, &args.build),
            Duration::from_secs(args.timeout),
        )
    }
}

/// Writes the project: `genezio.yaml` and the backend folder with one generated class per
/// entry of `classes` (two for an A/B deploy), their payloads in `<backend>/gzrs/`.
pub fn write_project(
    krate: &UserCrate,
    out: &Path,
    classes: &[Class],
    args: &BuildArgs,
) -> Result<()> {
    let backend = out.join(BACKEND);
    let gzrs_dir = backend.join("gzrs");
    // Only our own folder is cleared: node_modules and anything the user added stay.
    if gzrs_dir.exists() {
        fs::remove_dir_all(&gzrs_dir)
            .with_context(|| format!("could not clear {}", gzrs_dir.display()))?;
    }
    fs::create_dir_all(&gzrs_dir)
        .with_context(|| format!("could not create {}", gzrs_dir.display()))?;
    write_host_file(
        "js-host/genezio/genezio-common.mjs",
        &gzrs_dir.join("genezio-common.mjs"),
    )?;
    write_core(&gzrs_dir)?;
    remove_stale_classes(&backend, classes)?;
    for (index, class) in classes.iter().enumerate() {
        // Genezio's SDK generator exports every class's types from one index, so a second
        // class of the same crate (`--mode ab`) names its types apart: `NoteNative`.
        let typed = krate.typed.as_ref().map(|typed| match index {
            0 => typed.clone(),
            _ => typed.renamed(class.mode.name()),
        });
        write_class(krate, typed.as_ref(), &backend, class)?;
    }
    write_project_files(
        krate,
        out,
        args.arch.unwrap_or_default().genezio_name(),
        !args.no_install,
        args.verbose,
    )
}

/// Writes what every Genezio project around a class needs: `genezio.yaml` for `architecture`,
/// and the backend's `package.json` and `tsconfig.json`; with `install`, `npm install` of
/// `@genezio/types` unless it is there.
pub fn write_project_files(
    krate: &UserCrate,
    out: &Path,
    architecture: &str,
    install: bool,
    verbose: bool,
) -> Result<()> {
    let backend = out.join(BACKEND);
    write_if_changed(
        &out.join("genezio.yaml"),
        &genezio_yaml(krate, architecture),
    )?;
    write_if_changed(&backend.join("package.json"), &package_json(krate))?;
    write_if_changed(
        &backend.join("tsconfig.json"),
        &render("templates/genezio/tsconfig.json", context! {}),
    )?;
    if install && !backend.join("node_modules/@genezio/types").exists() {
        npm_install(&backend, verbose)?;
    }
    Ok(())
}

fn genezio_yaml(krate: &UserCrate, architecture: &str) -> String {
    render(
        "templates/genezio/genezio.yaml",
        context! {
            crate => &krate.name,
            name => krate.project_name(),
            backend => BACKEND,
            architecture,
        },
    )
}

fn package_json(krate: &UserCrate) -> String {
    render(
        "templates/genezio/package.json",
        context! {
            name => krate.project_name(),
            version => &krate.version,
            crate => &krate.name,
            genezio_types => GENEZIO_TYPES_VERSION,
        },
    )
}

fn npm_install(backend: &Path, verbose: bool) -> Result<()> {
    let step = Step::start("Installing @genezio/types (npm install)");
    let mut command = Command::new("npm");
    command
        .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(backend);
    match progress::run(&mut command, verbose) {
        Ok((status, _)) if status.success() => {
            step.done();
            Ok(())
        }
        Ok((_, log)) => bail!("`npm install` failed in {}:\n{log}\n(use --no-install to skip it)", backend.display()),
        Err(_) => bail!("npm was not found: install Node.js 20 with npm (https://nodejs.org), or pass --no-install and run `npm install` in {} yourself", backend.display()),
    }
}
