//! What every platform answers, so that `gzrs build`, `gzrs local`, `gzrs dev` and the bench
//! dispatch once.

use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, Result};

use crate::options::{BuildArgs, LocalArgs, Mode};
use crate::user_crate::UserCrate;

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
    /// or `` for the root): `--base-path`, unless the platform puts them elsewhere.
    fn route_prefix(&self, _krate: &UserCrate, args: &BuildArgs) -> String {
        super::base_path::normalized_base_path(args.base_path.as_deref()).unwrap_or_default()
    }

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

    /// Checks, before anything is built, that `gzrs deploy` can deploy to this platform: its
    /// tool is there (a missing one costs no compile), or an error says what to do instead.
    fn check_deploy(&self, _krate: &UserCrate, _dry_run: bool) -> Result<()> {
        anyhow::bail!(
            "the web folder is for any JavaScript runtime and has no deploy tool of its own: deploy with --to cloudflare, deno, netlify, vercel or genezio, or run it as its README says"
        )
    }

    /// `gzrs deploy`: runs the platform's own tool on the build in `out` (which `write` wrote
    /// for `krate` and `args`); with `dry_run`, its offline check instead, and the size of what
    /// would ship against the platform's limit. Only called once `check_deploy` passed.
    fn deploy(
        &self,
        _krate: &UserCrate,
        _out: &Path,
        _args: &BuildArgs,
        _dry_run: bool,
    ) -> Result<()> {
        unreachable!("check_deploy refuses this platform")
    }

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
