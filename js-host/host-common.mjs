// gzrs host, shared by both modes: the request object as gzrs-core reads it, error answers, and
// finding the files gzrs ships beside the class.
import { readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

/**
 * The request object as gzrs-core reads it: everything but the body as JSON, and `rawBody`
 * beside it. Genezio signals a binary body by handing over a Buffer (with `rawBody` holding the
 * base64 text), so that is passed on as `isBase64Encoded`.
 */
export function marshal(req) {
  if (req === null || typeof req !== "object") throw new TypeError("request is not an object");
  const binary = Buffer.isBuffer(req.body);
  let rawBody = req.rawBody;
  if (typeof rawBody !== "string") {
    if (binary) rawBody = req.body.toString("base64");
    else if (typeof req.body === "string") rawBody = req.body;
    else if (req.body !== undefined && req.body !== null) rawBody = JSON.stringify(req.body);
    else rawBody = undefined;
  }
  const meta = JSON.stringify({
    http: req.http,
    headers: req.headers,
    queryStringParameters: req.queryStringParameters,
    isBase64Encoded: binary,
  });
  return [meta, rawBody, binary];
}

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
    const text = typeof response.body === "string" ? response.body : Buffer.from(response.body ?? "").toString();
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

// gzrs-core's limit on a decoded body (its `limits` module states them all). The hosts check it
// too, before the body is copied to the service, so an oversized body costs nothing there.
const MAX_BODY_BYTES = 6 * 1024 * 1024;

/**
 * A 413 for a raw body over the limit once decoded, as gzrs-core would answer it (base64 is
 * judged by its length, within a few bytes; gzrs-core measures what passes exactly); undefined
 * for any other.
 */
export function oversizedBody(rawBody, base64) {
  if (rawBody === undefined) return undefined;
  // Base64 is ASCII: four characters per three bytes. Other text has one to three bytes a
  // UTF-16 unit, so only text that could be over is measured.
  const bytes = base64
    ? (Math.max(rawBody.length - 4, 0) >>> 2) * 3
    : rawBody.length * 3 > MAX_BODY_BYTES
      ? Buffer.byteLength(rawBody, "utf8")
      : 0;
  if (bytes <= MAX_BODY_BYTES) return undefined;
  return errorResponse(
    413,
    `the request body is ${bytes} bytes, over gzrs's limit of ${MAX_BODY_BYTES} bytes (6 MiB)`,
  );
}

/** This machine's CPU, by gzrs's (and Genezio's) architecture names. */
export const CPU = { arm64: "arm64", x64: "x86_64" }[process.arch] ?? process.arch;

export function errorResponse(statusCode, message) {
  return {
    statusCode,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ error: message }),
  };
}

/**
 * Finds a file gzrs ships beside the class. Bundled by Genezio, the caller becomes `module.mjs`
 * at the bundle root and the file is copied at its path relative to the backend folder, so the
 * same relative path works bundled and unbundled; the task root and the working directory are
 * fallbacks. Answers where it was found and its `stat`.
 */
export function locateFile(baseUrl, relativePath, what) {
  const candidates = [fileURLToPath(new URL(relativePath, baseUrl))];
  if (process.env.LAMBDA_TASK_ROOT) candidates.push(path.join(process.env.LAMBDA_TASK_ROOT, relativePath));
  candidates.push(path.resolve(relativePath));
  for (const candidate of candidates) {
    try {
      return { file: candidate, stat: statSync(candidate) };
    } catch (error) {
      if (error.code !== "ENOENT") throw error;
    }
  }
  throw new Error(
    `gzrs: cannot find the service's ${what}; looked at ${candidates.join(", ")}. ` +
      "Rebuild the project with `gzrs build` and deploy the whole output folder.",
  );
}

export function readPayload(baseUrl, relativePath, what) {
  return readFileSync(locateFile(baseUrl, relativePath, what).file);
}
