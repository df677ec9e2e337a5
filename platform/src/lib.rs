//! # gzrs-platform
//!
//! What a service needs from where it runs — outbound HTTP, its environment, the time, timers —
//! with one API for both gzrs modes. Natively these are the usual Rust pieces (`std`, tokio,
//! reqwest). In wasm mode (`wasm32-wasip1`) std answers the environment and the clocks through
//! WASI, and what WASI lacks, outbound HTTP and timers that leave other requests running, are
//! calls to the Node host gzrs generates (`fetch`, `setTimeout`).
//!
//! ```no_run
//! # async fn handler() -> Result<(), gzrs_platform::FetchError> {
//! use std::time::Duration;
//! let token = gzrs_platform::env::var("API_TOKEN");
//! let started = gzrs_platform::time::Instant::now();
//! gzrs_platform::sleep(Duration::from_millis(50)).await;
//! let request = http::Request::get("https://example.com/").body(bytes::Bytes::new()).unwrap();
//! let response = gzrs_platform::fetch(request).await?;
//! println!("{} after {:?}", response.status(), started.elapsed());
//! # Ok(()) }
//! ```

pub mod env;
#[cfg(any(feature = "fetch", target_arch = "wasm32"))]
mod fetch;
pub mod log;
mod sleep;
pub mod time;

#[cfg(target_arch = "wasm32")]
mod host;

#[cfg(any(feature = "fetch", target_arch = "wasm32"))]
pub use fetch::{fetch, Client, FetchError};
pub use sleep::sleep;
