// gzrs host on Genezio (Node), shared by both modes: the request object as gzrs-core reads it
// from a Genezio request, finding the files gzrs ships beside the class, and Node's own sources
// of randomness and time. What is not Node's or Genezio's lives in ./core/.
import { openSync, readFileSync, readSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

export { callObject, callResult, callTooLarge, errorResponse, oversizedBody } from "./core/protocol.mjs";

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

/** This machine's CPU, by gzrs's (and Genezio's) architecture names. */
export const CPU = { arm64: "arm64", x64: "x86_64" }[process.arch] ?? process.arch;

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

// The kernel's CSPRNG, read through a small pool (each byte handed out once). Not webcrypto:
// loading it costs a cold start about 2 ms, and std asks for random bytes while the service is
// being built (every HashMap's keys). webcrypto remains the fallback without /dev/urandom.
const POOL_SIZE = 4096;
let urandom;

/** Fills `target` with secure random bytes (WASI's `random_get` on Node). */
export function nodeRandom(target) {
  try {
    urandom ??= { fd: openSync("/dev/urandom", "r"), pool: Buffer.alloc(POOL_SIZE), used: POOL_SIZE };
    if (target.length > POOL_SIZE / 2) {
      for (let done = 0; done < target.length; ) done += readSync(urandom.fd, target, done, target.length - done);
      return;
    }
    if (urandom.used + target.length > POOL_SIZE) {
      for (let done = 0; done < POOL_SIZE; ) done += readSync(urandom.fd, urandom.pool, done, POOL_SIZE - done);
      urandom.used = 0;
    }
    target.set(urandom.pool.subarray(urandom.used, urandom.used + target.length));
    urandom.pool.fill(0, urandom.used, urandom.used + target.length);
    urandom.used += target.length;
  } catch {
    for (let done = 0; done < target.length; done += 65536) {
      globalThis.crypto.getRandomValues(target.subarray(done, Math.min(target.length, done + 65536)));
    }
  }
}

/** Node's monotonic clock in nanoseconds. */
export const nodeMonotonicNs = () => process.hrtime.bigint();
