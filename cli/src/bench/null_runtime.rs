//! A Lambda runtime whose service does nothing: the native mode's own Runtime API loop
//! (gzrs-native) around a service that answers at once. Measured like the contestants, it is the
//! benchmark's own cost per request (the emulator's round trip plus the loop), so nobody
//! mistakes that for the service's. Run as `gzrs __null-runtime CLASS METHOD` by the benchmark.

use std::convert::Infallible;

use anyhow::{anyhow, Result};

pub fn run(class: &str, method: &str) -> Result<()> {
    let service = tower::service_fn(|_request| async {
        Ok::<_, Infallible>(http::Response::new(String::from("null")))
    });
    gzrs_native::lambda::run(service, class, method).map_err(|e| anyhow!("{e}"))
}
