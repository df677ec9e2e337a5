//! `gzrs local`: build the service for its platform and serve it here until Ctrl-C, as the
//! platform's module says (`Platform::serve`).

use anyhow::Result;
use gzrs_build::native::Arch;
use gzrs_build::{LocalArgs, Mode, UserCrate};

pub fn run(mut args: LocalArgs) -> Result<()> {
    for_this_machine(&mut args)?;
    // `ab` is not offered: `gzrs local` serves one class (`gzrs build --mode ab`, then `genezio
    // local`, serves both).
    args.build.mode()?;
    let platform = args.build.platform.get();
    let krate = UserCrate::load(&args.build.path)?;
    platform.check_serving(&krate, &args)?;
    let out = gzrs_build::build(&krate, &args.build)?;
    let port = args.port.unwrap_or_else(|| platform.default_port());
    platform.serve(&krate, &out, port, &args)
}

/// A build served here runs this machine's executable: `--arch` may only name this CPU.
pub fn for_this_machine(args: &mut LocalArgs) -> Result<()> {
    let host = Arch::host()?;
    match args.build.arch {
        Some(arch) if arch != host && args.build.mode == Some(Mode::Native) => anyhow::bail!(
            "an {} executable cannot run on this {} machine: leave out --arch for `gzrs local`",
            arch.genezio_name(),
            host.genezio_name()
        ),
        _ => args.build.arch = Some(host),
    }
    Ok(())
}
