//! A Lambda runtime that does nothing: it answers every event at once with a fixed response.
//! Measured like the contestants, it is the benchmark's own cost (the emulator's round trip), so
//! nobody mistakes that for the service's. Run as `gzrs __null-runtime` by the benchmark.

use anyhow::{Context, Result};

pub fn run() -> Result<()> {
    let api =
        std::env::var("AWS_LAMBDA_RUNTIME_API").context("AWS_LAMBDA_RUNTIME_API is not set")?;
    let base = format!("http://{api}/2018-06-01/runtime/invocation");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(None)
        .build()
        .into();
    let answer = r#"{"statusCode":200,"headers":{"content-type":"text/plain"},"body":"null"}"#;
    loop {
        let mut next = agent.get(&format!("{base}/next")).call()?;
        let id = next
            .headers()
            .get("lambda-runtime-aws-request-id")
            .and_then(|v| v.to_str().ok())
            .context("no request id")?
            .to_owned();
        next.body_mut().read_to_vec()?;
        agent.post(&format!("{base}/{id}/response")).send(answer)?;
    }
}
