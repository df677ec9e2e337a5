use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, Request, Uri};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::{limits, Body, ContractError};

/// The request object a Genezio HTTP method receives, in every shape Genezio produces it:
/// genezio-aws and `genezio local` (query values may be arrays), and genezio-cloud (lower-case
/// headers, single query values).
///
/// `isBase64Encoded` is not set by Genezio itself: Genezio signals a binary body by handing the
/// method a `Buffer` with `rawBody` holding base64 text. The gzrs host sets this flag when it sees
/// that `Buffer`, so the body bytes are exact either way.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestObject {
    pub http: Option<HttpInfo>,
    #[serde(default)]
    pub headers: Option<Pairs>,
    #[serde(default)]
    pub query_string_parameters: Option<Pairs>,
    #[serde(default)]
    pub raw_body: Option<String>,
    #[serde(default)]
    pub is_base64_encoded: Option<bool>,
    /// Set by gzrs itself, never by Genezio (whose request objects the hosts rebuild field by
    /// field): this request is a call of the typed method so named, its body the JSON
    /// arguments. It reaches the service as the request's [`MethodCall`] extension.
    #[serde(default)]
    pub gzrs_call: Option<String>,
    /// Set by a host that has the request's own target, as a fetch handler does: the path and
    /// query string exactly as received (`/users/7?x=1`). The service then sees it as it is,
    /// after [`Self::base_path`]; `http.path` and `queryStringParameters` are not read, nor is
    /// any `/<Class>/<method>` prefix stripped.
    #[serde(default)]
    pub url: Option<String>,
    /// With [`Self::url`]: the path the deployment serves under (`/api`). A request outside it
    /// answers 404; inside it the service sees the rest (`/api/users` → `/users`).
    #[serde(default)]
    pub base_path: Option<String>,
}

/// A request's body as its host has it.
#[derive(Debug)]
pub enum RequestBody {
    /// The body whole, as `rawBody` would carry it (base64 text when `isBase64Encoded`), handed
    /// over apart: hosts pass large bodies this way, outside the JSON. `None`: the object's own
    /// `rawBody`, if any.
    Raw(Option<Bytes>),
    /// A body that arrives as the client sends it, its bytes as they are (never base64), already
    /// limited ([`Body::streaming`]). Its `content-length` or `transfer-encoding` is kept as
    /// received.
    Streaming(Body),
}

impl From<Option<Bytes>> for RequestBody {
    fn from(raw: Option<Bytes>) -> Self {
        RequestBody::Raw(raw)
    }
}

/// The extension marking a request as a call of a class's typed method (JSON-RPC, or a cron
/// job) rather than an HTTP request: the method's name. Only gzrs sets it, so an HTTP client
/// cannot forge one; `gzrs-class` routes such requests to the class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodCall(pub String);

/// The `http` section: `path` is the whole path, `/<Class>/<method>` included.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpInfo {
    pub method: Option<String>,
    pub path: Option<String>,
}

/// Characters a path from an event may carry decoded that a URI cannot hold as they are. `%` is
/// left alone: a path that arrives percent-encoded stays as it was sent.
const PATH_UNSAFE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'#')
    .add(b'?')
    .add(b'{')
    .add(b'}');

/// The part of a Genezio path the user's router sees: `/<Class>/<method>/rest` becomes `/rest`;
/// `/<Class>/<method>` and `/<Class>/<method>/` both become `/`.
pub fn strip_class_method(path: &str) -> &str {
    let rest = path.strip_prefix('/').unwrap_or(path);
    let mut parts = rest.splitn(3, '/');
    let (_class, _method) = (parts.next(), parts.next());
    match parts.next() {
        Some(tail) if !tail.is_empty() => {
            // `tail` borrows from `path`, one byte past the separator we want to keep.
            let start = path.len() - tail.len() - 1;
            &path[start..]
        }
        _ => "/",
    }
}

impl RequestObject {
    /// Parses a request object from its JSON text (a `&str`, or UTF-8 bytes).
    pub fn from_json(json: impl AsRef<[u8]>) -> Result<Self, ContractError> {
        serde_json::from_slice(json.as_ref())
            .map_err(|e| limits::malformed_json("request object", &e))
    }

    /// Builds the `http::Request` the user's service receives.
    pub fn into_http(self) -> Result<Request<Body>, ContractError> {
        self.into_http_with(RequestBody::Raw(None))
    }

    /// [`Self::into_http`] with `rawBody` handed over apart, as the UTF-8 bytes of its text
    /// (base64 text when `isBase64Encoded`): hosts pass large bodies this way, outside the JSON.
    pub fn into_http_with_raw_body(
        self,
        raw: Option<Bytes>,
    ) -> Result<Request<Body>, ContractError> {
        self.into_http_with(RequestBody::Raw(raw))
    }

    /// [`Self::into_http`] with the body as its host has it (see [`RequestBody`]).
    pub fn into_http_with(self, body: RequestBody) -> Result<Request<Body>, ContractError> {
        let http = self
            .http
            .ok_or_else(|| ContractError::bad_request("request object has no `http` section"))?;
        let method = http
            .method
            .as_deref()
            .ok_or_else(|| ContractError::bad_request("request object has no `http.method`"))?;
        let method = Method::from_bytes(method.as_bytes())
            .map_err(|_| ContractError::bad_request(format!("invalid HTTP method {method:?}")))?;
        let path = match (&http.path, &self.url) {
            (Some(path), _) => path.as_str(),
            (None, Some(url)) => url.as_str(),
            (None, None) => {
                return Err(ContractError::bad_request(
                    "request object has no `http.path`",
                ))
            }
        };

        let target = match &self.url {
            Some(url) => {
                limits::check_url(url)?;
                under_base_path(url, self.base_path.as_deref())?
            }
            None => {
                let mut target: String =
                    utf8_percent_encode(strip_class_method(path), PATH_UNSAFE).collect();
                if let Some(query) = self.query_string_parameters.as_ref().and_then(query_string) {
                    target.push('?');
                    target.push_str(&query);
                }
                limits::check_url(&target)?;
                target
            }
        };
        let uri: Uri = target.parse().map_err(|e| {
            ContractError::bad_request(format!("invalid request path {path:?}: {e}"))
        })?;

        if let Some(headers) = &self.headers {
            limits::check_headers(
                headers
                    .0
                    .iter()
                    .flat_map(|(n, vs)| vs.iter().map(move |v| (n.as_str(), v.len()))),
            )?;
        }
        let (body, whole_len) = match body {
            RequestBody::Raw(raw) => {
                let raw = raw.or_else(|| self.raw_body.map(Bytes::from));
                let body = decode_body(raw, self.is_base64_encoded.unwrap_or(false))?;
                let len = body.len();
                (Body::new(body), Some(len))
            }
            RequestBody::Streaming(body) => (body, None),
        };
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .body(body)
            .map_err(|e| ContractError::bad_request(e.to_string()))?;
        if let Some(name) = self.gzrs_call {
            request.extensions_mut().insert(MethodCall(name));
        }
        if self.url.is_some() {
            // A host with the request's own target serves HTTP itself: a class's JSON-RPC
            // answers beside the routes, at /<Class>.
            request.extensions_mut().insert(crate::rpc::RpcEndpoint);
        }

        let headers = request.headers_mut();
        for (name, values) in self.headers.into_iter().flat_map(|p| p.0) {
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| ContractError::bad_request(format!("invalid header name {name:?}")))?;
            for text in values {
                // From the owned String: the value's bytes are taken over, not copied.
                let value = HeaderValue::try_from(text).map_err(|_| {
                    ContractError::bad_request(format!("invalid value for header {name:?}"))
                })?;
                headers.append(header.clone(), value);
            }
        }
        // A streamed body keeps the framing it was sent with.
        if let Some(len) = whole_len {
            frame_body(headers, len);
        }
        Ok(request)
    }
}

/// A request as an HTTP server received it (hyper's), with the meaning the other hosts give
/// theirs: the limits on its target and headers, the base path it is served under, a class's
/// JSON-RPC beside the routes, and a whole body's framing made true. Its version and extensions
/// (an upgrade's handle) are kept, and an HTTP/2 request's authority becomes its `host`, as a
/// service reading `Host` expects. Unlike [`RequestObject::into_http_with`], nothing is
/// converted to text and back: the server's hot path.
pub fn received(
    parts: http::request::Parts,
    body: RequestBody,
    base_path: Option<&str>,
) -> Result<Request<Body>, ContractError> {
    let http::request::Parts {
        method,
        uri,
        version,
        mut headers,
        extensions,
        ..
    } = parts;
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    limits::check_url(target)?;
    let under_base = base_path.is_some_and(|base| !base.trim_end_matches('/').is_empty());
    let served = if under_base {
        let target = under_base_path(target, base_path)?;
        target.parse().map_err(|e| {
            ContractError::bad_request(format!("invalid request path {target:?}: {e}"))
        })?
    } else {
        uri.clone()
    };
    limits::check_headers(headers.iter().map(|(n, v)| (n.as_str(), v.len())))?;
    if !headers.contains_key(http::header::HOST) {
        if let Some(host) = uri
            .authority()
            .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
        {
            headers.insert(http::header::HOST, host);
        }
    }
    let body = match body {
        RequestBody::Raw(raw) => {
            let body = raw.unwrap_or_default();
            frame_body(&mut headers, body.len());
            Body::new(body)
        }
        RequestBody::Streaming(body) => body,
    };
    let mut request = Request::new(body);
    *request.method_mut() = method;
    *request.uri_mut() = served;
    *request.version_mut() = version;
    *request.headers_mut() = headers;
    *request.extensions_mut() = extensions;
    request.extensions_mut().insert(crate::rpc::RpcEndpoint);
    Ok(request)
}

/// The target the service sees for `url` served under `base` (no base: `url` itself). A path
/// outside the base is a 404 that names it.
fn under_base_path(url: &str, base: Option<&str>) -> Result<String, ContractError> {
    let base = base.map(|b| b.trim_end_matches('/')).unwrap_or("");
    if base.is_empty() {
        return Ok(url.to_owned());
    }
    let (path, query) = match url.find('?') {
        Some(at) => url.split_at(at),
        None => (url, ""),
    };
    match path.strip_prefix(base) {
        Some("") => Ok(format!("/{query}")),
        Some(rest) if rest.starts_with('/') => Ok(format!("{rest}{query}")),
        _ => Err(ContractError {
            status: http::StatusCode::NOT_FOUND,
            message: format!("no route for {path}: this service is served under {base}"),
        }),
    }
}

/// Makes the framing headers true of the body the service gets. The front delivered the body
/// whole and may have re-encoded it on the way (`genezio local` reads a `text/*` body as UTF-8,
/// so an invalid byte becomes the three of U+FFFD), while the headers still describe the bytes
/// the client sent: a service trusting a stale `content-length` (tower-http's body limit does)
/// would refuse or cut a valid request. So, as from a server in front of the service: a body
/// sent chunked keeps its `transfer-encoding` and has no `content-length` (HTTP's rule when both
/// are sent); any other body arrives with a `content-length` equal to its length, or with none
/// when it is empty and none was sent.
fn frame_body(headers: &mut http::HeaderMap, body_len: usize) {
    let sent = headers.remove(http::header::CONTENT_LENGTH).is_some();
    if headers.contains_key(http::header::TRANSFER_ENCODING) {
        return;
    }
    if body_len > 0 || sent {
        headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from(body_len));
    }
}

/// Rebuilds a query string from Genezio's parsed parameters. There is no raw query string in
/// the contract, so the pairs are re-encoded RFC 3986 style: everything but the unreserved
/// characters is percent-encoded, space included (`%20`, not `+`), so a form decoder and a plain
/// percent decoder read the same text. Array values (`genezio local`'s repeated keys) become
/// repeated keys again.
fn query_string(params: &Pairs) -> Option<String> {
    if params.0.is_empty() {
        return None;
    }
    let mut out = String::new();
    for (key, values) in &params.0 {
        for text in values {
            if !out.is_empty() {
                out.push('&');
            }
            out.extend(utf8_percent_encode(key, QUERY_COMPONENT));
            out.push('=');
            out.extend(utf8_percent_encode(text, QUERY_COMPONENT));
        }
    }
    Some(out)
}

/// All but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`).
const QUERY_COMPONENT: &AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A JSON object of headers or query parameters, in order, each value as its strings: Genezio
/// sends a string, or an array of strings for repeated keys; other scalars are taken as text and
/// `null` as no value. Parsed straight into this shape because it is on every request's path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pairs(pub Vec<(String, Vec<String>)>);

impl<'de> Deserialize<'de> for Pairs {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(PairsVisitor)
    }
}

struct PairsVisitor;

impl<'de> Visitor<'de> for PairsVisitor {
    type Value = Pairs;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object of strings or arrays of strings")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs, A::Error> {
        let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(8));
        while let Some(key) = map.next_key::<String>()? {
            let Values(values) = map.next_value()?;
            pairs.push((key, values));
        }
        Ok(Pairs(pairs))
    }
}

struct Values(Vec<String>);

impl<'de> Deserialize<'de> for Values {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValuesVisitor)
    }
}

struct ValuesVisitor;

impl<'de> Visitor<'de> for ValuesVisitor {
    type Value = Values;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string, an array of strings, or null")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Values, E> {
        Ok(Values(vec![v.to_owned()]))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Values, E> {
        Ok(Values(vec![v]))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Values, E> {
        Ok(Values(vec![v.to_string()]))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Values, E> {
        Ok(Values(vec![v.to_string()]))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Values, E> {
        Ok(Values(vec![v.to_string()]))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Values, E> {
        // serde_json's own float writer (already in every module), not core's formatting, which
        // would add about 11 KB to a wasm module for values Genezio sends as strings anyway.
        // JSON has no NaN or infinity, so `from_f64` always gives a number here.
        Ok(Values(vec![serde_json::Number::from_f64(v)
            .map(|n| n.to_string())
            .unwrap_or_default()]))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Values, E> {
        Ok(Values(Vec::new()))
    }
    fn visit_none<E: de::Error>(self) -> Result<Values, E> {
        Ok(Values(Vec::new()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Values, A::Error> {
        let mut out = Vec::new();
        while let Some(Values(mut more)) = seq.next_element()? {
            out.append(&mut more);
        }
        Ok(Values(out))
    }
}

fn decode_body(raw: Option<Bytes>, base64: bool) -> Result<Bytes, ContractError> {
    let Some(text) = raw else {
        return Ok(Bytes::new());
    };
    limits::check_raw_body(text.len(), base64)?;
    if !base64 {
        return Ok(text);
    }
    let body = base64::engine::general_purpose::STANDARD
        .decode(text.trim_ascii_end())
        .map_err(|e| ContractError::bad_request(format!("body is not valid base64: {e}")))?;
    if body.len() > limits::MAX_BODY_BYTES {
        return Err(limits::body_too_large(body.len()));
    }
    Ok(Bytes::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use serde_json::{json, Value};

    fn parse(value: Value) -> Result<Request<Body>, ContractError> {
        RequestObject::from_json(value.to_string())?.into_http()
    }

    async fn body_of(req: Request<Body>) -> Vec<u8> {
        req.into_body().collect().await.unwrap().to_bytes().to_vec()
    }

    fn received_as(
        request: http::request::Builder,
        body: &'static str,
        base: Option<&str>,
    ) -> Result<Request<Body>, ContractError> {
        let (parts, ()) = request.body(()).unwrap().into_parts();
        received(parts, RequestBody::Raw(Some(Bytes::from(body))), base)
    }

    #[tokio::test]
    async fn a_received_request_keeps_what_it_was_sent_with_under_the_base_path() {
        let request = received_as(
            Request::post("http://example.com:8080/api/users/7?x=1")
                .version(http::Version::HTTP_2)
                .header("content-length", "99")
                .extension(7u8),
            "hello",
            Some("/api/"),
        )
        .unwrap();
        assert_eq!(request.uri(), "/users/7?x=1");
        assert_eq!(request.version(), http::Version::HTTP_2);
        // HTTP/2's authority as the host; the whole body's framing made true.
        assert_eq!(request.headers()["host"], "example.com:8080");
        assert_eq!(request.headers()["content-length"], "5");
        assert_eq!(request.extensions().get::<u8>(), Some(&7));
        assert!(request
            .extensions()
            .get::<crate::rpc::RpcEndpoint>()
            .is_some());
        assert_eq!(body_of(request).await, b"hello");

        let outside = received_as(Request::get("/elsewhere"), "", Some("/api")).unwrap_err();
        assert_eq!(outside.status, http::StatusCode::NOT_FOUND);
        let long = format!("/{}", "a".repeat(limits::MAX_URL_BYTES));
        let too_long = received_as(Request::get(long.as_str()), "", None).unwrap_err();
        assert_eq!(too_long.status, http::StatusCode::BAD_REQUEST);
        let big = "v".repeat(limits::MAX_HEADER_BYTES);
        let too_big = received_as(Request::get("/").header("x", big.as_str()), "", None);
        assert_eq!(
            too_big.unwrap_err().status,
            http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
        );
    }

    #[test]
    fn strips_class_and_method() {
        assert_eq!(strip_class_method("/Hello/api"), "/");
        assert_eq!(strip_class_method("/Hello/api/"), "/");
        assert_eq!(strip_class_method("/Hello/api/users/7"), "/users/7");
        assert_eq!(strip_class_method("/Hello/api/a/"), "/a/");
        assert_eq!(strip_class_method("/Hello"), "/");
        assert_eq!(strip_class_method("/Hello/api//x"), "//x");
    }

    #[tokio::test]
    async fn aws_shape_with_binary_body() {
        let req = parse(json!({
            "http": {"method": "POST", "path": "/Hello/api/echo", "protocol": "HTTP/1.1"},
            "headers": {"content-type": "application/octet-stream", "x-a": "1"},
            "queryStringParameters": {"q": "a b&c", "x": ["1", "2"]},
            "rawBody": "AAH/",
            "isBase64Encoded": true,
            "timeEpoch": 1,
        }))
        .unwrap();
        assert_eq!(req.method(), Method::POST);
        assert_eq!(req.uri().path(), "/echo");
        assert_eq!(req.uri().query(), Some("q=a%20b%26c&x=1&x=2"));
        assert_eq!(req.headers()["x-a"], "1");
        assert_eq!(body_of(req).await, vec![0, 1, 255]);
    }

    #[test]
    fn numbers_and_booleans_in_headers_and_query_read_as_their_text() {
        let req = parse(json!({
            "http": {"method": "GET", "path": "/Hello/api/"},
            "headers": {"x-float": 1.5, "x-int": 7, "x-bool": true},
            "queryStringParameters": {"f": 0.25, "big": 1e21},
        }))
        .unwrap();
        assert_eq!(req.headers()["x-float"], "1.5");
        assert_eq!(req.headers()["x-int"], "7");
        assert_eq!(req.headers()["x-bool"], "true");
        // As JavaScript writes them (`String(1e21)` is "1e+21"); this test's `json!` object keeps
        // its keys sorted.
        assert_eq!(req.uri().query(), Some("big=1e%2B21&f=0.25"));
    }

    #[test]
    fn query_is_percent_encoded_so_form_and_percent_decoders_agree() {
        let value = "two words+plus&amp=eq/é~";
        let req = parse(json!({
            "http": {"method": "GET", "path": "/Hello/api/q"},
            "queryStringParameters": {"v": value},
        }))
        .unwrap();
        let query = req.uri().query().unwrap();
        assert_eq!(query, "v=two%20words%2Bplus%26amp%3Deq%2F%C3%A9~");
        let raw = query.strip_prefix("v=").unwrap();
        let percent = percent_encoding::percent_decode_str(raw)
            .decode_utf8()
            .unwrap();
        assert_eq!(percent, value);
        let form: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(form, vec![("v".to_owned(), value.to_owned())]);
    }

    #[tokio::test]
    async fn text_body_comes_from_raw_body_exactly() {
        let req = parse(json!({
            "http": {"method": "POST", "path": "/Hello/api"},
            "rawBody": "{ \"a\" : 1 }",
        }))
        .unwrap();
        assert_eq!(req.uri().path(), "/");
        assert_eq!(req.uri().query(), None);
        assert_eq!(body_of(req).await, b"{ \"a\" : 1 }");
    }

    #[test]
    fn decoded_path_characters_are_reencoded() {
        let req = parse(json!({"http": {"method": "GET", "path": "/C/m/a b/ü%20"}})).unwrap();
        assert_eq!(req.uri().path(), "/a%20b/%C3%BC%20");
    }

    #[tokio::test]
    async fn content_length_is_the_length_of_the_body_the_service_gets() {
        let with = |headers: Value, body: Option<&str>| {
            let mut object =
                json!({"http": {"method": "POST", "path": "/C/m/k"}, "headers": headers});
            if let Some(body) = body {
                object["rawBody"] = json!(body);
            }
            parse(object).unwrap()
        };
        let lengths = |req: &Request<Body>| -> Vec<String> {
            req.headers()
                .get_all("content-length")
                .iter()
                .map(|v| v.to_str().unwrap().to_owned())
                .collect()
        };
        // One byte sent (0xFF), re-encoded by the front as U+FFFD: three bytes arrive.
        let req = with(
            json!({"content-length": "1", "content-type": "text/plain"}),
            Some("\u{FFFD}"),
        );
        assert_eq!(lengths(&req), ["3"]);
        assert_eq!(body_of(req).await, "\u{FFFD}".as_bytes());
        // Two stale values become the one true one.
        let req = with(json!({"content-length": ["9", "9"]}), Some("ab"));
        assert_eq!(lengths(&req), ["2"]);
        // A body whose length the front left out gets one; an empty body keeps a sent zero.
        assert_eq!(lengths(&with(json!({}), Some("abc"))), ["3"]);
        assert_eq!(lengths(&with(json!({"content-length": "0"}), None)), ["0"]);
        assert!(lengths(&with(json!({}), None)).is_empty());
        // Base64 bodies count their decoded bytes.
        let req = parse(json!({
            "http": {"method": "POST", "path": "/C/m"},
            "headers": {"content-length": "4"},
            "rawBody": "AAH/", "isBase64Encoded": true,
        }))
        .unwrap();
        assert_eq!(lengths(&req), ["3"]);
        // Chunked: transfer-encoding stays, and a content-length beside it goes.
        let req = with(
            json!({"transfer-encoding": "chunked", "content-length": "1"}),
            Some("abcd"),
        );
        assert!(lengths(&req).is_empty());
        assert_eq!(req.headers()["transfer-encoding"], "chunked");
    }

    #[test]
    fn a_url_is_the_target_as_received_under_the_base_path() {
        let target = |url: &str, base: Option<&str>| {
            let mut object = json!({"http": {"method": "GET"}, "url": url});
            if let Some(base) = base {
                object["basePath"] = json!(base);
            }
            parse(object).map(|req| req.uri().to_string())
        };
        // As received: no prefix stripped, the query not re-encoded.
        assert_eq!(
            target("/Hello/api/x?q=a+b&q=%20", None).unwrap(),
            "/Hello/api/x?q=a+b&q=%20"
        );
        assert_eq!(target("/", None).unwrap(), "/");
        assert_eq!(
            target("/api/users/7?x=1", Some("/api")).unwrap(),
            "/users/7?x=1"
        );
        assert_eq!(target("/api", Some("/api/")).unwrap(), "/");
        assert_eq!(target("/api?x=1", Some("/api")).unwrap(), "/?x=1");
        let outside = target("/apis/x", Some("/api")).unwrap_err();
        assert_eq!(outside.status, 404);
        assert!(
            outside.message.contains("served under /api"),
            "{}",
            outside.message
        );
        assert_eq!(target("/x y", None).unwrap_err().status, 400);
        let long = format!("/{}", "a".repeat(crate::limits::MAX_URL_BYTES));
        assert_eq!(target(&long, None).unwrap_err().status, 400);
    }

    #[test]
    fn repeated_header_values_are_kept() {
        let req = parse(json!({
            "http": {"method": "GET", "path": "/C/m"},
            "headers": {"accept": ["a", "b"]},
        }))
        .unwrap();
        let all: Vec<_> = req.headers().get_all("accept").iter().collect();
        assert_eq!(all, ["a", "b"]);
    }

    #[test]
    fn bad_input_is_a_400_with_a_message() {
        let cases = [
            json!({}),
            json!({"http": {"path": "/C/m"}}),
            json!({"http": {"method": "GET"}}),
            json!({"http": {"method": "G ET", "path": "/C/m"}}),
            json!({"http": {"method": "GET", "path": "/C/m"}, "headers": {"x": "a\nb"}}),
            json!({"http": {"method": "GET", "path": "/C/m"}, "headers": {"bad name": "v"}}),
            json!({"http": {"method": "POST", "path": "/C/m"}, "rawBody": "@@@", "isBase64Encoded": true}),
        ];
        for case in cases {
            let err = parse(case.clone()).expect_err(&case.to_string());
            assert_eq!(err.status, 400, "{case}");
            assert!(!err.message.is_empty());
        }
        let err = RequestObject::from_json("{not json").unwrap_err();
        assert!(err.message.contains("malformed request object"));
    }

    #[test]
    fn over_limit_requests_get_413_431_or_400_naming_the_limit() {
        use crate::limits::*;
        let get = |extra: Value| {
            let mut object = json!({"http": {"method": "POST", "path": "/C/m/x"}});
            for (k, v) in extra.as_object().unwrap() {
                object[k] = v.clone();
            }
            parse(object)
        };
        let cases = [
            (
                json!({"rawBody": "a".repeat(MAX_BODY_BYTES + 1)}),
                413,
                "6 MiB",
            ),
            (
                json!({"rawBody": "QUFB".repeat(MAX_BODY_BYTES / 3 + 1), "isBase64Encoded": true}),
                413,
                "body",
            ),
            (
                json!({"headers": {"x-big": "v".repeat(MAX_HEADER_BYTES)}}),
                431,
                "x-big",
            ),
            (
                json!({"headers": (0..=MAX_HEADERS).map(|i| (format!("h{i}"), json!("v"))).collect::<serde_json::Map<_, _>>()}),
                431,
                "headers",
            ),
            (
                json!({"queryStringParameters": {"q": "a".repeat(MAX_URL_BYTES)}}),
                400,
                "URL",
            ),
        ];
        for (extra, status, words) in cases {
            let err = get(extra).unwrap_err();
            assert_eq!(err.status, status, "{}", err.message);
            assert!(err.message.contains(words), "{}", err.message);
            assert!(err.message.contains("limit"), "{}", err.message);
        }
        // At the limits, everything passes.
        let at = get(json!({
            "rawBody": "a".repeat(MAX_BODY_BYTES),
            "headers": {"x": "v".repeat(MAX_HEADER_BYTES - 1)},
        }));
        assert!(at.is_ok());
    }

    #[test]
    fn json_nested_past_the_limit_is_a_400_that_says_so() {
        let nested = |depth: usize| {
            format!(
                r#"{{"http":{{"method":"GET","path":"/C/m"}},"headers":{{"x":{}"v"{}}}}}"#,
                "[".repeat(depth),
                "]".repeat(depth)
            )
        };
        let depth = crate::limits::MAX_JSON_DEPTH;
        let err = RequestObject::from_json(nested(depth + 1)).unwrap_err();
        assert_eq!(err.status, 400);
        assert!(
            err.message.contains("nests deeper than 128"),
            "{}",
            err.message
        );
        // Within the limit, nested arrays of values flatten.
        let object = RequestObject::from_json(nested(depth - 3)).unwrap();
        assert_eq!(object.into_http().unwrap().headers()["x"], "v");
        // Fields gzrs does not read are skipped without recursing, at any depth.
        let ignored = format!(
            r#"{{"http":{{"method":"GET","path":"/C/m"}},"extra":{}{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(RequestObject::from_json(ignored)
            .unwrap()
            .into_http()
            .is_ok());
    }
}
