//! A plain HTTP server on loopback for the services' outbound requests to reach: known answers,
//! including a binary body and an unusual status.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};

/// The 256 byte values, what `/binary` answers.
pub fn all_bytes() -> Vec<u8> {
    (0..=255).collect()
}

/// Starts the server; returns its base URL (`http://127.0.0.1:PORT`). Routes: `/text` (200,
/// text), `/binary` (200, every byte value), `/teapot` (418), anything else 404.
pub fn start() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    url
}

/// Reads one HTTP/1.1 request off `reader`: its path and body, or `None` at the end of the
/// connection. Enough for the small requests tests send.
pub fn read_request(reader: &mut impl BufRead) -> Option<(String, Vec<u8>)> {
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).ok()? == 0 {
        return None;
    }
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_owned();
    Some((path, body))
}

fn serve(stream: TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
    let mut writer = stream;
    while let Some((path, _)) = read_request(&mut reader) {
        let (status, content_type, body): (&str, &str, Vec<u8>) = match path.as_str() {
            "/text" => (
                "200 OK",
                "text/plain; charset=utf-8",
                b"upstream says hi".to_vec(),
            ),
            "/binary" => ("200 OK", "application/octet-stream", all_bytes()),
            "/teapot" => (
                "418 I'm a teapot",
                "text/plain",
                b"short and stout".to_vec(),
            ),
            _ => (
                "404 Not Found",
                "text/plain",
                b"no such upstream route".to_vec(),
            ),
        };
        let head = format!(
            "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        if writer
            .write_all(head.as_bytes())
            .and_then(|_| writer.write_all(&body))
            .is_err()
        {
            return;
        }
    }
}
