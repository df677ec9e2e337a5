//! `gzrs deploy`: builds the output a platform's own tool takes as it is, then runs that tool on
//! it (`wrangler deploy`, `deno deploy`, `genezio deploy`), or with `--dry-run` the tool's
//! offline check and the size of what would ship against the platform's limit.

use anyhow::Result;
use gzrs_build::{BuildArgs, UserCrate};

#[derive(clap::Args, Debug)]
pub struct DeployArgs {
    /// Check instead of deploying, offline: the platform's own check (`wrangler deploy
    /// --dry-run`, `deno check`, `genezio bundleClass`) on the built output, and its size against
    /// the platform's limit.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub build: BuildArgs,
}

pub fn run(args: &DeployArgs) -> Result<()> {
    args.build.mode()?;
    let krate = UserCrate::load(&args.build.path)?;
    let platform = args.build.platform.get();
    platform.check_deploy(&krate, args.dry_run)?;
    let out = gzrs_build::build(&krate, &args.build)?;
    platform.deploy(&krate, &out, &args.build, args.dry_run)
}
