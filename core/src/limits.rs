//! What one request may hold. Every gzrs process sits behind a public URL, so each limit is
//! checked before the service sees the request, in every mode (this crate is the one path
//! every request takes), and an input over one is answered at once with its status and a
//! message that names the limit; the next request is served as usual.
//!
//! | what | limit | answer |
//! |---|---|---|
//! | body, decoded, on Genezio | [`MAX_BODY_BYTES`] (6 MiB, what Lambda and `genezio local` accept) | 413 |
//! | body, on the web and server platforms | the service's `request-body-limit` (default [`DEFAULT_STREAMED_BODY_BYTES`]), checked by the host that streams it | 413 |
//! | header lines (a repeated header counts once per value) | [`MAX_HEADERS`] | 431 |
//! | one header, name and value | [`MAX_HEADER_BYTES`] | 431 |
//! | all headers together | [`MAX_HEADERS_TOTAL_BYTES`] | 431 |
//! | URL the service sees (path and query) | [`MAX_URL_BYTES`] | 400 |
//! | nesting of the JSON gzrs reads from a request object or event | [`MAX_JSON_DEPTH`] | 400 |
//!
//! The HTTP servers in front of gzrs have their own, and some are tighter: Node's HTTP parser
//! (`genezio local`) refuses a request line and headers over 16 KiB with a bare 431 before any
//! class sees it, and API Gateway caps headers at 10 KiB.

use http::StatusCode;

use crate::ContractError;

/// The largest body a request may carry once decoded: 6 MiB, Lambda's payload limit and
/// `genezio local`'s body parser's.
pub const MAX_BODY_BYTES: usize = 6 * 1024 * 1024;
/// The largest body a request may carry on a platform that streams bodies (the web runtimes and
/// the native server) when the service sets no `request-body-limit`: 100 MiB, what Cloudflare
/// Workers accept on their Free and Pro plans.
pub const DEFAULT_STREAMED_BODY_BYTES: usize = 100 * 1024 * 1024;
/// The most header lines a request may carry: hyper's default, and far above what browsers send.
pub const MAX_HEADERS: usize = 100;
/// The largest one header (name and value) may be: what nginx and most proxies accept per line.
pub const MAX_HEADER_BYTES: usize = 8 * 1024;
/// The most all headers together may be.
pub const MAX_HEADERS_TOTAL_BYTES: usize = 64 * 1024;
/// The longest URL (path and query string, as the service receives them) a request may have.
pub const MAX_URL_BYTES: usize = 8 * 1024;
/// How deeply the parts of a request object or Lambda event that gzrs reads may nest: serde_json's
/// own recursion limit, which is what enforces it. Parts gzrs does not read are skipped without
/// recursion, at any depth. Genezio's objects nest three levels deep at most; the request body
/// is not parsed here (the service parses it, and serde_json's limit applies there too).
pub const MAX_JSON_DEPTH: usize = 128;

/// The error for JSON that failed to parse as `what`: a clear 400 naming the limit when it nested
/// too deeply, else the parser's message.
pub(crate) fn malformed_json(what: &str, error: &serde_json::Error) -> ContractError {
    // serde_json reports its recursion limit only through this message.
    if error.to_string().starts_with("recursion limit exceeded") {
        ContractError::bad_request(format!(
            "{what} nests deeper than {MAX_JSON_DEPTH} levels, gzrs's limit"
        ))
    } else {
        ContractError::bad_request(format!("malformed {what}: {error}"))
    }
}

/// 431 for headers over a limit.
pub(crate) fn headers_too_large(message: String) -> ContractError {
    ContractError {
        status: StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        message,
    }
}

/// 413 for a body of `bytes` (decoded, or an estimate that is already over).
pub(crate) fn body_too_large(bytes: usize) -> ContractError {
    ContractError {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        message: format!(
            "the request body is {bytes} bytes, over gzrs's limit of {MAX_BODY_BYTES} bytes (6 MiB)"
        ),
    }
}

/// 413 for a body over a streaming platform's `limit`: its `content-length` says so, or it went
/// past it while arriving.
pub fn body_over_limit(limit: usize) -> ContractError {
    ContractError {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        message: format!(
            "the request body is over gzrs's limit of {limit} bytes ({}); the service sets it with `request-body-limit` under [package.metadata.gzrs]",
            in_units(limit)
        ),
    }
}

/// `bytes` as people write it: `6 MiB`, `512 KiB`, else `N bytes`.
pub fn in_units(bytes: usize) -> String {
    const KIB: usize = 1024;
    for (unit, size) in [("GiB", KIB * KIB * KIB), ("MiB", KIB * KIB), ("KiB", KIB)] {
        if bytes >= size && bytes.is_multiple_of(size) {
            return format!("{} {unit}", bytes / size);
        }
    }
    format!("{bytes} bytes")
}

/// Checks a request's headers against the header limits, given as each value's name and length.
pub(crate) fn check_headers<'a>(
    headers: impl Iterator<Item = (&'a str, usize)>,
) -> Result<(), ContractError> {
    let (mut count, mut total) = (0usize, 0usize);
    for (name, value_len) in headers {
        count += 1;
        let size = name.len() + value_len;
        total += size;
        if size > MAX_HEADER_BYTES {
            let shown: String = name.chars().take(64).collect();
            return Err(headers_too_large(format!(
                "header {shown:?} is {size} bytes, over gzrs's limit of {MAX_HEADER_BYTES} bytes for one header"
            )));
        }
    }
    if count > MAX_HEADERS {
        return Err(headers_too_large(format!(
            "the request has {count} headers, over gzrs's limit of {MAX_HEADERS}"
        )));
    }
    if total > MAX_HEADERS_TOTAL_BYTES {
        return Err(headers_too_large(format!(
            "the request's headers are {total} bytes together, over gzrs's limit of {MAX_HEADERS_TOTAL_BYTES} bytes"
        )));
    }
    Ok(())
}

/// Checks the URL the service would receive against [`MAX_URL_BYTES`].
pub(crate) fn check_url(url: &str) -> Result<(), ContractError> {
    if url.len() > MAX_URL_BYTES {
        return Err(ContractError::bad_request(format!(
            "the URL is {} bytes, over gzrs's limit of {MAX_URL_BYTES} bytes",
            url.len()
        )));
    }
    Ok(())
}

/// Checks a raw body's text before it is decoded: base64 text that can only decode to more
/// than the limit is refused without decoding it.
pub(crate) fn check_raw_body(text_len: usize, base64: bool) -> Result<(), ContractError> {
    let decoded_at_least = if base64 {
        // Four characters per three bytes; padding and the trailing newline are a few more.
        text_len.saturating_sub(4) / 4 * 3
    } else {
        text_len
    };
    if decoded_at_least > MAX_BODY_BYTES {
        return Err(body_too_large(decoded_at_least));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(list: &[(&str, &str)]) -> Vec<(String, Vec<String>)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), vec![v.to_string()]))
            .collect()
    }

    fn check(list: &[(String, Vec<String>)]) -> Result<(), ContractError> {
        check_headers(
            list.iter()
                .flat_map(|(n, vs)| vs.iter().map(move |v| (n.as_str(), v.len()))),
        )
    }

    #[test]
    fn headers_at_each_limit_pass_and_one_more_byte_or_line_is_431() {
        let big = "v".repeat(MAX_HEADER_BYTES - 1);
        assert!(check(&headers(&[("x", &big)])).is_ok());
        let over = check(&headers(&[("xy", &big)])).unwrap_err();
        assert_eq!(over.status, 431);
        assert!(over.message.contains("\"xy\""), "{}", over.message);

        let many: Vec<_> = (0..MAX_HEADERS)
            .map(|i| (format!("h{i}"), vec!["v".to_string()]))
            .collect();
        assert!(check(&many).is_ok());
        // A repeated header counts once per value.
        let mut more = many.clone();
        more[0].1.push("again".into());
        let over = check(&more).unwrap_err();
        assert_eq!(over.status, 431);
        assert!(over.message.contains("101 headers"), "{}", over.message);

        let wide: Vec<_> = (0..9)
            .map(|i| (format!("h{i}"), vec!["v".repeat(MAX_HEADER_BYTES - 2)]))
            .collect();
        let over = check(&wide).unwrap_err();
        assert_eq!(over.status, 431);
        assert!(over.message.contains("together"), "{}", over.message);
    }

    #[test]
    fn a_body_is_measured_as_decoded() {
        assert!(check_raw_body(MAX_BODY_BYTES, false).is_ok());
        assert_eq!(
            check_raw_body(MAX_BODY_BYTES + 1, false)
                .unwrap_err()
                .status,
            413
        );
        // 6 MiB in base64 is 8 MiB of text, padding included.
        assert!(check_raw_body(MAX_BODY_BYTES / 3 * 4 + 1, true).is_ok());
        assert_eq!(
            check_raw_body((MAX_BODY_BYTES + 3) / 3 * 4 + 8, true)
                .unwrap_err()
                .status,
            413
        );
    }

    #[test]
    fn url_limit() {
        assert!(check_url(&"/".repeat(MAX_URL_BYTES)).is_ok());
        let over = check_url(&"/".repeat(MAX_URL_BYTES + 1)).unwrap_err();
        assert_eq!(over.status, 400);
        assert!(over.message.contains("URL"));
    }
}
