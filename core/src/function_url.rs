//! The request context an AWS Lambda function URL hands a function (payload format 2.0, the
//! shape Genezio's Lambdas receive), described from a request that arrived some other way.
//!
//! A service written for lambda_http reads it through `RequestExt::request_context()`, which
//! panics when the context is missing. The native entries of such a service set it on every
//! request from what this module returns, so the handler reads what a Lambda would give it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

/// `requestContext` as a function URL with no authorizer gives it, for `request` received at
/// `now`, identified by `request_id`.
///
/// What the request cannot tell is what a function URL says when it does not know either: the
/// account is `anonymous`, the route and stage are `$default`. The caller's address is the
/// first hop of `x-forwarded-for` (a proxy's view of the client), or empty.
pub fn request_context<B>(request: &http::Request<B>, now: SystemTime, request_id: &str) -> Value {
    let header = |name: http::header::HeaderName| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
    };
    let host = header(http::header::HOST);
    let domain_prefix = host.split(['.', ':']).next().unwrap_or("");
    let source_ip = header(http::header::HeaderName::from_static("x-forwarded-for"))
        .split(',')
        .next()
        .unwrap_or("")
        .trim();
    let millis = now
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_millis() as i64)
        .unwrap_or(0);
    json!({
        "accountId": "anonymous",
        "apiId": domain_prefix,
        "domainName": host,
        "domainPrefix": domain_prefix,
        "http": {
            "method": request.method().as_str(),
            "path": request.uri().path(),
            "protocol": protocol(request.version()),
            "sourceIp": source_ip,
            "userAgent": header(http::header::USER_AGENT),
        },
        "requestId": request_id,
        "routeKey": "$default",
        "stage": "$default",
        "time": clf_time(millis.div_euclid(1000)),
        "timeEpoch": millis,
    })
}

/// A fresh request id in the form Lambda gives them (a UUID's 8-4-4-4-12 hex digits): unique
/// within the process, and unlikely to repeat across processes.
pub fn request_id(now: SystemTime) -> String {
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let nanos = now
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_nanos() as u64)
        .unwrap_or(0);
    let count = COUNT.fetch_add(1, Ordering::Relaxed);
    let mixed = (u64::from(std::process::id()) << 32) ^ count.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        nanos >> 32,
        (nanos >> 16) & 0xffff,
        nanos & 0xfff,
        0x8000 | (mixed >> 48) & 0x3fff,
        mixed & 0xffff_ffff_ffff
    )
}

fn protocol(version: http::Version) -> &'static str {
    match version {
        http::Version::HTTP_09 => "HTTP/0.9",
        http::Version::HTTP_10 => "HTTP/1.0",
        http::Version::HTTP_2 => "HTTP/2.0",
        http::Version::HTTP_3 => "HTTP/3.0",
        _ => "HTTP/1.1",
    }
}

/// Seconds since the epoch as Lambda writes `time`: `05/Dec/2026:09:40:00 +0000`.
fn clf_time(seconds: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (days, of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    // Days to a civil date (Howard Hinnant's algorithm, proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{day:02}/{}/{year}:{:02}:{:02}:{:02} +0000",
        MONTHS[(month - 1) as usize],
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn lambda_time_is_written_as_a_function_url_writes_it() {
        assert_eq!(clf_time(0), "01/Jan/1970:00:00:00 +0000");
        // Each checked against `date -u -d @SECONDS`.
        assert_eq!(clf_time(1_584_039_838), "12/Mar/2020:19:03:58 +0000");
        assert_eq!(clf_time(951_782_400), "29/Feb/2000:00:00:00 +0000");
        assert_eq!(clf_time(1_796_463_599), "05/Dec/2026:09:39:59 +0000");
    }

    #[test]
    fn the_context_describes_the_request() {
        let request = http::Request::post("/items/7?x=1")
            .version(http::Version::HTTP_11)
            .header("host", "abc123.lambda-url.us-east-1.on.aws")
            .header("user-agent", "curl/8")
            .header("x-forwarded-for", "203.0.113.9, 10.0.0.1")
            .body(())
            .unwrap();
        let now = UNIX_EPOCH + Duration::from_millis(1_584_039_838_123);
        let context = request_context(&request, now, "id-1");
        assert_eq!(
            context,
            json!({
                "accountId": "anonymous",
                "apiId": "abc123",
                "domainName": "abc123.lambda-url.us-east-1.on.aws",
                "domainPrefix": "abc123",
                "http": {"method": "POST", "path": "/items/7", "protocol": "HTTP/1.1",
                         "sourceIp": "203.0.113.9", "userAgent": "curl/8"},
                "requestId": "id-1",
                "routeKey": "$default",
                "stage": "$default",
                "time": "12/Mar/2020:19:03:58 +0000",
                "timeEpoch": 1_584_039_838_123_i64,
            })
        );
    }

    #[test]
    fn request_ids_look_like_lambdas_and_do_not_repeat() {
        let now = SystemTime::now();
        let (a, b) = (request_id(now), request_id(now));
        assert_ne!(a, b);
        for id in [&a, &b] {
            let groups: Vec<usize> = id.split('-').map(str::len).collect();
            assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
            assert!(
                id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()),
                "{id}"
            );
        }
    }
}
