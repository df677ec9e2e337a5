//! `--platform server`: the service's static executables serving HTTP on `$PORT` themselves
//! (gzrs-native's server role), with a class's typed methods at `POST /<Class>`, and a
//! `Dockerfile` that ships one in an image with nothing else: what the container hosts of
//! Genezio's migration guide (Cloud Run, ECS/Fargate, Fly.io, Render) run. Native mode only.

use std::fs;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use super::interface::Platform;
use crate::artifacts::Artifacts;
use crate::files::write;
use crate::native::{Arch, Entry};
use crate::options::{BuildArgs, LocalArgs, Mode};
use crate::template::{context, render};
use crate::user_crate::UserCrate;

/// The port `gzrs local` serves the executable on unless told otherwise.
pub const DEFAULT_PORT: u16 = 8080;

/// The container server platform.
#[derive(Debug)]
pub struct Server;

impl Platform for Server {
    fn mode(&self, args: &BuildArgs) -> Result<Mode> {
        match args.mode {
            None | Some(Mode::Native) => Ok(Mode::Native),
            Some(other) => anyhow::bail!(
                "--platform server runs the service's own executable: leave out --mode {} (or use --platform web for wasm)",
                other.name()
            ),
        }
    }

    fn default_out(&self, _mode: Mode) -> &'static str {
        "server"
    }

    fn write(&self, krate: &UserCrate, out: &Path, _mode: Mode, args: &BuildArgs) -> Result<()> {
        let executables = crate::native::build(krate, args.arch, args.verbose, Entry::Server)?;
        write_folder(krate, out, executables, args.base_path.as_deref())
    }

    fn done_message(&self, out: &Path) -> String {
        let out = out.display();
        format!(
            "\nServer written to {out}\n  run it:   PORT=8080 {out}/service-amd64\n  image:    cd {out} && docker build -t my-service ."
        )
    }

    fn default_port(&self) -> u16 {
        DEFAULT_PORT
    }

    /// A container host deploys an image with its own tool, so only the dry run is gzrs's: the
    /// image, built with the first of buildah, podman and docker found.
    fn check_deploy(&self, _krate: &UserCrate, dry_run: bool) -> Result<()> {
        if !dry_run {
            anyhow::bail!(
                "a container host deploys an image with its own tool: `gzrs deploy --to server --dry-run` builds the image here, then push it and deploy it (Cloud Run: `gcloud run deploy --image`; Fly.io: `fly deploy --image`)"
            );
        }
        image_builder().map(drop)
    }

    fn deploy(
        &self,
        krate: &UserCrate,
        out: &Path,
        _args: &BuildArgs,
        _dry_run: bool,
    ) -> Result<()> {
        let builder = image_builder()?;
        let tag = format!("{}:latest", krate.name);
        let mut command = Command::new(builder);
        if builder == "buildah" {
            command.arg("bud");
        } else {
            command.arg("build");
        }
        command.args(["-t", &tag, "."]);
        super::deploy_tool::run(&mut command, out, &format!("{builder} build"))?;
        eprintln!(
            "\nImage {tag} built from {} ({builder}). Push it to your registry and deploy it with your container host's tool.",
            out.display()
        );
        Ok(())
    }

    fn serve_command(
        &self,
        krate: &UserCrate,
        out: &Path,
        port: u16,
        args: &LocalArgs,
    ) -> Result<Command> {
        command(
            out,
            port,
            args.build.base_path.as_deref(),
            &args.vars(krate.dir())?,
        )
    }
}

/// The first image builder on PATH: buildah or podman (which need no daemon), else docker.
fn image_builder() -> Result<&'static str> {
    ["buildah", "podman", "docker"]
        .into_iter()
        .find(|tool| crate::which::which(tool).is_some())
        .context("no image builder found: install docker, podman or buildah (Debian: apt-get install buildah, which needs no daemon)")
}

/// The executable's name in the output for `arch`, by Docker's names for the CPUs, so the
/// Dockerfile picks it with `TARGETARCH`.
pub fn binary_name(arch: Arch) -> &'static str {
    match arch {
        Arch::X86_64 => "service-amd64",
        Arch::Arm64 => "service-arm64",
    }
}

/// Writes the executables (from `payload`, named as `native::build` names them), the
/// Dockerfile and a README into `out`.
pub fn write_folder(
    krate: &UserCrate,
    out: &Path,
    payload: Artifacts,
    base_path: Option<&str>,
) -> Result<()> {
    fs::create_dir_all(out).with_context(|| format!("could not create {}", out.display()))?;
    for arch in [Arch::X86_64, Arch::Arm64] {
        let stale = out.join(binary_name(arch));
        if stale.exists() {
            fs::remove_file(&stale)?;
        }
    }
    let mut shipped = Vec::new();
    for (name, bytes) in &payload.files {
        let arch = [Arch::X86_64, Arch::Arm64]
            .into_iter()
            .find(|a| *name == crate::native::binary_name(*a))
            .context("an executable for an unknown CPU")?;
        let path = out.join(binary_name(arch));
        fs::write(&path, bytes).with_context(|| format!("could not write {}", path.display()))?;
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755))?;
        shipped.push(arch);
    }
    let base_path = base_path
        .map(|b| format!("/{}", b.trim_matches('/')))
        .filter(|b| b != "/");
    write(&out.join("Dockerfile"), dockerfile(base_path.as_deref()))?;
    write(
        &out.join("README.md"),
        readme(krate, &shipped, base_path.as_deref()),
    )?;
    Ok(())
}

fn dockerfile(base_path: Option<&str>) -> String {
    render(
        "templates/server/Dockerfile",
        context! { base_path => base_path.unwrap_or_default() },
    )
}

fn readme(krate: &UserCrate, shipped: &[Arch], base_path: Option<&str>) -> String {
    let files: Vec<String> = shipped
        .iter()
        .map(|a| format!("`{}` ({})", binary_name(*a), a.triple()))
        .collect();
    render(
        "templates/server/README.md",
        context! {
            name => &krate.name,
            files => files.join(", "),
            root => base_path.unwrap_or("/"),
            prefix => base_path.unwrap_or(""),
            base_note => base_path.map_or(String::new(), |b| format!(" (the Dockerfile sets `{b}`)")),
            here => shipped
                .iter()
                .find(|a| Arch::host().ok() == Some(**a))
                .map_or("service-amd64", |a| binary_name(*a)),
        },
    )
}

/// The command that serves this machine's executable of the build in `out` on `port`.
fn command(
    out: &Path,
    port: u16,
    base_path: Option<&str>,
    vars: &[(String, String)],
) -> Result<std::process::Command> {
    let binary = out.join(binary_name(Arch::host()?));
    let mut command = std::process::Command::new(&binary);
    command
        .env("PORT", port.to_string())
        .env("HOST", "127.0.0.1")
        .envs(vars.iter().cloned());
    if let Some(base) = base_path {
        command.env("GZRS_BASE_PATH", base);
    }
    Ok(command)
}
