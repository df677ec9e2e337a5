//! Checks every transport is held to, each returning its problems (empty when there are
//! none) so a test can gather them and report every failing case at once.

use std::thread;

use serde_json::Value;
use ureq::Agent;

use crate::{compare, fixture_corpus, http_agent, standalone, Answer, Case};

/// Something that answers the service's requests over HTTP: `genezio local`, the emulator.
pub trait Server: Sync {
    /// Sends `case`; any status is an answer, a transport failure an error.
    fn send(&self, agent: &Agent, case: &Case) -> Result<Answer, String>;

    /// The request the service receives for `case` through this transport: the reference is
    /// the service's answer to that.
    fn as_delivered(&self, case: &Case) -> Case {
        case.clone()
    }
}

impl Server for crate::GenezioLocal {
    fn send(&self, agent: &Agent, case: &Case) -> Result<Answer, String> {
        crate::GenezioLocal::send(self, agent, case)
    }
}

impl Server for crate::LambdaLocal {
    fn send(&self, agent: &Agent, case: &Case) -> Result<Answer, String> {
        crate::LambdaLocal::send(self, agent, case)
    }

    /// API Gateway's events join a repeated query key's values with commas, and Genezio's
    /// handler (whose semantics both modes keep) reads only those.
    fn as_delivered(&self, case: &Case) -> Case {
        crate::corpus::with_joined_query(case)
    }
}

/// Sends each case and keeps the answers (a transport failure becomes a 599 with its message),
/// for comparing one mode's answers with another's.
pub fn collect(server: &impl Server, cases: &[Case]) -> Vec<Answer> {
    let agent = http_agent();
    cases
        .iter()
        .map(|case| {
            server.send(&agent, case).unwrap_or_else(|error| Answer {
                status: 599,
                headers: Default::default(),
                body: error.into_bytes(),
            })
        })
        .collect()
}

/// Mode parity: every answer `got` equals the answer `reference` gave to the same case.
pub fn check_parity(
    cases: &[Case],
    reference: &[Answer],
    got: &[Answer],
    what: &str,
) -> Vec<String> {
    cases
        .iter()
        .zip(reference.iter().zip(got))
        .flat_map(|(case, (want, have))| compare(&format!("{what}: {}", case.name), want, have))
        .collect()
}

/// Sends each case in turn and compares it with the answer of the service at `crate_dir`
/// built standalone (outside this workspace, its own features) to the request as delivered.
pub fn check_cases(server: &impl Server, crate_dir: &str, cases: &[Case]) -> Vec<String> {
    let delivered: Vec<Case> = cases.iter().map(|case| server.as_delivered(case)).collect();
    let expected = standalone::answers(crate_dir, &delivered);
    let agent = http_agent();
    cases
        .iter()
        .zip(&expected)
        .flat_map(|(case, want)| match server.send(&agent, case) {
            Ok(got) => compare(&case.name, want, &got),
            Err(error) => vec![error],
        })
        .collect()
}

/// The corpus plus `/yield/N` requests with distinct N, spread over 8 threads: each answer
/// must still be the one for its own request.
pub fn check_concurrently(server: &impl Server) -> Vec<String> {
    const THREADS: usize = 8;
    let mut cases = fixture_corpus();
    cases.extend(
        (10..26).map(|n| Case::get(format!("concurrent yield {n}"), format!("/yield/{n}"))),
    );
    let delivered: Vec<Case> = cases.iter().map(|case| server.as_delivered(case)).collect();
    let expected: Vec<(Case, Answer)> = cases
        .into_iter()
        .zip(standalone::answers(standalone::FIXTURE, &delivered))
        .collect();
    let agent = http_agent();
    thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|worker| {
                let (agent, expected) = (agent.clone(), &expected);
                scope.spawn(move || {
                    expected
                        .iter()
                        .skip(worker)
                        .step_by(THREADS)
                        .flat_map(|(case, want)| match server.send(&agent, case) {
                            Ok(got) => compare(&format!("concurrent: {}", case.name), want, &got),
                            Err(error) => vec![format!("concurrent: {error}")],
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("a request thread"))
            .collect()
    })
}

/// A panic answers 500 with `{"error": <message>}`, and the next request is served normally.
pub fn check_panic_recovery(server: &impl Server) -> Vec<String> {
    let agent = http_agent();
    let mut problems = Vec::new();
    match server.send(&agent, &Case::get("panic", "/panic")) {
        Ok(answer) => {
            if answer.status != 500 {
                problems.push(format!(
                    "[panic] status: expected 500, got {}",
                    answer.status
                ));
            }
            let message = serde_json::from_slice::<Value>(&answer.body)
                .ok()
                .and_then(|body| body["error"].as_str().map(str::to_owned));
            match message {
                Some(message) if !message.is_empty() => {}
                _ => problems.push(format!(
                    "[panic] body: expected {{\"error\": <a message>}}, got {:?}",
                    String::from_utf8_lossy(&answer.body)
                )),
            }
        }
        Err(error) => problems.push(error),
    }
    problems.extend(check_served_after(server, &agent, "a panic"));
    problems
}

/// A body the service gave no content type arrives with none: the front adds none of its own
/// (Bun's Response would say `application/octet-stream`).
pub fn check_no_content_type_added(server: &impl Server) -> Vec<String> {
    match server.send(&http_agent(), &Case::get("untyped", "/untyped")) {
        Ok(answer) => {
            let mut problems = Vec::new();
            if let Some(added) = answer.headers.get("content-type") {
                problems.push(format!("[untyped] a content-type was added: {added:?}"));
            }
            if answer.body != b"bytes of no declared type" {
                problems.push(format!(
                    "[untyped] body: {:?}",
                    String::from_utf8_lossy(&answer.body)
                ));
            }
            problems
        }
        Err(error) => vec![error],
    }
}

/// The process serving the native service, from the fixture's `/pid` route.
pub fn service_pid(server: &impl Server) -> Result<u32, String> {
    let answer = server.send(&http_agent(), &Case::get("pid", "/pid"))?;
    String::from_utf8_lossy(&answer.body)
        .trim()
        .parse()
        .map_err(|_| {
            format!(
                "/pid answered {} {:?}",
                answer.status,
                String::from_utf8_lossy(&answer.body)
            )
        })
}

/// The native service killed while a request is in flight: that request gets a clear error
/// (`status`) quickly, not a hang, and a fresh process serves the next request.
pub fn check_kill_mid_request(server: &impl Server, status: u16) -> Vec<String> {
    let before = match service_pid(server) {
        Ok(pid) => pid,
        Err(error) => return vec![format!("[kill] {error}")],
    };
    let agent = http_agent();
    let mut problems = Vec::new();
    let (answer, waited) = thread::scope(|scope| {
        let hanging = scope.spawn(|| {
            let started = std::time::Instant::now();
            (
                server.send(&agent, &Case::get("hang", "/hang")),
                started.elapsed(),
            )
        });
        // Long enough for the request to reach the service on a loaded machine.
        thread::sleep(std::time::Duration::from_millis(1500));
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &before.to_string()])
            .status();
        hanging.join().expect("the hanging request's thread")
    });
    match answer {
        Ok(answer) if answer.status == status && !answer.body.is_empty() => {}
        Ok(answer) => problems.push(format!(
            "[kill] the request in flight: expected {status} with a message, got {} {:?}",
            answer.status,
            String::from_utf8_lossy(&answer.body)
        )),
        Err(error) => problems.push(format!("[kill] the request in flight failed: {error}")),
    }
    if waited > std::time::Duration::from_secs(15) {
        problems.push(format!(
            "[kill] the request in flight took {waited:?} to fail"
        ));
    }
    problems.extend(check_served_after(server, &agent, "a kill"));
    match service_pid(server) {
        Ok(after) if after != before => {}
        Ok(_) => problems.push("[kill] the same process serves after the kill".into()),
        Err(error) => problems.push(format!("[kill] after: {error}")),
    }
    problems
}

/// The server in front of the class, for what it refuses itself before gzrs sees a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Front {
    /// `genezio local`: its body parser refuses a body over 6 MiB (413, its own page).
    GenezioLocal,
    /// The emulator, as API Gateway: a body over 6 MB is its own 413, more than 100 header
    /// lines hyper's bare 431.
    Emulator,
    /// The genezio-cloud model: nothing is refused before the class.
    Cloud,
    /// The fetch handler under a runtime's server: gzrs refuses every over-limit request itself
    /// (`server.mjs` and the handler refuse a body past gzrs's limit as it arrives).
    Web,
    /// The native server: hyper refuses more than 100 header lines with its bare 431; gzrs
    /// refuses the rest, a body past the limit as it arrives.
    NativeServer,
}

/// gzrs-core's limits (core/src/limits.rs), through a whole transport: each request over a limit
/// gets its status, with a message that names the limit where gzrs is the one refusing it, and
/// the next request is served normally.
pub fn check_limits(server: &impl Server, front: Front) -> Vec<String> {
    use gzrs_core::limits::{MAX_BODY_BYTES, MAX_HEADERS, MAX_HEADER_BYTES, MAX_URL_BYTES};
    let agent = http_agent();
    let mut problems = Vec::new();
    let mut many = Case::get("too many headers", "/headers");
    for i in 0..=MAX_HEADERS {
        many = many.header(&format!("x-h{i}"), "v");
    }
    let cases = [
        (
            Case::get("one header over 8 KiB", "/headers")
                .header("x-big", &"v".repeat(MAX_HEADER_BYTES)),
            431,
            true,
        ),
        (
            many,
            431,
            !matches!(front, Front::Emulator | Front::NativeServer),
        ),
        (
            Case::get(
                "URL over 8 KiB",
                format!("/query?q={}", "a".repeat(MAX_URL_BYTES)),
            ),
            400,
            true,
        ),
        (
            Case::new("body over 6 MiB", axum::http::Method::POST, "/size")
                .body("application/octet-stream", vec![7u8; MAX_BODY_BYTES + 1]),
            413,
            matches!(front, Front::Cloud | Front::Web | Front::NativeServer),
        ),
    ];
    for (case, status, from_gzrs) in cases {
        match server.send(&agent, &case) {
            Ok(answer) => {
                if answer.status != status {
                    problems.push(format!(
                        "[{}] expected {status}, got {}: {}",
                        case.name,
                        answer.status,
                        String::from_utf8_lossy(&answer.body[..answer.body.len().min(300)])
                    ));
                }
                let message = serde_json::from_slice::<Value>(&answer.body)
                    .ok()
                    .and_then(|body| body["error"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                if from_gzrs && !message.contains("gzrs's limit") {
                    problems.push(format!(
                        "[{}] expected gzrs's message naming the limit, got {:?}",
                        case.name,
                        String::from_utf8_lossy(&answer.body[..answer.body.len().min(300)])
                    ));
                }
            }
            Err(error) => problems.push(format!("[{}] {error}", case.name)),
        }
        problems.extend(check_served_after(server, &agent, &case.name));
    }
    problems
}

/// The next request after `what` gets the fixture's normal answer.
pub fn check_served_after(server: &impl Server, agent: &Agent, what: &str) -> Vec<String> {
    let root = Case::get(format!("request after {what}"), "/");
    match server.send(agent, &root) {
        Ok(got) => compare(
            &root.name,
            &standalone::answers(standalone::FIXTURE, std::slice::from_ref(&root))[0],
            &got,
        ),
        Err(error) => vec![error],
    }
}
