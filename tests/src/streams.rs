//! Bodies produced over time, checked as a client sees them: each event arrives when the service
//! produces it, a client that leaves drops the service's stream, and a body that fails or
//! panics ends its own response, not the server.

use std::io::Read;
use std::time::{Duration, Instant};

use ureq::Agent;

use crate::checks::{check_cases, check_served_after, Server};
use crate::{http_agent, Case};

/// How far apart `/stream/events` sends its events here.
const APART: Duration = Duration::from_millis(800);

/// The checks, against the fixture served at `base` (`http://127.0.0.1:PORT`).
pub fn check_streaming(server: &impl Server, base: &str) -> Vec<String> {
    let agent = http_agent();
    let mut problems = Vec::new();
    // The bytes are the standalone build's.
    problems.extend(check_cases(
        server,
        "tests/fixture-app",
        &[Case::get("three events", "/stream/events?n=3&ms=20")],
    ));
    problems.extend(check_timing(&agent, base));
    problems.extend(check_backpressure(&agent, base));
    problems.extend(check_client_leaves(&agent, base));
    for (route, what) in [
        ("/stream/fail", "a body that failed"),
        ("/stream/panic", "a body that panicked"),
    ] {
        problems.extend(check_cut_short(&agent, base, route));
        problems.extend(check_served_after(server, &agent, what));
    }
    problems
}

/// Reads from `reader` until `text` has arrived; what arrived, or why it did not.
fn read_until(reader: &mut impl Read, text: &str, got: &mut String) -> Result<(), String> {
    let mut buffer = [0u8; 4096];
    while !got.contains(text) {
        match reader.read(&mut buffer) {
            Ok(0) => return Err(format!("the body ended before {text:?}; it was {got:?}")),
            Ok(n) => got.push_str(&String::from_utf8_lossy(&buffer[..n])),
            Err(error) => return Err(format!("reading the body failed before {text:?}: {error}")),
        }
    }
    Ok(())
}

/// The first event arrives before the service produces the second, and the last when it is
/// produced: the body is not held back until it ends.
fn check_timing(agent: &Agent, base: &str) -> Vec<String> {
    let started = Instant::now();
    let mut response = match agent
        .get(format!("{base}/stream/events?n=3&ms={}", APART.as_millis()))
        .call()
    {
        Ok(response) => response,
        Err(error) => return vec![format!("[events] {error}")],
    };
    let mut reader = response.body_mut().as_reader();
    let mut got = String::new();
    let mut problems = Vec::new();
    match read_until(&mut reader, "event 0", &mut got) {
        Ok(()) if started.elapsed() >= APART => problems.push(format!(
            "[events] the first event arrived after {:?}, when the service had produced the second",
            started.elapsed()
        )),
        Ok(()) => {}
        Err(error) => return vec![format!("[events] {error}")],
    }
    if let Err(error) = read_until(&mut reader, "event 2", &mut got) {
        return vec![format!("[events] {error}")];
    }
    if started.elapsed() < APART * 2 {
        problems.push(format!(
            "[events] the last event arrived after {:?}, before the service produced it",
            started.elapsed()
        ));
    }
    problems
}

/// A body the service could produce faster than its client reads is produced at the client's
/// pace, as under `axum::serve`: while the client pauses, the service stops well short of the
/// end; then the whole body arrives.
fn check_backpressure(agent: &Agent, base: &str) -> Vec<String> {
    const MIB: usize = 1024 * 1024;
    const TOTAL: usize = 64 * MIB;
    let produced = || -> usize {
        agent
            .get(format!("{base}/stream/produced"))
            .call()
            .ok()
            .and_then(|mut r| r.body_mut().read_to_string().ok())
            .and_then(|text| text.parse().ok())
            .unwrap_or(usize::MAX)
    };
    let before = produced();
    let mut response = match agent
        .get(format!("{base}/stream/fast/{}", TOTAL / MIB))
        .call()
    {
        Ok(response) => response,
        Err(error) => return vec![format!("[backpressure] {error}")],
    };
    let mut reader = response.body_mut().with_config().limit(u64::MAX).reader();
    let mut first = vec![0u8; 64 * 1024];
    if let Err(error) = reader.read_exact(&mut first) {
        return vec![format!(
            "[backpressure] the first bytes did not arrive: {error}"
        )];
    }
    std::thread::sleep(Duration::from_millis(1500));
    let while_paused = produced().saturating_sub(before);
    let mut problems = Vec::new();
    if while_paused > TOTAL / 2 {
        problems.push(format!(
            "[backpressure] the service produced {} MiB of {} while its client read nothing",
            while_paused / MIB,
            TOTAL / MIB
        ));
    }
    let mut rest = Vec::new();
    match reader.read_to_end(&mut rest) {
        Ok(_) if first.len() + rest.len() == TOTAL && rest.iter().all(|&b| b == b'z') => {}
        Ok(_) => problems.push(format!(
            "[backpressure] {} bytes arrived, not {TOTAL}",
            first.len() + rest.len()
        )),
        Err(error) => problems.push(format!("[backpressure] reading the rest failed: {error}")),
    }
    problems
}

/// `/stream/live-count`'s answer.
fn live_count(agent: &Agent, base: &str) -> String {
    agent
        .get(format!("{base}/stream/live-count"))
        .call()
        .ok()
        .and_then(|mut r| r.body_mut().read_to_string().ok())
        .unwrap_or_default()
}

/// An endless stream lives while its client reads, and is dropped within a second of the client
/// going away.
fn check_client_leaves(agent: &Agent, base: &str) -> Vec<String> {
    let mut response = match agent.get(format!("{base}/stream/live")).call() {
        Ok(response) => response,
        Err(error) => return vec![format!("[live] {error}")],
    };
    let mut got = String::new();
    if let Err(error) = read_until(&mut response.body_mut().as_reader(), "tick 1", &mut got) {
        return vec![format!("[live] {error}")];
    }
    let mut problems = Vec::new();
    let while_reading = live_count(agent, base);
    if while_reading != "1" {
        problems.push(format!(
            "[live] {while_reading:?} streams live while one client reads, not 1"
        ));
    }
    drop(response);
    let left = Instant::now();
    while live_count(agent, base) != "0" {
        if left.elapsed() > Duration::from_secs(1) {
            problems.push(format!(
                "[live] the stream still lives {:?} after its client left ({:?} live)",
                left.elapsed(),
                live_count(agent, base)
            ));
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    problems
}

/// A body that fails after its first event: the event arrives, then the response ends without
/// a clean end, as under `axum::serve`.
fn check_cut_short(agent: &Agent, base: &str, route: &str) -> Vec<String> {
    let mut response = match agent.get(format!("{base}{route}")).call() {
        Ok(response) => response,
        Err(error) => return vec![format!("[{route}] {error}")],
    };
    let mut body = Vec::new();
    let ended = response.body_mut().as_reader().read_to_end(&mut body);
    let mut problems = Vec::new();
    if !String::from_utf8_lossy(&body).contains("data: first") {
        problems.push(format!(
            "[{route}] the first event did not arrive: {:?}",
            String::from_utf8_lossy(&body)
        ));
    }
    if ended.is_ok() {
        problems.push(format!(
            "[{route}] the body ended cleanly after its service failed: {:?}",
            String::from_utf8_lossy(&body)
        ));
    }
    problems
}

/// Requests that wait interleave on one instance: 16 that each sleep 500 ms finish together,
/// not one after another; and a panic among 8 of them in flight fails only its own request.
pub fn check_waiting_requests(base: &str) -> Vec<String> {
    const SLEEP: Duration = Duration::from_millis(500);
    let mut problems = Vec::new();
    let sleep = |agent: &Agent| -> Result<(u16, String), String> {
        let mut response = agent
            .get(format!("{base}/sleep/{}", SLEEP.as_millis()))
            .call()
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .read_to_string()
            .map_err(|e| e.to_string())?;
        Ok((status, body))
    };
    let started = Instant::now();
    let answers: Vec<_> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..16)
            .map(|_| scope.spawn(|| sleep(&http_agent())))
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a request thread"))
            .collect()
    });
    let took = started.elapsed();
    for answer in &answers {
        if !matches!(answer, Ok((200, body)) if body == "slept 500 ms") {
            problems.push(format!("[16 sleeping] answered {answer:?}"));
        }
    }
    if took > SLEEP * 4 {
        problems.push(format!(
            "[16 sleeping] 16 requests sleeping {SLEEP:?} each took {took:?} together: they did not interleave"
        ));
    }
    let answers: Vec<_> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| sleep(&http_agent())))
            .collect();
        std::thread::sleep(Duration::from_millis(150));
        let panicked = http_agent()
            .get(format!("{base}/panic"))
            .call()
            .map(|r| r.status().as_u16());
        if !matches!(panicked, Ok(500)) {
            problems.push(format!(
                "[panic among 8 in flight] the panic answered {panicked:?}"
            ));
        }
        workers
            .into_iter()
            .map(|w| w.join().expect("a request thread"))
            .collect()
    });
    for answer in &answers {
        if !matches!(answer, Ok((200, body)) if body == "slept 500 ms") {
            problems.push(format!(
                "[panic among 8 in flight] a sleeping request answered {answer:?}"
            ));
        }
    }
    problems
}

/// Work the service spawns (`tokio::spawn`) outlives its response and finishes, with no other
/// request to drive it (on Workers, through `ctx.waitUntil`).
pub fn check_background_work(base: &str) -> Vec<String> {
    let agent = http_agent();
    let get = |path: &str| -> String {
        agent
            .get(format!("{base}{path}"))
            .call()
            .ok()
            .and_then(|mut r| r.body_mut().read_to_string().ok())
            .unwrap_or_default()
    };
    let before: u64 = get("/spawned").parse().unwrap_or(u64::MAX);
    let spawned = get("/spawn/300");
    if spawned != "spawned" {
        return vec![format!("[background] /spawn answered {spawned:?}")];
    }
    std::thread::sleep(Duration::from_millis(1000));
    let after: u64 = get("/spawned").parse().unwrap_or(0);
    if after != before.wrapping_add(1) {
        return vec![format!(
            "[background] spawned work did not finish after its response: {before} done before, {after} a second after"
        )];
    }
    Vec::new()
}

/// A request body reaches the service as the client sends it: two chunks sent 600 ms apart are
/// two frames the service sees 600 ms apart (a host that read the body whole first would hand it
/// over as one, at once). Within the limit, a streamed body of 3 MiB arrives whole; past it, it
/// is refused with 413 as it arrives, and the next request is served.
pub fn check_request_streaming(server: &impl Server, base: &str) -> Vec<String> {
    const PAUSE: Duration = Duration::from_millis(600);
    let mut problems = Vec::new();
    let address = base.trim_start_matches("http://").trim_end_matches('/');
    let chunked =
        |path: &str, send: &mut dyn FnMut(&mut std::net::TcpStream) -> std::io::Result<()>| {
            raw_chunked_post(address, path, send)
        };
    match chunked("/upload/frames", &mut |stream| {
        write_chunk(stream, b"first")?;
        std::thread::sleep(PAUSE);
        write_chunk(stream, b"second")
    }) {
        Ok((200, body)) => {
            let frames: Vec<(usize, u64)> = body
                .lines()
                .filter_map(|line| {
                    let (bytes, at) = line.strip_suffix(" ms")?.split_once(" bytes at ")?;
                    Some((bytes.parse().ok()?, at.parse().ok()?))
                })
                .collect();
            let total: usize = frames.iter().map(|(bytes, _)| bytes).sum();
            let last = frames.last().map_or(0, |(_, at)| *at);
            if total != 11 || frames.len() < 2 || last < (PAUSE.as_millis() as u64) * 2 / 3 {
                problems.push(format!(
                    "[request frames] two chunks sent {PAUSE:?} apart reached the service as {body:?}, not as they were sent"
                ));
            }
        }
        other => problems.push(format!("[request frames] answered {other:?}")),
    }
    let chunk = vec![b'x'; 64 * 1024];
    let send_bytes = |total: usize| {
        let chunk = &chunk;
        move |stream: &mut std::net::TcpStream| -> std::io::Result<()> {
            let mut left = total;
            while left > 0 {
                let n = left.min(chunk.len());
                write_chunk(stream, &chunk[..n])?;
                left -= n;
            }
            Ok(())
        }
    };
    let within = 3 * 1024 * 1024;
    match chunked("/size/unlimited", &mut send_bytes(within)) {
        Ok((200, body)) if body == within.to_string() => {}
        other => problems.push(format!(
            "[streamed 3 MiB] answered {:?}",
            other.map(|(status, body)| (status, body.chars().take(200).collect::<String>()))
        )),
    }
    let over = gzrs_core::limits::MAX_BODY_BYTES + 1;
    match chunked("/size/unlimited", &mut send_bytes(over)) {
        Ok((413, _)) => {}
        // The server may answer and close while the last bytes are on their way.
        Err(error) if error.contains("413") => {}
        other => problems.push(format!(
            "[streamed past the limit] answered {:?}, not 413",
            other.map(|(status, body)| (status, body.chars().take(200).collect::<String>()))
        )),
    }
    problems.extend(check_served_after(
        server,
        &http_agent(),
        "a streamed body past the limit",
    ));
    problems
}

fn write_chunk(stream: &mut std::net::TcpStream, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    write!(stream, "{:x}\r\n", bytes.len())?;
    stream.write_all(bytes)?;
    stream.write_all(b"\r\n")?;
    stream.flush()
}

/// A `POST` with a chunked body that `send` writes (chunk by chunk), over a connection of its
/// own: the status and the body of the answer.
fn raw_chunked_post(
    address: &str,
    path: &str,
    send: &mut dyn FnMut(&mut std::net::TcpStream) -> std::io::Result<()>,
) -> Result<(u16, String), String> {
    use std::io::Write as _;
    let mut stream = std::net::TcpStream::connect(address).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/octet-stream\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    );
    let sent = stream
        .write_all(head.as_bytes())
        .and_then(|()| send(&mut stream))
        .and_then(|()| stream.write_all(b"0\r\n\r\n"));
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return Err(format!(
            "no answer (sending: {sent:?}, reading: {read:?}): {text:?}"
        ));
    };
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status in {head:?}"))?;
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Ok((status, body))
}

/// A chunked body's data.
fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}
