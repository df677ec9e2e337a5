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
    // Named for the whole life of the process, as a generated `main` names them.
    let target = gzrs_native::Target {
        class: Box::leak(class.into()),
        http_method: Box::leak(method.into()),
        methods: &[],
    };
    gzrs_native::lambda::run(service, target).map_err(|e| anyhow!("{e}"))
}
