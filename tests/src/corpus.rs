//! The request corpus, and the reference every transport is held to: the same request answered
//! by the service in-process, through `tower::ServiceExt::oneshot`.

use std::fmt;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request};
use axum::Router;
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

/// One request, addressed as the service's router sees it (`/users/7`, not `/Fixture/api/users/7`).
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub method: Method,
    /// Path and query string.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Case {
    pub fn get(name: impl Into<String>, target: impl Into<String>) -> Self {
        Self::new(name, Method::GET, target)
    }

    pub fn new(name: impl Into<String>, method: Method, target: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            method,
            target: target.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body and its content type.
    pub fn body(self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        let mut case = self.header("content-type", content_type);
        case.body = body.into();
        case
    }

    /// The request for `uri` (the case's target, possibly behind a prefix).
    pub fn request(&self, uri: &str) -> Request<Vec<u8>> {
        let mut builder = Request::builder().method(self.method.clone()).uri(uri);
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        builder
            .body(self.body.clone())
            .expect("corpus requests are valid")
    }
}

/// What came back for a request.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// The whole fixture corpus: one or more cases per route of `fixture_app::app()`.
pub fn fixture_corpus() -> Vec<Case> {
    let all_bytes: Vec<u8> = (0..=255).collect();
    // 1 MiB of every byte value, in an order that is not just a repetition of 256.
    let mebibyte: Vec<u8> = (0..1 << 20)
        .map(|i: u32| (i.wrapping_mul(31) % 256) as u8)
        .collect();
    let mut cases = vec![
        Case::get("root", "/"),
        Case::get("path params", "/users/7/posts/abc"),
        Case::get(
            "path params, percent-encoded non-ASCII",
            "/users/42/posts/caf%C3%A9",
        ),
        Case::get("query, one key", "/query?name=ferris"),
        Case::get("query, repeated key", "/query?x=1&x=2"),
        Case::get("query, percent-encoding", "/query?q=a%20b%26c"),
        Case::get("query, plus as space", "/query?p=1+2"),
        Case::get(
            "query, non-ASCII",
            "/query?city=K%C3%B8benhavn&word=%E6%97%A5%E6%9C%AC",
        ),
        Case::new("JSON echo", Method::POST, "/echo/json").body(
            "application/json",
            r#"{"z":1,"a":[true,null,2.5,"x"],"nested":{"é":"ü ✓"}}"#,
        ),
        Case::new("text echo", Method::POST, "/echo/text").body(
            "text/plain; charset=utf-8",
            "plain text ✓\nsecond line\t{not json}",
        ),
        Case::new("binary echo, all byte values", Method::POST, "/echo/binary")
            .body("application/octet-stream", all_bytes),
        Case::new("1 MiB body in", Method::POST, "/size")
            .body("application/octet-stream", mebibyte),
        Case::get("2 MiB body out", "/big/2097152"),
        Case::get("custom headers", "/headers").header("x-echo", "echo me, please"),
        Case::get("two Set-Cookie", "/cookies"),
        Case::get("UTF-8 text", "/utf8"),
        Case::new("PUT", Method::PUT, "/items/42").body("text/plain", "new value"),
        Case::new("PATCH", Method::PATCH, "/items/42")
            .body("application/json", r#"{"op":"patch"}"#),
        Case::new("DELETE", Method::DELETE, "/items/42"),
        Case::get("method not allowed (axum's 405 with `allow`)", "/items/42"),
        Case::get("unknown route (axum's 404)", "/no/such/route"),
        Case::get("nested wildcard", "/files/a/b/c.txt"),
        Case::get("yield 3 times", "/yield/3"),
    ];
    cases.extend(
        [201, 204, 404, 422, 500]
            .map(|code| Case::get(format!("status {code}"), format!("/status/{code}"))),
    );
    cases
}

/// The routes of `examples/hello`.
pub fn hello_corpus() -> Vec<Case> {
    vec![
        Case::get("root", "/"),
        Case::get("hello, default greeting", "/hello/Ferris"),
        Case::get(
            "hello, greeting from the query",
            "/hello/Ferris?greeting=Howdy%20there",
        ),
        Case::new("echo", Method::POST, "/echo").body("text/plain; charset=utf-8", "echo ✓ this"),
    ]
}

/// `case` with each repeated query key's values joined by commas (`x=1&x=2` → `x=1,2`), as
/// API Gateway delivers them to a Lambda; unchanged when no key repeats.
pub fn with_joined_query(case: &Case) -> Case {
    with_repeats_merged(case, |values, value| {
        values.push(',');
        values.push_str(value);
    })
}

/// `case` with each repeated query key once, at its first place, with its last value
/// (`x=1&y=a&x=2` → `x=2&y=a`), as genezio-cloud's handler reads the query
/// (`Object.fromEntries(url.searchParams)`); unchanged when no key repeats.
pub fn with_last_query_value(case: &Case) -> Case {
    with_repeats_merged(case, |values, value| *values = value.to_owned())
}

/// `case` with each repeated query key's value merged into its first occurrence by `merge`.
fn with_repeats_merged(case: &Case, merge: impl Fn(&mut String, &str)) -> Case {
    let Some((path, query)) = case.target.split_once('?') else {
        return case.clone();
    };
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match pairs.iter_mut().find(|(k, _)| *k == key) {
            Some((_, values)) => merge(values, &value),
            None => pairs.push((key.into_owned(), value.into_owned())),
        }
    }
    if pairs.len() == form_urlencoded::parse(query.as_bytes()).count() {
        return case.clone();
    }
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&pairs)
        .finish();
    Case {
        target: format!("{path}?{query}"),
        ..case.clone()
    }
}

/// Answers `case` with `app` in-process: the reference for every other transport.
pub fn answer_in_process(app: Router, case: &Case) -> Answer {
    let request = case.request(&case.target).map(Body::from);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async move {
        let response = app.oneshot(request).await.expect("a Router never fails");
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .expect("the in-process body")
            .to_bytes()
            .to_vec();
        Answer {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        }
    })
}

/// Headers the transport owns: the service's own values need not survive.
const TRANSPORT_HEADERS: [&str; 4] = ["content-length", "transfer-encoding", "connection", "date"];

/// How `got` differs from `expected`, one line per difference (empty when it does not).
///
/// Every header the service set must arrive with the same values (several fields of one name
/// may arrive joined by commas, which HTTP defines as the same; two `set-cookie` stay two);
/// headers added on the way are allowed.
pub fn compare(case: &str, expected: &Answer, got: &Answer) -> Vec<String> {
    let mut problems = Vec::new();
    if expected.status != got.status {
        problems.push(format!(
            "[{case}] status: expected {}, got {}",
            expected.status, got.status
        ));
    }
    for name in expected.headers.keys() {
        if TRANSPORT_HEADERS.contains(&name.as_str()) {
            continue;
        }
        let want = field_values(&expected.headers, name);
        let have = field_values(&got.headers, name);
        if want != have {
            problems.push(format!(
                "[{case}] header `{name}`: expected {want:?}, got {have:?}"
            ));
        }
    }
    if expected.body.len() != got.body.len() {
        problems.push(format!(
            "[{case}] body length: expected {}, got {} (expected {}, got {})",
            expected.body.len(),
            got.body.len(),
            Preview(&expected.body),
            Preview(&got.body)
        ));
    } else if let Some(at) = expected
        .body
        .iter()
        .zip(&got.body)
        .position(|(a, b)| a != b)
    {
        problems.push(format!(
            "[{case}] body differs from byte {at} of {}: expected {}, got {}",
            expected.body.len(),
            Preview(&expected.body[at..]),
            Preview(&got.body[at..])
        ));
    }
    problems
}

/// A header's values as HTTP defines their meaning: several fields of one name are the same as
/// one field with the values joined by commas (RFC 9110, 5.3), which is what API Gateway and
/// gzrs deliver; except `set-cookie`, whose fields must stay apart.
fn field_values(headers: &HeaderMap, name: &axum::http::HeaderName) -> Vec<String> {
    let fields = headers
        .get_all(name)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    if name == axum::http::header::SET_COOKIE {
        fields.collect()
    } else {
        vec![fields.collect::<Vec<_>>().join(", ")]
    }
}

/// The start of a body, readable in a failure message.
struct Preview<'a>(&'a [u8]);

impl fmt::Display for Preview<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAX: usize = 120;
        let shown = &self.0[..self.0.len().min(MAX)];
        let ellipsis = if self.0.len() > MAX { "…" } else { "" };
        write!(f, "{:?}{ellipsis}", String::from_utf8_lossy(shown))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn answer(status: u16, headers: &[(&'static str, &'static str)], body: &[u8]) -> Answer {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(*name, HeaderValue::from_static(value));
        }
        Answer {
            status,
            headers: map,
            body: body.to_vec(),
        }
    }

    #[test]
    fn extra_and_transport_headers_are_fine() {
        let expected = answer(200, &[("x-a", "1"), ("content-length", "2")], b"ok");
        let got = answer(
            200,
            &[
                ("x-a", "1"),
                ("x-powered-by", "Express"),
                ("transfer-encoding", "chunked"),
            ],
            b"ok",
        );
        assert_eq!(compare("same", &expected, &got), Vec::<String>::new());
    }

    #[test]
    fn every_difference_is_reported() {
        let expected = answer(
            201,
            &[("set-cookie", "a=1"), ("set-cookie", "b=2"), ("x-a", "1")],
            b"abc",
        );
        // The cookies folded into one field, a header lost, a byte changed, another status.
        let got = answer(200, &[("set-cookie", "a=1, b=2")], b"abd");
        let problems = compare("case", &expected, &got);
        assert_eq!(problems.len(), 4, "{problems:#?}");
        assert!(problems[0].contains("status: expected 201, got 200"));
        assert!(problems[1].contains("`set-cookie`"));
        assert!(problems[2].contains("`x-a`"));
        assert!(problems[3].contains("body differs from byte 2"));
        let shorter = compare(
            "case",
            &expected,
            &answer(
                201,
                &[("set-cookie", "a=1"), ("set-cookie", "b=2"), ("x-a", "1")],
                b"ab",
            ),
        );
        assert_eq!(shorter.len(), 1);
        assert!(
            shorter[0].contains("body length: expected 3, got 2"),
            "{shorter:?}"
        );
    }

    #[test]
    fn repeated_query_keys_keep_their_last_value_as_genezio_cloud_reads_them() {
        let last = with_last_query_value(&Case::get("q", "/query?x=1&y=a%20b&x=2"));
        assert_eq!(last.target, "/query?x=2&y=a+b");
        let single = Case::get("q", "/query?q=a%20b%26c");
        assert_eq!(with_last_query_value(&single).target, single.target);
    }

    #[test]
    fn repeated_query_keys_are_joined_as_api_gateway_joins_them() {
        let joined = with_joined_query(&Case::get("q", "/query?x=1&y=a%20b&x=2"));
        assert_eq!(joined.target, "/query?x=1%2C2&y=a+b");
        let single = Case::get("q", "/query?q=a%20b%26c");
        assert_eq!(with_joined_query(&single).target, single.target);
    }

    #[test]
    fn the_corpus_is_answered_in_process() {
        // Guards the corpus itself: every case reaches the route it names.
        for case in fixture_corpus() {
            let answer = answer_in_process(fixture_app::app(), &case);
            let expected = match case.name.as_str() {
                "unknown route (axum's 404)" => 404,
                "method not allowed (axum's 405 with `allow`)" => 405,
                name => name
                    .strip_prefix("status ")
                    .map_or(200, |code| code.parse().unwrap()),
            };
            assert_eq!(answer.status, expected, "{}", case.name);
        }
    }
}
