// gzrs host, platform-neutral: what travels between a host and gzrs-core besides requests
// (typed calls and their results, error answers, the body limit). No runtime's own API is used,
// so every adapter (Genezio's class, the fetch handler) shares it.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// Genezio's convention for integers beyond 2^53 (its handlers use the same pair): a BigInt
// travels as {"$bigint": "<digits>"}, which gzrs-class reads and writes.
const bigintReplacer = (key, value) =>
  typeof value === "bigint" ? { $bigint: value.toString() } : value;
const bigintReviver = (key, value) =>
  value !== null && typeof value === "object" && typeof value.$bigint === "string"
    ? BigInt(value.$bigint)
    : value;

/**
 * A call of the typed method `method` as the request object gzrs-core reads, and its body: the
 * arguments as JSON. It is marked by `gzrsCall`, which only gzrs sets (`marshal` never copies
 * it from a Genezio request), so gzrs-class runs the method instead of the HTTP service.
 */
export function callObject(method, params) {
  if (!Array.isArray(params)) throw new TypeError("the arguments are not an array");
  const meta = JSON.stringify({
    http: { method: "POST", path: `/gzrs-call/${method}` },
    headers: { "content-type": "application/json" },
    gzrsCall: method,
  });
  return [meta, JSON.stringify(params, bigintReplacer)];
}

/**
 * What a call answers: the method's result, or, for its error (a panic's, a limit's), a thrown
 * Error with the message, which Genezio's handler puts in the JSON-RPC error.
 */
export function callResult(response) {
  let answer;
  try {
    const text = typeof response.body === "string" ? response.body : decoder.decode(response.body ?? new Uint8Array(0));
    answer = JSON.parse(text, bigintReviver);
  } catch {
    // Not JSON: said below with the status.
  }
  // `{}` for a method that answers nothing: `undefined`, as a JavaScript method's.
  if (response.statusCode === 200 && answer !== null && typeof answer === "object" && !("error" in answer)) {
    return answer.result;
  }
  throw new Error(
    typeof answer?.error === "string" ? answer.error : `the method failed with status ${response.statusCode}`,
  );
}

/** An oversized call's error, as `callResult` throws it. */
export function callTooLarge(rawBody) {
  const oversized = oversizedBody(rawBody, false);
  return oversized && new Error(JSON.parse(oversized.body).error);
}

/**
 * The compact request head (gzrs-core's `compact` module decides what it means): the method,
 * the URL as the runtime gives it, the base path, then each header's name and value, on lines
 * of their own. None of them can hold a newline: the runtime's Request and Headers refuse one.
 * @param headers an iterable of [name, value] pairs
 */
export function compactHead(method, url, basePath, headers) {
  let head = `\x01${method}\n${url}\n${basePath}`;
  for (const [name, value] of headers) head += `\n${name}\n${value}`;
  return head;
}

/** A compact response head (the status, then header names and values on lines of their own). */
export function compactResponse(head, body) {
  const lines = head.split("\n");
  const headers = [];
  for (let i = 1; i + 1 < lines.length; i += 2) headers.push([lines[i], lines[i + 1]]);
  return { statusCode: Number(lines[0]), headers, body };
}

// gzrs-core's limit on a decoded body (its `limits` module states them all). The hosts check it
// too, before the body is copied to the service, so an oversized body costs nothing there.
export const MAX_BODY_BYTES = 6 * 1024 * 1024;

/**
 * A 413 for a raw body (text, or bytes) over the limit once decoded, as gzrs-core would answer it (base64 is
 * judged by its length, within a few bytes; gzrs-core measures what passes exactly); undefined
 * for any other.
 */
export function oversizedBody(rawBody, base64) {
  if (rawBody === undefined) return undefined;
  // Bytes are what they are. Base64 is ASCII: four characters per three bytes. Other text has
  // one to three bytes a UTF-16 unit, so only text that could be over is measured.
  const bytes =
    typeof rawBody !== "string"
      ? rawBody.length
      : base64
        ? (Math.max(rawBody.length - 4, 0) >>> 2) * 3
        : rawBody.length * 3 > MAX_BODY_BYTES
          ? utf8Length(rawBody)
          : 0;
  return bytes <= MAX_BODY_BYTES ? undefined : bodyTooLarge(bytes);
}

/** The 413 for a body over a streaming platform's `limit` (gzrs-core's `body_over_limit`). */
export function bodyOverLimit(limit) {
  return errorResponse(
    413,
    `the request body is over gzrs's limit of ${limit} bytes (${inUnits(limit)}); ` +
      "the service sets it with `request-body-limit` under [package.metadata.gzrs]",
  );
}

/** `bytes` as people write it: `6 MiB`, `512 KiB`, else `N bytes` (gzrs-core's `in_units`). */
function inUnits(bytes) {
  for (const [unit, size] of [["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]]) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}

export function errorResponse(statusCode, message) {
  return {
    statusCode,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ error: message }),
  };
}


/** gzrs-core's 413 for a body of `bytes`. */
export function bodyTooLarge(bytes) {
  return errorResponse(
    413,
    `the request body is ${bytes} bytes, over gzrs's limit of ${MAX_BODY_BYTES} bytes (6 MiB)`,
  );
}

/** The UTF-8 length of `text`, without keeping the bytes where the runtime can say it. */
export function utf8Length(text) {
  return globalThis.Buffer ? globalThis.Buffer.byteLength(text, "utf8") : encoder.encode(text).length;
}
