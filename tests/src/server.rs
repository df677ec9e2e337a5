//! The server platform's own behaviour, checked as its clients see it: every core with one
//! `app()`, HTTP/2 with prior knowledge, WebSockets, the header and idle timeouts, and a graceful
//! stop on SIGTERM.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ureq::Agent;

use crate::checks::Server;
use crate::corpus::{Answer, Case};
use crate::http_agent;

/// 8 requests that each keep a CPU busy for `WORK` finish sooner than one thread could serve them,
/// and a counter kept by the one `app()` answers 8 distinct numbers to 8 requests at once.
pub fn check_every_core(base: &str) -> Vec<String> {
    const WORK: Duration = Duration::from_millis(400);
    let get = |path: String| -> Result<String, String> {
        http_agent()
            .get(format!("{base}{path}"))
            .call()
            .map_err(|e| e.to_string())?
            .body_mut()
            .read_to_string()
            .map_err(|e| e.to_string())
    };
    let at_once = |path: &str| -> (Vec<Result<String, String>>, Duration) {
        let started = Instant::now();
        let answers = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..8)
                .map(|_| scope.spawn(|| get(path.to_string())))
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("a request thread"))
                .collect()
        });
        (answers, started.elapsed())
    };
    let mut problems = Vec::new();
    let (answers, took) = at_once(&format!("/cpu/{}", WORK.as_millis()));
    if let Some(wrong) = answers
        .iter()
        .find(|a| !matches!(a, Ok(text) if text.starts_with("busy")))
    {
        problems.push(format!("[every core] a busy request answered {wrong:?}"));
    }
    // One thread takes 8 × WORK; two cores about half that.
    if took > WORK * 8 * 4 / 5 {
        problems.push(format!(
            "[every core] 8 requests busy {WORK:?} each took {took:?} together: no faster than one thread"
        ));
    }
    let (answers, _) = at_once("/count");
    let mut counts: Vec<u64> = answers
        .iter()
        .filter_map(|a| a.as_ref().ok()?.parse().ok())
        .collect();
    counts.sort_unstable();
    counts.dedup();
    if counts.len() != 8 {
        problems.push(format!(
            "[one app()] 8 requests to a counter at once answered {answers:?}: not 8 distinct counts of one state"
        ));
    }
    problems
}

/// The server reached over HTTP/2 with prior knowledge (h2c), as a load balancer may.
#[derive(Debug)]
pub struct Http2<'a> {
    pub address: &'a str,
}

impl Server for Http2<'_> {
    fn send(&self, _: &Agent, case: &Case) -> Result<Answer, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        runtime.block_on(self.send_h2(case))
    }
}

impl Http2<'_> {
    async fn send_h2(&self, case: &Case) -> Result<Answer, String> {
        use http_body_util::BodyExt as _;
        let fail = |e: &dyn std::fmt::Display| format!("[{} over HTTP/2] {e}", case.name);
        let stream = tokio::net::TcpStream::connect(self.address)
            .await
            .map_err(|e| fail(&e))?;
        let (mut sender, connection) = hyper::client::conn::http2::handshake(
            hyper_util::rt::TokioExecutor::new(),
            hyper_util::rt::TokioIo::new(stream),
        )
        .await
        .map_err(|e| fail(&e))?;
        tokio::spawn(connection);
        let request = case
            .request(&format!("http://{}{}", self.address, case.target))
            .map(|body| http_body_util::Full::new(bytes::Bytes::from(body)));
        let response = sender.send_request(request).await.map_err(|e| fail(&e))?;
        if response.version() != http::Version::HTTP_2 {
            return Err(fail(&format!("answered over {:?}", response.version())));
        }
        let (parts, body) = response.into_parts();
        let body = body.collect().await.map_err(|e| fail(&e))?.to_bytes();
        Ok(Answer {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body: body.to_vec(),
        })
    }
}

/// axum's `WebSocketUpgrade` at `/ws`: a text and a binary message come back as sent, and the
/// socket closes cleanly.
pub fn check_websocket(address: &str) -> Vec<String> {
    use tungstenite::Message;
    let (mut socket, response) = match tungstenite::connect(format!("ws://{address}/ws")) {
        Ok(connected) => connected,
        Err(error) => return vec![format!("[websocket] the upgrade failed: {error}")],
    };
    let mut problems = Vec::new();
    if response.status() != 101 {
        problems.push(format!(
            "[websocket] the upgrade answered {}",
            response.status()
        ));
    }
    for message in [
        Message::text("hello over a websocket"),
        Message::binary(vec![0u8, 1, 2, 254, 255]),
    ] {
        let echoed = socket.send(message.clone()).and_then(|()| socket.read());
        match echoed {
            Ok(echo) if echo == message => {}
            other => problems.push(format!("[websocket] sent {message:?}, got back {other:?}")),
        }
    }
    if let Err(error) = socket.close(None) {
        problems.push(format!("[websocket] closing failed: {error}"));
    }
    // The server's close frame, then the end.
    loop {
        match socket.read() {
            Ok(Message::Close(_)) => {}
            Ok(other) => problems.push(format!("[websocket] after close, got {other:?}")),
            Err(tungstenite::Error::ConnectionClosed) => break,
            Err(error) => {
                problems.push(format!("[websocket] the close was not clean: {error}"));
                break;
            }
        }
    }
    problems
}

/// The server's executable started directly, with `vars`, on a free port.
#[derive(Debug)]
pub struct Executable {
    child: Child,
    pub address: String,
    log: std::path::PathBuf,
}

impl Executable {
    pub fn start(binary: &Path, vars: &[(&str, &str)]) -> Self {
        let port = crate::local::free_port();
        let log = binary.with_file_name(format!("server-{port}.log"));
        let mut command = Command::new(binary);
        command
            .env("PORT", port.to_string())
            .env("HOST", "127.0.0.1")
            .envs(vars.iter().copied())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("a log file"));
        let child = command.spawn().expect("start the server's executable");
        let address = format!("127.0.0.1:{port}");
        let started = Instant::now();
        while TcpStream::connect(&address).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the server did not listen within 10 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Executable {
            child,
            address,
            log,
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Executable {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client that sends its request's head one byte every 300 ms is cut off at the header timeout
/// (`server` runs with 1 s), and a connection left idle after its answer at the idle timeout (1 s).
pub fn check_timeouts(server: &Executable) -> Vec<String> {
    let mut problems = Vec::new();
    let head = b"GET / HTTP/1.1\r\nhost: x\r\nx-slow: one byte at a time\r\n\r\n";
    let mut slow = TcpStream::connect(&server.address).expect("connect");
    slow.set_read_timeout(Some(Duration::from_millis(300)))
        .expect("a read timeout");
    let started = Instant::now();
    let mut cut_off = None;
    for byte in head {
        if slow.write_all(&[*byte]).is_err() {
            cut_off = Some(started.elapsed());
            break;
        }
        let mut buffer = [0u8; 64];
        match slow.read(&mut buffer) {
            Ok(0) => {
                cut_off = Some(started.elapsed());
                break;
            }
            Ok(_) => {
                problems
                    .push("[header timeout] a head sent one byte every 300 ms was answered".into());
                break;
            }
            // Nothing yet: the next byte.
            Err(_) => {}
        }
    }
    match cut_off {
        Some(after) if after >= Duration::from_millis(800) && after < Duration::from_secs(4) => {}
        other => problems.push(format!(
            "[header timeout] a head sent one byte every 300 ms was cut off after {other:?}, not at the 1 s header timeout"
        )),
    }
    let mut idle = TcpStream::connect(&server.address).expect("connect");
    idle.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
        .expect("a request");
    idle.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a read timeout");
    let mut answer = [0u8; 4096];
    let _ = idle.read(&mut answer);
    let answered = Instant::now();
    match idle.read(&mut answer) {
        Ok(0)
            if answered.elapsed() >= Duration::from_millis(800)
                && answered.elapsed() < Duration::from_secs(3) => {}
        other => problems.push(format!(
            "[idle timeout] a connection idle after its answer got {other:?} after {:?}, not its end at the 1 s idle timeout",
            answered.elapsed()
        )),
    }
    problems
}

/// SIGTERM with 4 requests in flight: all 4 are answered, a new connection is refused, and the
/// process exits 0 within the shutdown timeout (`server` runs with 5 s).
pub fn check_graceful_stop(mut server: Executable) -> Vec<String> {
    let mut problems = Vec::new();
    let base = format!("http://{}", server.address);
    let answers = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let url = format!("{base}/sleep/1500");
                scope.spawn(move || {
                    let mut response = http_agent().get(url).call().map_err(|e| e.to_string())?;
                    let status = response.status().as_u16();
                    let body = response
                        .body_mut()
                        .read_to_string()
                        .map_err(|e| e.to_string())?;
                    Ok::<_, String>((status, body))
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(500));
        let stopped = Instant::now();
        let _ = Command::new("kill")
            .args(["-TERM", &server.child.id().to_string()])
            .status();
        std::thread::sleep(Duration::from_millis(200));
        if TcpStream::connect(&server.address).is_ok() {
            problems.push("[graceful stop] a new connection was accepted after SIGTERM".into());
        }
        let answers: Vec<_> = workers
            .into_iter()
            .map(|w| w.join().expect("a request thread"))
            .collect();
        loop {
            match server.child.try_wait() {
                Ok(Some(status)) if status.success() => break,
                Ok(Some(status)) => {
                    problems.push(format!("[graceful stop] the server exited with {status}"));
                    break;
                }
                _ if stopped.elapsed() > Duration::from_secs(7) => {
                    problems.push(
                        "[graceful stop] the server was still running 7 s after SIGTERM".into(),
                    );
                    break;
                }
                _ => std::thread::sleep(Duration::from_millis(50)),
            }
        }
        answers
    });
    for answer in &answers {
        if !matches!(answer, Ok((200, body)) if body == "slept 1500 ms") {
            problems.push(format!(
                "[graceful stop] a request in flight answered {answer:?}"
            ));
        }
    }
    if !problems.is_empty() {
        problems.push(format!("--- the server's log ---\n{}", server.log()));
    }
    problems
}
