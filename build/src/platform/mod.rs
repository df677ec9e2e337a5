//! One module per platform gzrs builds for, each behind [`Platform`]: which modes it takes,
//! where its output goes, what it writes there, how `gzrs local` and `gzrs dev` serve it, and
//! what `gzrs build` says when done. Adding a platform is one module here and its adapter under
//! `js-host/`.

pub mod genezio;
pub mod server;
pub mod web;

use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, Result};
use clap::ValueEnum;

use crate::options::{BuildArgs, LocalArgs, Mode};
use crate::user_crate::UserCrate;

/// `--platform`: where the service runs.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlatformName {
    /// A Genezio project: genezio.yaml and a backend folder with the generated class.
    Genezio,
    /// A folder any JavaScript runtime serves: `handler.mjs` (`export default { fetch }`) for
    /// Deno, Bun and Cloudflare Workers, and `server.mjs` for Node.
    Web,
    /// Static executables that serve HTTP on $PORT themselves, and a `FROM scratch`
    /// Dockerfile: for containers (native mode).
    Server,
}

impl PlatformName {
    /// The platform's module.
    pub fn get(self) -> &'static dyn Platform {
        match self {
            PlatformName::Genezio => &genezio::Genezio,
            PlatformName::Web => &web::Web,
            PlatformName::Server => &server::Server,
        }
    }
}

/// What every platform answers.
pub trait Platform: Sync {
    /// The mode a build runs in: the one `--mode` asks for if this platform takes it, else the
    /// one it implies; an error says which to use instead. Also refuses options it has no use
    /// for. Checked before the crate is read.
    fn mode(&self, args: &BuildArgs) -> Result<Mode>;

    /// The output folder under `<target dir>/gzrs/` when `--out` is not given.
    fn default_out(&self, mode: Mode) -> &'static str;

    /// Compiles the service (already described) and writes the output into `out`.
    fn write(&self, krate: &UserCrate, out: &Path, mode: Mode, args: &BuildArgs) -> Result<()>;

    /// What `gzrs build` prints when done: how to run and deploy what is in `out`.
    fn done_message(&self, out: &Path) -> String;

    /// The port `gzrs local` and `gzrs dev` serve on unless `--port` says otherwise.
    fn default_port(&self) -> u16;

    /// The path the service's routes answer under when served locally (`/Hello/api`, `/api`,
    /// or `` for the root).
    fn route_prefix(&self, krate: &UserCrate, args: &BuildArgs) -> String;

    /// Checks what serving needs, before anything is built: a missing runtime costs no compile.
    fn check_serving(&self, _krate: &UserCrate, _args: &LocalArgs) -> Result<()> {
        Ok(())
    }

    /// The process that serves the build in `out` on `port` (what `gzrs dev` starts after each
    /// good build, and stops through its process group).
    fn serve_command(
        &self,
        krate: &UserCrate,
        out: &Path,
        port: u16,
        args: &LocalArgs,
    ) -> Result<Command>;

    /// Serves the build in `out` on `port` until Ctrl-C (`gzrs local`).
    fn serve(&self, krate: &UserCrate, out: &Path, port: u16, args: &LocalArgs) -> Result<()> {
        let mut child = self
            .serve_command(krate, out, port, args)?
            .spawn()
            .with_context(|| format!("could not start the server for {}", out.display()))?;
        eprintln!(
            "Serving {} on http://localhost:{port}{}/ (Ctrl-C to stop)",
            out.display(),
            self.route_prefix(krate, &args.build)
        );
        crate::serve::wait_or_stop(&mut child, "the server")
    }
}

/// `/api/` and `api` become `/api`; `/` and nothing become `` (the root).
pub fn normalized_base_path(base: Option<&str>) -> Result<String> {
    let Some(base) = base else {
        return Ok(String::new());
    };
    let trimmed = base.trim_matches('/');
    if trimmed.contains(['?', '#', ' ']) {
        anyhow::bail!("--base-path {base:?} is not a path: use one like /api");
    }
    Ok(if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    })
}
