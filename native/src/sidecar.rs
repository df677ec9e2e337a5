//! The sidecar: the service over a unix socket, for hosts with no Runtime API to take over.
//!
//! The class listens on a socket in a private directory and starts this executable with its
//! path; one connection carries every request, so many can be in flight at once. Each frame is a
//! 12-byte header of three little-endian `u32`s, then two payloads:
//!
//! ```text
//! request  (class -> service): id, meta length, body length | meta JSON | raw body
//! response (service -> class): id, head length, body length | head JSON | binary body
//! ```
//!
//! The meta JSON is the request object without its body (as the wasm mode passes it); the head
//! JSON is `{statusCode, headers, body?}` with `body` present when it is text. A body length of
//! `u32::MAX` means no body. When the class goes away (the connection closes), the service exits.

use std::fmt::Display;
use std::io;

use bytes::Bytes;
use gzrs_core::{Body, RequestObject};
use http::{Request, Response};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::sync::mpsc;
use tower_service::Service;

use crate::answer;

/// `u32::MAX` as a length: no body at all (distinct from an empty one).
pub const NO_BODY: u32 = u32::MAX;
/// Request objects are small; a larger meta length means the stream is out of step.
pub const META_LIMIT: u32 = 16 << 20;
/// Above the largest body a host sends (gzrs-core's 6 MiB limit is 8 MiB of base64 text), so a
/// real body is never refused here; a larger length means the stream is out of step.
pub const BODY_LIMIT: u32 = 16 << 20;

/// Connects to the class's socket at `socket` and serves until it closes.
pub fn run<S, B>(service: S, socket: &str) -> io::Result<()>
where
    S: Service<Request<Body>, Response = Response<B>> + Clone + 'static,
    S::Error: Display,
    B: http_body::Body,
    B::Error: Display,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // Local tasks: the service's futures need not be `Send`, as in the wasm mode.
    let tasks = tokio::task::LocalSet::new();
    tasks.block_on(&runtime, async move {
        let stream = UnixStream::connect(socket).await.map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot connect to the class at {socket}: {e}"),
            )
        })?;
        serve(service, stream).await
    })
}

/// Serves the requests that arrive on `stream` until it closes.
pub async fn serve<S, B>(service: S, stream: UnixStream) -> io::Result<()>
where
    S: Service<Request<Body>, Response = Response<B>> + Clone + 'static,
    S::Error: Display,
    B: http_body::Body,
    B::Error: Display,
{
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    let (replies, mut outbox) = mpsc::unbounded_channel::<Vec<u8>>();
    let writing = tokio::task::spawn_local(async move {
        while let Some(frame) = outbox.recv().await {
            writer.write_all(&frame).await?;
        }
        Ok::<_, io::Error>(())
    });
    loop {
        let Some((id, meta, body)) = read_frame(&mut reader).await? else {
            break;
        };
        let (service, replies) = (service.clone(), replies.clone());
        tokio::task::spawn_local(async move {
            let response = match RequestObject::from_json(&meta) {
                Ok(object) => answer(service, object, body).await,
                Err(error) => error.into(),
            };
            let (head, binary) = response.into_head_json();
            // Fails only when the writer stopped, and then the class is gone.
            let _ = replies.send(encode_frame(id, head.as_bytes(), binary.as_deref()));
        });
    }
    drop(replies);
    writing.abort();
    Ok(())
}

/// One request frame, or `None` when the class closed the connection between frames.
async fn read_frame<R: AsyncReadExt + Unpin>(
    reader: &mut R,
) -> io::Result<Option<(u32, Vec<u8>, Option<Bytes>)>> {
    let mut header = [0u8; 12];
    match reader.read_exact(&mut header).await {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let field =
        |i: usize| u32::from_le_bytes(header[i * 4..i * 4 + 4].try_into().expect("4 bytes"));
    let (id, meta_len, body_len) = (field(0), field(1), field(2));
    if meta_len > META_LIMIT || (body_len != NO_BODY && body_len > BODY_LIMIT) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("bad frame header (meta {meta_len} bytes, body {body_len} bytes)"),
        ));
    }
    let mut meta = vec![0; meta_len as usize];
    reader.read_exact(&mut meta).await?;
    let body = if body_len == NO_BODY {
        None
    } else {
        let mut body = vec![0; body_len as usize];
        reader.read_exact(&mut body).await?;
        Some(Bytes::from(body))
    };
    Ok(Some((id, meta, body)))
}

/// A frame: the header, then `first`, then `second` (absent: [`NO_BODY`]).
pub fn encode_frame(id: u32, first: &[u8], second: Option<&[u8]>) -> Vec<u8> {
    let second_len = second.map_or(NO_BODY, |s| s.len() as u32);
    let mut frame = Vec::with_capacity(12 + first.len() + second.map_or(0, <[u8]>::len));
    frame.extend_from_slice(&id.to_le_bytes());
    frame.extend_from_slice(&(first.len() as u32).to_le_bytes());
    frame.extend_from_slice(&second_len.to_le_bytes());
    frame.extend_from_slice(first);
    frame.extend_from_slice(second.unwrap_or_default());
    frame
}
