//! The request body a service is called with: bytes already here (a host that has the body whole,
//! as Genezio's always do), or a stream the host feeds as the client sends it (the web runtimes
//! and the native server, for a body that is large or of unknown length).
//!
//! Its error is a [`BoxError`], so a stream cut short by the body limit carries
//! `http_body_util::LengthLimitError`, which axum's extractors answer with 413, as they do
//! under `axum::serve` with `DefaultBodyLimit`.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use http_body_util::Limited;

/// Any error a streamed body may end with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

type Stream = Pin<Box<dyn HttpBody<Data = Bytes, Error = BoxError> + Send>>;

/// The request body type every gzrs service receives.
pub struct Body(Inner);

enum Inner {
    /// The whole body, handed over in one frame (`None` once it has been).
    Whole(Option<Bytes>),
    /// Frames as the client sends them.
    Streaming(Stream),
}

impl Body {
    /// A body whose bytes are all here.
    pub fn new(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        Body(Inner::Whole((!bytes.is_empty()).then_some(bytes)))
    }

    /// No body.
    pub fn empty() -> Self {
        Body(Inner::Whole(None))
    }

    /// A body that arrives as `stream` yields it, ending with an error that carries
    /// `http_body_util::LengthLimitError` once more than `limit` bytes have come.
    pub fn streaming<B>(stream: B, limit: usize) -> Self
    where
        B: HttpBody<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        Body(Inner::Streaming(Box::pin(Limited::new(stream, limit))))
    }

    /// Whether the body streams (rather than being all here).
    pub fn is_streaming(&self) -> bool {
        matches!(self.0, Inner::Streaming(_))
    }
}

impl Default for Body {
    fn default() -> Self {
        Body::empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Inner::Whole(bytes) => f
                .debug_tuple("Body::Whole")
                .field(&bytes.as_ref().map_or(0, Bytes::len))
                .finish(),
            Inner::Streaming(_) => f.write_str("Body::Streaming"),
        }
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Body::new(bytes)
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Body::new(bytes)
    }
}

impl From<String> for Body {
    fn from(text: String) -> Self {
        Body::new(text)
    }
}

impl From<&'static str> for Body {
    fn from(text: &'static str) -> Self {
        Body::new(text)
    }
}

impl HttpBody for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.get_mut().0 {
            Inner::Whole(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Inner::Streaming(stream) => stream.as_mut().poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.0 {
            Inner::Whole(bytes) => bytes.is_none(),
            Inner::Streaming(stream) => stream.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.0 {
            Inner::Whole(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            Inner::Streaming(stream) => stream.size_hint(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{BodyExt, StreamBody};

    fn stream_of(chunks: &[&'static [u8]]) -> impl HttpBody<Data = Bytes, Error = BoxError> {
        let frames = chunks
            .iter()
            .map(|c| Ok::<_, BoxError>(Frame::data(Bytes::from_static(c))))
            .collect::<Vec<_>>();
        StreamBody::new(futures_util::stream::iter(frames))
    }

    #[tokio::test]
    async fn a_whole_body_is_one_frame_of_its_exact_size() {
        let body = Body::new("hello");
        assert_eq!(body.size_hint().exact(), Some(5));
        assert!(!body.is_streaming());
        assert_eq!(&body.collect().await.unwrap().to_bytes()[..], b"hello");
        assert!(Body::empty().is_end_stream());
        assert!(Body::new(Bytes::new()).is_end_stream());
    }

    #[tokio::test]
    async fn a_streamed_body_yields_its_frames_as_they_come() {
        let mut body = Body::streaming(stream_of(&[b"ab", b"cd"]), 10);
        assert!(body.is_streaming());
        let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(&first[..], b"ab");
        let second = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(&second[..], b"cd");
        assert!(body.frame().await.is_none());
    }

    #[tokio::test]
    async fn a_streamed_body_past_its_limit_ends_with_the_limit_error_axum_answers_413_for() {
        let body = Body::streaming(stream_of(&[b"abc", b"def"]), 4);
        let error = body.collect().await.unwrap_err();
        assert!(error.is::<http_body_util::LengthLimitError>(), "{error}");

        let app = axum::Router::new().route(
            "/",
            axum::routing::post(|body: bytes::Bytes| async move { body.len().to_string() }),
        );
        let request = |limit| {
            http::Request::post("/")
                .body(Body::streaming(stream_of(&[b"abc", b"def"]), limit))
                .unwrap()
        };
        use tower::ServiceExt as _;
        let over = app.clone().oneshot(request(4)).await.unwrap();
        assert_eq!(over.status(), 413);
        let within = app.oneshot(request(6)).await.unwrap();
        assert_eq!(within.status(), 200);
        assert_eq!(&within.collect().await.unwrap().to_bytes()[..], b"6");
    }
}
