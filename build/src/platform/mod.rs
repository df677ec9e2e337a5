//! One module per platform gzrs builds for, each behind [`Platform`]: which modes it takes,
//! where its output goes, what it writes there, how `gzrs local` and `gzrs dev` serve it, and
//! what `gzrs build` says when done. Adding a platform is one module here and its adapter under
//! `js-host/`.

pub mod base_path;
pub mod cloudflare;
pub mod deno;
pub mod deploy_tool;
pub mod genezio;
mod interface;
pub mod netlify;
pub mod server;
pub mod vercel;
pub mod web;

use anyhow::Result;

pub use crate::options::PlatformName;
use crate::options::{BuildArgs, Mode};
pub use interface::Platform;

impl PlatformName {
    /// The platform's module.
    pub fn get(self) -> &'static dyn Platform {
        match self {
            PlatformName::Genezio => &genezio::Genezio,
            PlatformName::Web => &web::Web,
            PlatformName::Server => &server::Server,
            PlatformName::Cloudflare => &cloudflare::Cloudflare,
            PlatformName::Deno => &deno::Deno,
            PlatformName::Netlify => &netlify::Netlify,
            PlatformName::Vercel => &vercel::Vercel,
        }
    }
}

impl BuildArgs {
    /// The mode the build runs in: the one `--mode` asks for, if the platform takes it, or the
    /// one the platform implies.
    pub fn mode(&self) -> Result<Mode> {
        self.platform.get().mode(self)
    }
}
